"""The moderation log is append-only: no path in the app or the admin changes or deletes
a row. Moderation's other records are read-only in the admin, so nothing bypasses the log."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from forum.models import Member, Post, Thread
from moderation import actions
from moderation.models import AppendOnly, LogEntry, Report, ReviewItem, WatchedWord


@pytest.fixture
def entry(moderator: Member, thread: Thread) -> LogEntry:
    actions.lock_thread(moderator=moderator, thread=thread, reason="Heated")
    return LogEntry.objects.get(action=LogEntry.Action.LOCK_THREAD)


def test_a_log_row_cannot_be_saved_again(entry: LogEntry) -> None:
    entry.reason = "Something kinder"
    with pytest.raises(AppendOnly):
        entry.save()
    entry.refresh_from_db()
    assert entry.reason == "Heated"


def test_a_log_row_cannot_be_deleted(entry: LogEntry) -> None:
    with pytest.raises(AppendOnly):
        entry.delete()
    assert LogEntry.objects.filter(pk=entry.pk).exists()


def test_log_rows_cannot_be_updated_or_deleted_in_bulk(entry: LogEntry) -> None:
    with pytest.raises(AppendOnly):
        LogEntry.objects.filter(pk=entry.pk).update(reason="rewritten")
    with pytest.raises(AppendOnly):
        LogEntry.objects.all().delete()
    with pytest.raises(AppendOnly):
        LogEntry.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.reason == "Heated"


def test_a_log_row_names_its_target_without_post_text(
    moderator: Member, thread: Thread, make_reply: Callable[..., Post]
) -> None:
    post = make_reply(thread, body="Words only the thread should hold")
    actions.hide_post(moderator=moderator, post=post, reason="Unkind", guideline="be-kind")
    row = LogEntry.objects.get(action=LogEntry.Action.HIDE_POST)
    assert row.target == f"post {post.pk} in “Starting with dilators”"
    assert (row.moderator, row.member_id, row.thread_id, row.post_id) == (
        moderator,
        post.author_id,
        thread.pk,
        post.pk,
    )
    assert "Words only" not in f"{row.target} {row.reason}"


def test_a_refused_action_writes_no_log_row(moderator: Member, thread: Thread) -> None:
    actions.lock_thread(moderator=moderator, thread=thread, reason="Heated")
    count = LogEntry.objects.count()
    with pytest.raises(actions.ActionRefused):
        actions.lock_thread(moderator=moderator, thread=thread, reason="Again")
    assert LogEntry.objects.count() == count


READ_ONLY_MODELS = [LogEntry, WatchedWord, ReviewItem, Report]


@pytest.mark.parametrize("model", READ_ONLY_MODELS, ids=lambda m: m.__name__)
def test_the_admin_may_not_add_change_or_delete_moderation_records(
    model: type, make_member: Callable[..., Member]
) -> None:
    superuser = Member.objects.create_superuser("Operator", "a long passphrase here")
    request = RequestFactory().get("/admin/")
    request.user = superuser
    model_admin = admin.site._registry[model]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert model_admin.get_actions(request) == {}
    assert model_admin.has_view_permission(request)


@pytest.fixture
def admin_client_verified(db: None) -> Client:
    """A superuser who passed the admin's two-factor check this session."""
    superuser = Member.objects.create_superuser("Operator", "a long passphrase here")
    device = TOTPDevice.objects.create(user=superuser, name="phone", confirmed=True)
    client = Client()
    client.force_login(superuser)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def test_the_admin_shows_the_log_but_offers_no_way_to_change_it(
    admin_client_verified: Client, entry: LogEntry
) -> None:
    listing = admin_client_verified.get(reverse("admin:moderation_logentry_changelist"))
    assert listing.status_code == 200
    assert "Heated" in listing.content.decode()
    change_url = reverse("admin:moderation_logentry_change", args=[entry.pk])
    shown = admin_client_verified.get(change_url)
    assert shown.status_code == 200
    assert 'name="_save"' not in shown.content.decode()

    assert admin_client_verified.post(change_url, {"reason": "rewritten"}).status_code == 403
    delete_url = reverse("admin:moderation_logentry_delete", args=[entry.pk])
    assert admin_client_verified.post(delete_url, {"post": "yes"}).status_code == 403
    assert admin_client_verified.get(reverse("admin:moderation_logentry_add")).status_code == 403
    bulk = admin_client_verified.post(
        reverse("admin:moderation_logentry_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    entry.refresh_from_db()
    assert entry.reason == "Heated"


def test_watched_words_cannot_be_added_in_the_admin(admin_client_verified: Client) -> None:
    response = admin_client_verified.post(
        reverse("admin:moderation_watchedword_add"), {"phrase": "x", "action": "block"}
    )
    assert response.status_code == 403
    assert not WatchedWord.objects.exists()

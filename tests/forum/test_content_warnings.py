"""Content warnings (issue 5, point 6): authors and moderators mark posts, each reader
chooses show, collapse or hide, and the shared fragment is the same for everyone."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from forum import actions
from forum.content_warnings import ContentWarning, reader_choices
from forum.fragments import post_fragments
from forum.models import Category, Member, Notification, Post, Thread
from tests.forum.test_reading import THREAD_QUERIES
from tests.helpers import client_for

pytestmark = pytest.mark.django_db

BODY = "The examination itself was the hardest part for me."
WARNINGS = [ContentWarning.MEDICAL_EXAMINATION.value, ContentWarning.SELF_HARM.value]


@pytest.fixture
def warned(make_member: Callable[..., Member], category: Category) -> Thread:
    return actions.start_thread(
        author=make_member("WarnedAuthor"),
        category=category,
        title="My first appointment",
        body=BODY,
        warnings=[*reversed(WARNINGS), "not_a_warning"],
    )


def _posts_block(page: str) -> str:
    match = re.search(r'<div class="posts" id="posts"(.*?)</div>\s*<button', page, re.S)
    assert match
    return match.group(0)


def test_the_author_s_warnings_are_kept_known_and_in_order(warned: Thread) -> None:
    assert warned.posts.get().content_warnings == WARNINGS


def test_the_fragment_folds_the_post_behind_its_warnings(warned: Thread) -> None:
    post = warned.posts.get()
    fragment = post_fragments([post])[0]
    assert '<details class="content-warning" data-warnings="medical_examination self_harm">' in (
        fragment
    )
    assert "open" not in re.search(r"<details[^>]*>", fragment).group(0)  # type: ignore[union-attr]
    summary = re.search(r"<summary>(.*?)</summary>", fragment, re.S)
    assert summary
    assert "Medical examination details" in summary.group(1)
    assert "Self-harm" in summary.group(1)
    assert "Show this post" in summary.group(1)
    assert BODY not in summary.group(1)
    # The text is inside the folded details, not before it.
    assert fragment.index("<details") < fragment.index(BODY) < fragment.index("</details>")


def test_a_post_without_warnings_has_no_fold(make_thread: Callable[..., Thread]) -> None:
    fragment = post_fragments([make_thread().posts.get()])[0]
    assert "content-warning" not in fragment


def test_visitors_and_members_receive_the_same_fragment(
    warned: Thread, make_member: Callable[..., Member]
) -> None:
    reader = make_member("ShowsEverything")
    actions.set_content_warning_choices(
        member=reader, choices={warning: "show" for warning in ContentWarning.values}
    )
    blocks = []
    for viewer in (None, reader):
        page = client_for(viewer).get(warned.get_absolute_url()).content.decode()
        article = re.search(r"<article.*?</article>", page, re.S)
        assert article
        blocks.append(article.group(0))
    assert blocks[0] == blocks[1]
    assert '<details class="content-warning"' in blocks[0]


def test_the_page_hands_the_reader_s_choices_to_the_browser(
    warned: Thread, make_member: Callable[..., Member]
) -> None:
    reader = make_member("HidesSelfHarm")
    actions.set_content_warning_choices(
        member=reader, choices={"self_harm": "hide", "medical_examination": "show"}
    )
    page = client_for(reader).get(warned.get_absolute_url()).content.decode()
    raw = re.search(r'data-content-warning-choices="([^"]*)"', _posts_block(page))
    assert raw
    choices = json.loads(html.unescape(raw.group(1)))
    assert choices["self_harm"] == "hide"
    assert choices["medical_examination"] == "show"
    assert choices["sexual_abuse"] == "collapse"

    visitor_page = Client().get(warned.get_absolute_url()).content.decode()
    raw = re.search(r'data-content-warning-choices="([^"]*)"', visitor_page)
    assert raw
    assert set(json.loads(html.unescape(raw.group(1))).values()) == {"collapse"}
    assert "js/warnings.js" in visitor_page


@pytest.mark.parametrize("who", ["visitor", "member"])
def test_warnings_cost_the_thread_page_no_query(
    who: str,
    warned: Thread,
    make_member: Callable[..., Member],
    make_reply: Callable[..., Post],
    django_assert_num_queries: Any,
) -> None:
    for _ in range(3):
        actions.post_reply(
            author=make_member(), thread=warned, body="Thank you.", warnings=["self_harm"]
        )
    reader = make_member("CountedReader") if who == "member" else None
    if reader is not None:
        actions.set_content_warning_choices(member=reader, choices={"self_harm": "hide"})
    client = client_for(reader)
    client.get(warned.get_absolute_url())
    with django_assert_num_queries(THREAD_QUERIES[who]):
        client.get(warned.get_absolute_url())


def test_the_fragment_is_rendered_afresh_when_a_warning_is_added(
    warned: Thread, make_thread: Callable[..., Thread]
) -> None:
    plain = make_thread().posts.get()
    assert "content-warning" not in post_fragments([plain])[0]
    actions.edit_post(
        editor=plain.author, post=plain, body=plain.body, warnings=["explicit_sexual_detail"]
    )
    again = Post.objects.in_reading_order().get(pk=plain.pk)
    assert "Explicit sexual detail" in post_fragments([again])[0]
    assert again.edited_at is None  # warnings alone do not mark it "edited"


def test_reply_form_preview_names_the_warning_and_posting_keeps_it(
    warned: Thread, signed_in: Client
) -> None:
    url = reverse("forum:reply", args=[warned.pk])
    form = signed_in.get(url).content.decode()
    assert 'name="content_warnings" value="self_harm"' in form
    preview = signed_in.post(
        url, {"body": "Me too.", "content_warnings": ["pregnancy_fertility"], "preview": "1"}
    ).content.decode()
    assert "Content warning: Pregnancy and fertility" in preview
    response = signed_in.post(url, {"body": "Me too.", "content_warnings": ["pregnancy_fertility"]})
    assert response.status_code == 302
    assert warned.posts.order_by("-id").first().content_warnings == ["pregnancy_fertility"]  # type: ignore[union-attr]


def test_an_unknown_warning_is_refused_by_the_form(warned: Thread, signed_in: Client) -> None:
    url = reverse("forum:reply", args=[warned.pk])
    response = signed_in.post(url, {"body": "Me too.", "content_warnings": ["spoilers"]})
    assert response.status_code == 200
    assert warned.posts.count() == 1


def test_notifications_show_no_post_text(
    warned: Thread, make_member: Callable[..., Member]
) -> None:
    actions.post_reply(
        author=make_member(), thread=warned, body="A secret reply text", warnings=["self_harm"]
    )
    assert Notification.objects.count() == 1
    page = client_for(warned.author).get(reverse("forum:notifications")).content.decode()
    assert "A secret reply text" not in page


# --- The reader's choices ---------------------------------------------------------------


def test_settings_show_one_choice_per_warning_with_the_no_script_note(signed_in: Client) -> None:
    page = signed_in.get(reverse("forum:settings")).content.decode()
    for warning in ContentWarning.values:
        for choice in ("show", "collapse", "hide"):
            assert f'name="{warning}" value="{choice}"' in page
    assert "without it, posts stay collapsed" in page


def test_saving_the_choices(member: Member, signed_in: Client) -> None:
    data = {warning: "collapse" for warning in ContentWarning.values}
    data.update(self_harm="hide", pregnancy_fertility="show")
    response = signed_in.post(reverse("forum:content_warning_choices"), data)
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.content_warning_choices == reader_choices(data)
    assert member.content_warning_choices["self_harm"] == "hide"


def test_an_invalid_choice_is_refused(member: Member, signed_in: Client) -> None:
    data = {warning: "collapse" for warning in ContentWarning.values}
    data["self_harm"] = "explode"
    response = signed_in.post(reverse("forum:content_warning_choices"), data)
    assert response.status_code == 400
    member.refresh_from_db()
    assert member.content_warning_choices == {}


def test_the_choices_need_the_csrf_token(member: Member) -> None:
    client = client_for(member, enforce_csrf_checks=True)
    data = {warning: "show" for warning in ContentWarning.values}
    response = client.post(reverse("forum:content_warning_choices"), data)
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.content_warning_choices == {}


def test_visitors_cannot_save_choices() -> None:
    response = Client().post(reverse("forum:content_warning_choices"), {"self_harm": "show"})
    assert response.status_code == 302
    assert "/login/" in response["Location"]

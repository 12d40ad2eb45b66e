"""The moderation pages call the actions: reports, the queue, notices and appeals, and the
moderator's tools for a post, a thread, a member and watched words."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forum import actions as forum_actions
from forum.guidelines import Guideline
from forum.models import Category, Member, Post, PostStatus, Thread, ThreadStatus, TrustLevel
from moderation import actions
from moderation.models import LogEntry, Notice, Report, ReportReason, ReviewItem, WatchedWord
from tests.helpers import client_for
from tests.moderation.clients import verified_client

HeldFactory = Callable[..., tuple[Post, ReviewItem]]
ReportFactory = Callable[..., Report]


def text_of(response: object) -> str:
    html = response.content.decode()  # type: ignore[attr-defined]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def mod_client(moderator: Member) -> Client:
    return verified_client(moderator)


@pytest.fixture
def published(make_thread: Callable[..., Thread], make_member: Callable[..., Member]) -> Post:
    thread = make_thread(author=make_member("WarmMaple"), title="Talking to a physio")
    return thread.posts.get()


def decide(client: Client, item: ReviewItem, decision: str, **fields: str) -> Any:
    return client.post(
        reverse("moderation:decide", args=[item.pk]),
        {"version": item.version, "decision": decision, **fields},
        follow=True,
    )


# --- Reporting ---------------------------------------------------------------------------


def test_report_form_offers_every_reason_as_a_radio_button(
    published: Post, signed_in: Client
) -> None:
    html = signed_in.get(reverse("moderation:report", args=[published.pk])).content.decode()
    radios = re.findall(r'<input type="radio" name="reason" value="([a-z_]+)"', html)
    assert radios == list(ReportReason.values)


def test_report_sends_the_report_and_thanks_the_member(
    published: Post, signed_in: Client, member: Member
) -> None:
    response = signed_in.post(
        reverse("moderation:report", args=[published.pk]),
        {"reason": ReportReason.MEDICAL, "note": ""},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("moderation:my_reports")
    shown = text_of(response)
    assert "Thank you for telling us" in shown
    assert "Unsafe or misleading medical advice" in shown
    assert "Received" in shown
    assert "WarmMaple" not in shown
    report = Report.objects.get()
    assert (report.reporter_id, report.reason) == (member.pk, ReportReason.MEDICAL)


def test_report_other_needs_a_few_words_and_keeps_the_text(
    published: Post, signed_in: Client
) -> None:
    url = reverse("moderation:report", args=[published.pk])
    response = signed_in.post(url, {"reason": ReportReason.OTHER, "note": ""})
    assert response.status_code == 400
    assert "a few words" in text_of(response)
    assert 'value="other" required checked' in response.content.decode() or re.search(
        r'value="other"[^>]*checked', response.content.decode()
    )
    assert not Report.objects.exists()


def test_report_refusal_is_shown_with_the_text_kept(published: Post, signed_in: Client) -> None:
    url = reverse("moderation:report", args=[published.pk])
    signed_in.post(url, {"reason": ReportReason.SPAM})
    response = signed_in.post(url, {"reason": ReportReason.SPAM, "note": "Links to a shop again"})
    assert response.status_code == 400
    assert "already reported" in text_of(response)
    assert "Links to a shop again" in response.content.decode()
    assert Report.objects.count() == 1


def test_report_of_ones_own_post_is_refused_kindly(
    make_thread: Callable[..., Thread], member: Member, signed_in: Client
) -> None:
    own = make_thread(author=member).posts.get()
    url = reverse("moderation:report", args=[own.pk])
    response = signed_in.get(url)
    assert "This is your own post" in text_of(response)
    assert 'name="reason"' not in response.content.decode()
    signed_in.post(url, {"reason": ReportReason.SPAM})
    assert not Report.objects.exists()


def test_report_of_a_held_post_is_not_found(
    make_held_reply: HeldFactory, signed_in: Client
) -> None:
    held, _item = make_held_reply()
    assert signed_in.get(reverse("moderation:report", args=[held.pk])).status_code == 404


def test_my_reports_shows_the_outcome_without_names(
    published: Post,
    member: Member,
    signed_in: Client,
    make_report: ReportFactory,
    moderator: Member,
) -> None:
    report = make_report(published, reporter=member, reason=ReportReason.HARASSMENT)
    item = report.item
    actions.hide_post(
        moderator=moderator,
        post=published,
        reason="Pressure on another member",
        guideline=Guideline.NO_PRESSURE,
        item=item,
        seen_version=item.version,
    )
    shown = text_of(signed_in.get(reverse("moderation:my_reports")))
    assert "Received" in shown
    assert "Reviewed" in shown
    assert "moderators acted on it" in shown
    for name in ("WarmMaple", moderator.pseudonym, "Pressure on another member"):
        assert name not in shown


# --- The queue ---------------------------------------------------------------------------


def test_queue_lists_items_most_urgent_first_with_reasons_and_no_reporters(
    make_held_reply: HeldFactory,
    published: Post,
    make_report: ReportFactory,
    make_member: Callable[..., Member],
    mod_client: Client,
) -> None:
    held, held_item = make_held_reply(body="Hello from a new member")
    reporters = [make_member(f"Reporter{n}x") for n in range(3)]
    make_report(published, reporter=reporters[0], reason=ReportReason.SPAM)
    make_report(published, reporter=reporters[1], reason=ReportReason.SPAM)
    make_report(published, reporter=reporters[2], reason=ReportReason.AT_RISK)
    response = mod_client.get(reverse("moderation:queue"))
    html = response.content.decode()
    shown = text_of(response)
    reported = ReviewItem.objects.get(post=published)
    # At-risk first (priority 0), the new member's post after it.
    assert html.index(f'id="item-{reported.pk}"') < html.index(f'id="item-{held_item.pk}"')
    assert "Someone may be at risk × 1" in shown
    assert "Spam or advertising × 2" in shown
    for reporter in reporters:
        assert reporter.pseudonym not in html
    # The author, their trust level and the thread are shown; the text waits folded.
    assert held.author.pseudonym in shown
    assert "New" in shown
    assert '<details class="queue-text">' in html
    assert '<details class="queue-text" open' not in html


def test_queue_leaves_out_a_held_post_its_author_deleted(
    make_held_reply: HeldFactory, mod_client: Client
) -> None:
    _kept, kept_item = make_held_reply(body="Still waiting")
    gone, gone_item = make_held_reply(body="Thought better of it")
    forum_actions.delete_post(member=gone.author, post=gone)
    html = mod_client.get(reverse("moderation:queue")).content.decode()
    assert f'id="item-{kept_item.pk}"' in html
    assert f'id="item-{gone_item.pk}"' not in html


def test_queue_items_fragment_is_the_list_alone(
    make_held_reply: HeldFactory, mod_client: Client
) -> None:
    _held, item = make_held_reply()
    html = mod_client.get(reverse("moderation:queue_items")).content.decode()
    assert html.lstrip().startswith('<div class="queue-items" id="queue-items"')
    assert f'id="item-{item.pk}"' in html
    assert "<html" not in html


def test_approve_publishes_a_held_post(
    make_held_reply: HeldFactory, mod_client: Client, moderator: Member
) -> None:
    held, item = make_held_reply()
    response = decide(mod_client, item, "approve")
    assert "Approved" in text_of(response)
    held.refresh_from_db()
    assert held.status == PostStatus.PUBLISHED
    entry = LogEntry.objects.get(action=LogEntry.Action.APPROVE_POST)
    assert entry.moderator_id == moderator.pk


def test_reject_needs_a_reason_and_a_guideline(
    make_held_reply: HeldFactory, mod_client: Client
) -> None:
    held, item = make_held_reply()
    response = mod_client.post(
        reverse("moderation:decide", args=[item.pk]),
        {"version": item.version, "decision": "reject", "reason": ""},
    )
    assert response.status_code == 400
    shown = text_of(response)
    assert "Please give a reason" in shown
    assert "Please choose the guideline" in shown
    held.refresh_from_db()
    assert held.status == PostStatus.HELD
    decide(mod_client, item, "reject", reason="Advertising a clinic", guideline=Guideline.NO_SPAM)
    held.refresh_from_db()
    assert held.status == PostStatus.REJECTED
    notice = Notice.objects.get(recipient=held.author)
    assert notice.kind == Notice.Kind.POST_REJECTED


def test_the_second_moderator_is_told_it_was_already_handled(
    make_held_reply: HeldFactory, mod_client: Client, make_moderator: Callable[..., Member]
) -> None:
    held, item = make_held_reply()
    other = verified_client(make_moderator("LateSwift"))
    decide(mod_client, item, "approve")
    response = decide(other, item, "reject", reason="Too late", guideline=Guideline.NO_SPAM)
    assert "already handled by another moderator" in text_of(response)
    assert response.redirect_chain[-1][0] == reverse("moderation:queue")
    held.refresh_from_db()
    assert held.status == PostStatus.PUBLISHED


def test_the_already_handled_refusal_from_the_action_is_shown(
    make_held_reply: HeldFactory,
    mod_client: Client,
    moderator: Member,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _held, item = make_held_reply()

    def lost_the_race(**kwargs: object) -> None:
        raise actions.AlreadyHandled("This was already handled by another moderator.")

    monkeypatch.setattr(actions, "approve_post", lost_the_race)
    response = decide(mod_client, item, "approve")
    assert "already handled by another moderator" in text_of(response)


def test_remove_and_dismiss_decide_reported_posts(
    published: Post,
    make_thread: Callable[..., Thread],
    make_report: ReportFactory,
    mod_client: Client,
) -> None:
    make_report(published, reason=ReportReason.HARASSMENT)
    item = ReviewItem.objects.get(post=published, status="open")
    decide(mod_client, item, "remove", reason="Pushing someone", guideline=Guideline.NO_PRESSURE)
    published.refresh_from_db()
    assert published.status == PostStatus.REMOVED
    assert Report.objects.get().status == Report.Status.UPHELD

    other = make_thread(title="Something else").posts.get()
    make_report(other, reason=ReportReason.SPAM)
    item = ReviewItem.objects.get(post=other, status="open")
    decide(mod_client, item, "dismiss", reason="Not spam, a personal story")
    other.refresh_from_db()
    assert other.status == PostStatus.PUBLISHED
    assert Report.objects.get(post=other).status == Report.Status.DISMISSED


def test_an_appeal_reaches_the_queue_and_can_restore_or_keep(
    published: Post,
    make_thread: Callable[..., Thread],
    mod_client: Client,
    moderator: Member,
) -> None:
    author = published.author
    actions.hide_post(
        moderator=moderator, post=published, reason="Too harsh", guideline=Guideline.BE_KIND
    )
    notice = Notice.objects.get(recipient=author, kind=Notice.Kind.POST_HIDDEN)
    owner = client_for(author)
    page = owner.get(reverse("moderation:notices"))
    assert f'action="{reverse("moderation:appeal", args=[notice.pk])}"' in page.content.decode()
    response = owner.post(
        reverse("moderation:appeal", args=[notice.pk]),
        {"text": "I was quoting my own doctor, not telling anyone what to do."},
        follow=True,
    )
    assert "Your request is with the moderators" in text_of(response)
    item = ReviewItem.objects.get(kind=ReviewItem.Kind.APPEAL)
    queue = text_of(mod_client.get(reverse("moderation:queue")))
    assert "I was quoting my own doctor" in queue
    decide(mod_client, item, "restore", reason="Fair point, it reads as a personal story")
    published.refresh_from_db()
    assert published.status == PostStatus.PUBLISHED

    second = make_thread(author=author, title="Another thread").posts.get()
    actions.hide_post(moderator=moderator, post=second, reason="Harsh", guideline=Guideline.BE_KIND)
    second_notice = Notice.objects.get(post=second, kind=Notice.Kind.POST_HIDDEN)
    actions.appeal(member=author, notice=second_notice, text="Please look at this one again.")
    item = ReviewItem.objects.get(kind=ReviewItem.Kind.APPEAL, status="open")
    decide(mod_client, item, "keep", reason="It still reads as pressure")
    second.refresh_from_db()
    assert second.status == PostStatus.REMOVED
    assert LogEntry.objects.filter(action=LogEntry.Action.DENY_APPEAL).count() == 1


def test_appeal_is_refused_a_second_time(published: Post, moderator: Member) -> None:
    actions.hide_post(
        moderator=moderator, post=published, reason="Too harsh", guideline=Guideline.BE_KIND
    )
    notice = Notice.objects.get(kind=Notice.Kind.POST_HIDDEN)
    owner = client_for(published.author)
    url = reverse("moderation:appeal", args=[notice.pk])
    owner.post(url, {"text": "Please look again at my post."})
    response = owner.post(url, {"text": "Please look again, once more."})
    assert response.status_code == 400
    assert "already asked for a review" in text_of(response)


# --- Notices -----------------------------------------------------------------------------


def test_notices_are_listed_newest_first_kindly_and_then_read(
    member: Member, signed_in: Client, moderator: Member
) -> None:
    actions.warn_member(
        moderator=moderator, member=member, reason="First note", guideline=Guideline.BE_KIND
    )
    actions.warn_member(
        moderator=moderator, member=member, reason="Second note", guideline=Guideline.OWN_PACE
    )
    unread = reverse("moderation:unread_notices")
    assert signed_in.get(unread).json() == {"unread": 2}
    response = signed_in.get(reverse("moderation:notices"))
    html = response.content.decode()
    assert html.index("Second note") < html.index("First note")
    assert f'href="{reverse("forum:guidelines")}#own-pace"' in html
    assert f'href="{reverse("forum:get_help")}"' in html
    assert moderator.pseudonym not in html
    assert html.count(">New</span>") == 2
    assert signed_in.get(unread).json() == {"unread": 0}
    assert ">New</span>" not in signed_in.get(reverse("moderation:notices")).content.decode()


# --- A post, a thread, a member, watched words ---------------------------------------------


def test_post_page_hides_restores_and_edits(published: Post, mod_client: Client) -> None:
    url = reverse("moderation:post", args=[published.pk])
    page = mod_client.get(url)
    assert published.body in text_of(page)
    response = mod_client.post(url, {"do": "hide", "reason": "", "guideline": ""})
    assert response.status_code == 400
    mod_client.post(url, {"do": "hide", "reason": "Unkind", "guideline": Guideline.BE_KIND})
    published.refresh_from_db()
    assert published.status == PostStatus.REMOVED
    mod_client.post(url, {"do": "restore", "reason": "Second look: fine"})
    published.refresh_from_db()
    assert published.status == PostStatus.PUBLISHED
    response = mod_client.post(url, {"do": "edit", "body": "A kinder text.", "reason": "A name"})
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.body == "A kinder text."
    assert mod_client.post(url, {"do": "nonsense"}).status_code == 400
    actions_logged = set(LogEntry.objects.values_list("action", flat=True))
    assert {"hide_post", "restore_post", "edit_post"} <= actions_logged


def test_post_page_keeps_the_edit_when_the_action_refuses(
    published: Post, mod_client: Client
) -> None:
    url = reverse("moderation:post", args=[published.pk])
    response = mod_client.post(url, {"do": "edit", "body": published.body, "reason": "Tidy"})
    assert response.status_code == 400
    assert "The text is unchanged" in text_of(response)


def test_thread_page_runs_every_thread_action(published: Post, mod_client: Client) -> None:
    thread = published.thread
    url = reverse("moderation:thread", args=[thread.pk])
    assert mod_client.get(url).status_code == 200
    elsewhere = Category.objects.exclude(pk=thread.category_id).first()
    assert elsewhere is not None
    steps = [
        {"do": "lock", "reason": "Heated"},
        {"do": "unlock", "reason": "Calmer now"},
        {"do": "pin", "reason": "Useful"},
        {"do": "unpin", "reason": "Old news"},
        {"do": "move", "category": str(elsewhere.pk), "reason": "Better fit"},
        {"do": "slow_mode", "minutes": "10", "reason": "Busy thread"},
        {"do": "delete", "reason": "Spam thread", "guideline": Guideline.NO_SPAM},
    ]
    for step in steps:
        response = mod_client.post(url, step)
        assert response.status_code == 302, (step, text_of(response)[:500])
    thread.refresh_from_db()
    assert thread.category_id == elsewhere.pk
    assert thread.slow_mode_minutes == 10
    assert thread.status == ThreadStatus.REMOVED
    assert LogEntry.objects.filter(thread_id=thread.pk).count() == len(steps)
    response = mod_client.post(url, {"do": "lock", "reason": ""})
    assert response.status_code == 400


def test_member_page_sets_trust_warns_suspends_and_lifts(
    make_member: Callable[..., Member], mod_client: Client
) -> None:
    target = make_member("RestlessOtter", trust=TrustLevel.NEW)
    url = reverse("moderation:member", args=[target.pk])
    assert target.pseudonym in text_of(mod_client.get(url))
    steps = [
        {"do": "trust", "level": TrustLevel.TRUSTED, "locked": "on", "reason": "Long helper"},
        {"do": "warn", "reason": "Gently: less pressure", "guideline": Guideline.NO_PRESSURE},
        {"do": "suspend", "days": "3", "reason": "Cool off", "guideline": Guideline.BE_KIND},
        {"do": "lift", "reason": "Apologised"},
    ]
    for step in steps:
        response = mod_client.post(url, step)
        assert response.status_code == 302, (step, text_of(response)[:500])
    target.refresh_from_db()
    assert (target.trust_level, target.trust_locked) == (TrustLevel.TRUSTED, True)
    assert not target.is_suspended
    assert Notice.objects.filter(recipient=target).count() >= 3
    response = mod_client.post(url, {"do": "suspend", "days": "0", "reason": "x", "guideline": ""})
    assert response.status_code == 400


def test_words_page_adds_and_removes_watched_words(mod_client: Client) -> None:
    url = reverse("moderation:words")
    response = mod_client.post(
        url, {"do": "add", "phrase": "miracle cure", "action": "hold", "reason": "Sales pitch"}
    )
    assert response.status_code == 302
    word = WatchedWord.objects.get()
    assert "miracle cure" in text_of(mod_client.get(url))
    response = mod_client.post(
        url, {"do": "add", "phrase": "cheap pills", "action": "replace", "replacement": ""}
    )
    assert response.status_code == 400
    assert "cheap pills" in response.content.decode()
    mod_client.post(url, {"do": "remove", "word": str(word.pk)})
    assert not WatchedWord.objects.exists()


def test_log_lists_moderator_action_target_and_reason(
    published: Post, mod_client: Client, moderator: Member
) -> None:
    actions.lock_thread(moderator=moderator, thread=published.thread, reason="Cooling down")
    shown = text_of(mod_client.get(reverse("moderation:log")))
    assert moderator.pseudonym in shown
    assert "Locked a thread" in shown
    assert "Cooling down" in shown
    assert published.thread.title in shown


# --- Query counts ------------------------------------------------------------------------


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_queue_costs_the_same_queries_for_one_item_or_many(
    make_held_reply: HeldFactory,
    make_thread: Callable[..., Thread],
    make_report: ReportFactory,
    mod_client: Client,
) -> None:
    url = reverse("moderation:queue")
    make_held_reply()
    make_report(make_thread().posts.get())
    few = _queries(mod_client, url)
    for _n in range(4):
        make_held_reply()
        post = make_thread().posts.get()
        make_report(post, reason=ReportReason.SPAM)
        make_report(post, reason=ReportReason.MEDICAL)
    assert _queries(mod_client, url) == few
    assert _queries(mod_client, reverse("moderation:queue_items")) <= few


def test_log_costs_the_same_queries_for_one_entry_or_many(
    published: Post, mod_client: Client, moderator: Member
) -> None:
    url = reverse("moderation:log")
    actions.lock_thread(moderator=moderator, thread=published.thread, reason="One")
    few = _queries(mod_client, url)
    for n in range(5):
        actions.set_slow_mode(
            moderator=moderator, thread=published.thread, minutes=n + 1, reason="More"
        )
    assert _queries(mod_client, url) == few


def test_notices_cost_the_same_queries_for_one_or_many(
    member: Member, signed_in: Client, moderator: Member
) -> None:
    url = reverse("moderation:notices")
    actions.warn_member(moderator=moderator, member=member, reason="One", guideline="be-kind")
    signed_in.get(url)
    few = _queries(signed_in, url)
    for _n in range(5):
        actions.warn_member(moderator=moderator, member=member, reason="More", guideline="be-kind")
    signed_in.get(url)
    assert _queries(signed_in, url) == few


def test_my_reports_cost_the_same_queries_for_one_or_many(
    member: Member,
    signed_in: Client,
    make_thread: Callable[..., Thread],
    make_report: ReportFactory,
) -> None:
    url = reverse("moderation:my_reports")
    make_report(make_thread().posts.get(), reporter=member)
    few = _queries(signed_in, url)
    for _n in range(5):
        make_report(make_thread().posts.get(), reporter=member)
    assert _queries(signed_in, url) == few


def test_a_suspended_member_is_told_why_the_report_was_not_sent(
    published: Post, member: Member, signed_in: Client, moderator: Member
) -> None:
    actions.suspend_member(
        moderator=moderator, member=member, days=2, reason="Pause", guideline=Guideline.BE_KIND
    )
    response = signed_in.post(
        reverse("moderation:report", args=[published.pk]),
        {"reason": ReportReason.OTHER, "note": "This reads like an advert to me"},
    )
    assert response.status_code == 400
    assert "suspended" in text_of(response).lower()
    assert "This reads like an advert to me" in response.content.decode()
    assert not Report.objects.exists()


def test_an_appeal_of_a_rejected_post_publishes_it_when_upheld(
    make_held_reply: HeldFactory, mod_client: Client
) -> None:
    held, item = make_held_reply(body="My first post, about my own pace")
    decide(mod_client, item, "reject", reason="Looked like an advert", guideline=Guideline.NO_SPAM)
    notice = Notice.objects.get(recipient=held.author, kind=Notice.Kind.POST_REJECTED)
    client_for(held.author).post(
        reverse("moderation:appeal", args=[notice.pk]),
        {"text": "It is only my own story, nothing for sale."},
    )
    appeal_item = ReviewItem.objects.get(kind=ReviewItem.Kind.APPEAL, status="open")
    response = decide(mod_client, appeal_item, "restore", reason="Agreed, a personal story")
    assert "Restored" in text_of(response)
    held.refresh_from_db()
    assert held.status == PostStatus.PUBLISHED

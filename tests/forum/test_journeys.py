"""Journeys: entries and their privacy, the timeline, the Journeys page and its filters,
"hide other people's numbers", the composer's safety nets and the member's own data."""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from forum import actions, export
from forum.demo_content import JOURNEYS
from forum.exceptions import ActionRefused
from forum.journeys_views import time_between
from forum.models import (
    Category,
    Journey,
    JourneyEntry,
    Member,
    Milestone,
    Notification,
    Thread,
    ThreadStatus,
)
from tests.forum.test_anonymous import assert_unlinked
from tests.forum.test_reading import THREAD_QUERIES
from tests.helpers import client_for

pytestmark = pytest.mark.django_db

MemberFactory = Callable[..., Member]

PRIVATE_NOTE = "Only-for-me words about a hard evening"
SHARED_NOTE = "A calm session with the second size today"

# The COUNT for the pager, the journeys, their milestones; for a member also the session,
# the member and their own journeys.
JOURNEYS_PAGE_QUERIES = {"visitor": 3, "member": 6}
# The thread page of a journey: an ordinary thread page plus the timeline's entries.
JOURNEY_THREAD_QUERIES = {who: count + 1 for who, count in THREAD_QUERIES.items()}


def today() -> datetime.date:
    return timezone.localdate()


def days_ago(days: int) -> datetime.date:
    return today() - datetime.timedelta(days=days)


def start(author: Member, *, anonymous: bool = False, title: str = "Slowly, with tea") -> Journey:
    return actions.start_journey(
        author=author,
        title=title,
        body="Where I am starting: not even a tampon yet.",
        anonymous=anonymous,
    )


def add(journey: Journey, **fields: Any) -> JourneyEntry:
    author = Member.objects.get(pk=journey.thread.author_id)
    fields.setdefault("happened_on", today())
    if not any(name in fields for name in ("note", "milestone", "comfort")):
        fields["note"] = SHARED_NOTE
    return actions.add_journey_entry(author=author, journey=journey, **fields)


@pytest.fixture
def walker(make_member: MemberFactory) -> Member:
    return make_member("QuietWalker21")


@pytest.fixture
def reader(make_member: MemberFactory) -> Member:
    return make_member("CuriousReader5")


@pytest.fixture
def journey(walker: Member) -> Journey:
    return start(walker)


def page(member: Member | None, url: str) -> str:
    response = client_for(member).get(url)
    assert response.status_code == 200
    return response.content.decode()


# --- Beginning a journey -------------------------------------------------------------------


def test_start_journey_opens_a_thread_in_progress_stories(journey: Journey) -> None:
    assert journey.thread.category.slug == "progress-stories"
    assert journey.thread.status == ThreadStatus.PUBLISHED
    assert journey.latest_shared_on is None


def test_new_journey_form_begins_it_once_for_a_double_click(walker: Member) -> None:
    client = client_for(walker)
    form = {
        "title": "At my own pace",
        "body": "Starting today.",
        "submission_token": str(uuid.uuid4()),
    }
    first = client.post(reverse("forum:new_journey"), form)
    second = client.post(reverse("forum:new_journey"), form)
    assert first.status_code == second.status_code == 302
    assert Journey.objects.filter(thread__author=walker).count() == 1


def test_new_journey_form_keeps_the_text_of_a_mistake(walker: Member) -> None:
    response = client_for(walker).post(
        reverse("forum:new_journey"), {"title": "", "body": "My words stay here."}
    )
    html = response.content.decode()
    assert "My words stay here." in html
    assert "Please give the thread a title." in html or "This field is required." in html
    assert not Journey.objects.exists()


# --- Entries and who sees them -------------------------------------------------------------


def test_entries_are_private_unless_shared(journey: Journey) -> None:
    entry = add(journey, note=PRIVATE_NOTE)
    assert not entry.is_shared
    journey.refresh_from_db()
    assert journey.latest_shared_on is None


def test_private_entry_is_seen_by_its_author_only(
    journey: Journey, walker: Member, reader: Member
) -> None:
    add(journey, note=PRIVATE_NOTE, happened_on=days_ago(3))
    add(journey, note=SHARED_NOTE, is_shared=True)
    url = journey.get_absolute_url()
    own = page(walker, url)
    assert PRIVATE_NOTE in own
    assert SHARED_NOTE in own
    for other in (reader, None):
        html = page(other, url)
        assert SHARED_NOTE in html
        assert PRIVATE_NOTE not in html


def test_moderators_public_pages_never_show_a_private_entry(
    journey: Journey, make_member: MemberFactory
) -> None:
    moderator = make_member("CarefulHelper1")
    moderator.is_superuser = True
    moderator.save()
    add(journey, note=PRIVATE_NOTE)
    assert PRIVATE_NOTE not in page(moderator, journey.get_absolute_url())


def test_only_the_author_adds_edits_and_deletes_entries(
    journey: Journey, walker: Member, reader: Member
) -> None:
    entry = add(journey, is_shared=True)
    with pytest.raises(ActionRefused):
        actions.add_journey_entry(author=reader, journey=journey, happened_on=today(), note="x")
    with pytest.raises(ActionRefused):
        actions.edit_journey_entry(author=reader, entry=entry, happened_on=today(), note="x")
    with pytest.raises(ActionRefused):
        actions.delete_journey_entry(author=reader, entry=entry)
    client = client_for(reader)
    assert client.post(reverse("forum:add_entry", args=[journey.pk]), {}).status_code == 403
    assert client.get(reverse("forum:edit_entry", args=[entry.pk])).status_code == 404
    assert client.post(reverse("forum:delete_entry", args=[entry.pk])).status_code == 404
    assert JourneyEntry.objects.filter(pk=entry.pk, note=SHARED_NOTE).exists()


def test_rating_is_shown_to_others_only_when_shared(
    journey: Journey, walker: Member, reader: Member
) -> None:
    add(journey, comfort=3, is_shared=True, happened_on=days_ago(2))
    add(journey, comfort=8, shares_comfort=True, is_shared=True)
    others = page(reader, journey.get_absolute_url())
    assert "Comfort 8 of 10" in others
    assert "Comfort 3 of 10" not in others
    own = page(walker, journey.get_absolute_url())
    assert "Comfort 3 of 10" in own
    assert "Comfort 8 of 10" in own


def test_moved_up_a_size_carries_the_size(journey: Journey, reader: Member) -> None:
    add(journey, milestone=Milestone.MOVED_UP_A_SIZE, dilator_size="3", is_shared=True)
    assert "Moved up a dilator size (size 3)" in page(reader, journey.get_absolute_url())


def test_setbacks_and_breaks_look_like_any_milestone(journey: Journey, reader: Member) -> None:
    add(journey, milestone=Milestone.SETBACK, is_shared=True, happened_on=days_ago(40))
    add(journey, milestone=Milestone.TAKING_A_BREAK, is_shared=True, happened_on=days_ago(20))
    add(journey, milestone=Milestone.FIRST_TAMPON, is_shared=True)
    html = page(reader, journey.get_absolute_url())
    for label in ("Setback", "Taking a break", "First tampon"):
        assert f'<span class="milestone">{label}</span>' in html
    assert "streak" not in html.lower()
    assert "broken" not in html.lower()


def test_timeline_says_how_long_between_entries(journey: Journey, reader: Member) -> None:
    add(journey, milestone=Milestone.STARTED_DILATING, is_shared=True, happened_on=days_ago(122))
    add(journey, milestone=Milestone.FIRST_TAMPON, is_shared=True)
    html = page(reader, journey.get_absolute_url())
    assert "4 months later" in html
    assert (
        html.index("Started dilating") < html.index("4 months later") < html.index("First tampon")
    )


@pytest.mark.parametrize(
    ("days", "said"),
    [
        (0, "The same day"),
        (1, "A day later"),
        (9, "9 days later"),
        (21, "3 weeks later"),
        (122, "4 months later"),
        (800, "2 years later"),
    ],
)
def test_time_between_says_the_largest_unit(days: int, said: str) -> None:
    assert time_between(days_ago(days), today()) == said


def test_time_between_counts_only_what_the_reader_sees(journey: Journey, reader: Member) -> None:
    add(journey, note="first", is_shared=True, happened_on=days_ago(122))
    add(journey, note=PRIVATE_NOTE, happened_on=days_ago(60))
    add(journey, note="third", is_shared=True)
    html = page(reader, journey.get_absolute_url())
    assert "4 months later" in html
    assert "2 months later" not in html


def test_entry_form_keeps_the_text_when_something_is_missing(
    journey: Journey, walker: Member
) -> None:
    response = client_for(walker).post(
        reverse("forum:add_entry", args=[journey.pk]),
        {"happened_on": "", "body": "Words I do not want to lose", "visibility": "shared"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Words I do not want to lose" in html
    assert "This field is required." in html
    assert not JourneyEntry.objects.exists()


def test_entry_form_adds_one_entry_for_a_double_click(journey: Journey, walker: Member) -> None:
    client = client_for(walker)
    form = {
        "happened_on": today().isoformat(),
        "body": SHARED_NOTE,
        "visibility": "shared",
        "submission_token": str(uuid.uuid4()),
    }
    first = client.post(reverse("forum:add_entry", args=[journey.pk]), form)
    second = client.post(reverse("forum:add_entry", args=[journey.pk]), form)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert JourneyEntry.objects.filter(journey=journey).count() == 1


def test_entry_composer_carries_the_wellbeing_signposting(journey: Journey, walker: Member) -> None:
    html = page(walker, journey.get_absolute_url())
    assert 'class="post-form entry-form" novalidate data-signpost-terms="' in html
    assert "data-signpost hidden" in html
    response = client_for(walker).post(
        reverse("forum:add_entry", args=[journey.pk]),
        {"happened_on": "", "body": "I thought about suicide last night"},
    )
    returned = response.content.decode()
    assert "data-signpost hidden" not in returned
    assert "data-signpost" in returned


def test_entry_form_is_shown_to_the_author_only(journey: Journey, reader: Member) -> None:
    assert 'id="new-entry"' not in page(reader, journey.get_absolute_url())
    assert 'id="new-entry"' not in page(None, journey.get_absolute_url())


def test_an_entry_needs_a_note_a_milestone_or_a_rating(journey: Journey) -> None:
    with pytest.raises(ActionRefused):
        add(journey, note="   ")


def test_an_entry_cannot_be_dated_in_the_future(journey: Journey) -> None:
    with pytest.raises(ActionRefused):
        add(journey, happened_on=today() + datetime.timedelta(days=10))


def test_entry_note_is_rendered_through_markup(journey: Journey, reader: Member) -> None:
    entry = add(journey, note="**brave** <script>alert(1)</script>", is_shared=True)
    assert "<strong>brave</strong>" in entry.html
    html = page(reader, journey.get_absolute_url())
    assert "<script>alert(1)" not in html


def test_anonymous_journey_shows_its_alias_never_the_pseudonym(
    walker: Member, reader: Member
) -> None:
    journey = start(walker, anonymous=True)
    add(journey, milestone=Milestone.FIRST_TAMPON, is_shared=True)
    for url in (journey.get_absolute_url(), reverse("forum:journeys")):
        for other in (reader, None):
            html = page(other, url)
            assert journey.thread.starter_alias in html
            assert_unlinked(html, walker)


# --- The Journeys page ---------------------------------------------------------------------


def test_journeys_page_lists_shared_journeys_by_latest_entry(
    walker: Member, make_member: MemberFactory
) -> None:
    older = start(walker, title="Older story")
    add(older, is_shared=True, happened_on=days_ago(30))
    newer = start(make_member(), title="Newer story")
    add(newer, is_shared=True, happened_on=days_ago(1))
    only_private = start(make_member(), title="Nothing shared yet")
    add(only_private, note=PRIVATE_NOTE)
    html = page(None, reverse("forum:journeys"))
    assert html.index("Newer story") < html.index("Older story")
    assert "Nothing shared yet" not in html
    # Continuing the older journey brings it back to the top.
    add(older, is_shared=True)
    html = page(None, reverse("forum:journeys"))
    assert html.index("Older story") < html.index("Newer story")


def test_journeys_page_never_shows_private_entries(journey: Journey) -> None:
    add(journey, milestone=Milestone.FIRST_TAMPON, note=PRIVATE_NOTE, happened_on=days_ago(1))
    add(journey, note=SHARED_NOTE, is_shared=True, happened_on=days_ago(3))
    html = page(None, reverse("forum:journeys"))
    assert "Slowly, with tea" in html
    assert PRIVATE_NOTE not in html
    assert "First tampon</li>" not in html
    assert days_ago(1).isoformat() not in html
    filtered = page(None, reverse("forum:journeys") + "?reached=first_tampon")
    assert "Slowly, with tea" not in filtered


def test_filter_by_milestone_reached(walker: Member, make_member: MemberFactory) -> None:
    reached = start(walker, title="Reached it")
    add(reached, milestone=Milestone.FIRST_PAIN_FREE_INTIMACY, is_shared=True)
    other = start(make_member(), title="Not there yet")
    add(other, milestone=Milestone.STARTED_DILATING, is_shared=True)
    html = page(None, reverse("forum:journeys") + "?reached=first_pain_free_intimacy")
    assert "Reached it" in html
    assert "Not there yet" not in html


def test_filter_a_partner_was_involved(walker: Member, make_member: MemberFactory) -> None:
    together = start(walker, title="Together")
    add(together, milestone=Milestone.PARTNER_JOINED, is_shared=True)
    alone = start(make_member(), title="On my own")
    add(alone, milestone=Milestone.FIRST_TAMPON, is_shared=True)
    secret = start(make_member(), title="Kept private")
    add(secret, milestone=Milestone.PARTNER_JOINED)
    add(secret, note="shared", is_shared=True)
    html = page(None, reverse("forum:journeys") + "?partner=1")
    assert "Together" in html
    assert "On my own" not in html
    assert "Kept private" not in html


def test_journeys_page_has_no_rankings_or_counts(journey: Journey) -> None:
    add(journey, comfort=9, shares_comfort=True, is_shared=True)
    html = page(None, reverse("forum:journeys")).lower()
    for word in ("fastest", "streak", "leaderboard", "rank", "9 of 10"):
        assert word not in html


def test_hidden_or_removed_journey_is_not_listed(journey: Journey) -> None:
    add(journey, is_shared=True)
    Thread.objects.filter(pk=journey.pk).update(status=ThreadStatus.REMOVED)
    assert "Slowly, with tea" not in page(None, reverse("forum:journeys"))


@pytest.mark.parametrize("who", ["visitor", "member"])
def test_journeys_page_costs_the_same_queries_for_more_journeys(
    make_member: MemberFactory, reader: Member, who: str, django_assert_num_queries: Any
) -> None:
    viewer = reader if who == "member" else None

    def add_journeys(count: int) -> None:
        for _ in range(count):
            shown = start(make_member(), anonymous=True)
            add(shown, milestone=Milestone.FIRST_TAMPON, is_shared=True)
            add(shown, milestone=Milestone.PARTNER_JOINED, is_shared=True)

    add_journeys(2)
    client = client_for(viewer)
    with django_assert_num_queries(JOURNEYS_PAGE_QUERIES[who]):
        client.get(reverse("forum:journeys"))
    add_journeys(5)
    with django_assert_num_queries(JOURNEYS_PAGE_QUERIES[who]):
        client.get(reverse("forum:journeys") + "?reached=first_tampon&partner=1")


@pytest.mark.parametrize("who", ["visitor", "member"])
def test_journey_page_costs_the_same_queries_for_more_entries(
    journey: Journey, reader: Member, who: str, django_assert_num_queries: Any
) -> None:
    viewer = reader if who == "member" else None
    client = client_for(viewer)
    add(journey, is_shared=True, comfort=4, shares_comfort=True)
    with django_assert_num_queries(JOURNEY_THREAD_QUERIES[who]):
        client.get(journey.get_absolute_url())
    for days in range(10):
        add(journey, is_shared=True, milestone=Milestone.OTHER, happened_on=days_ago(days))
    with django_assert_num_queries(JOURNEY_THREAD_QUERIES[who]):
        client.get(journey.get_absolute_url())


# --- Hide other people's numbers -----------------------------------------------------------


def test_hide_other_peoples_numbers_hides_ratings_and_durations(
    journey: Journey, walker: Member, reader: Member
) -> None:
    add(journey, comfort=2, shares_comfort=True, is_shared=True, happened_on=days_ago(122))
    add(journey, comfort=7, shares_comfort=True, is_shared=True, note=SHARED_NOTE)
    client = client_for(reader)
    response = client.post(reverse("forum:reader_numbers"), {"hides_others_numbers": "on"})
    assert response.status_code == 302
    html = client.get(journey.get_absolute_url()).content.decode()
    assert "Comfort 7 of 10" not in html
    assert "Comfort 2 of 10" not in html
    assert "4 months later" not in html
    assert SHARED_NOTE in html


def test_hide_other_peoples_numbers_leaves_the_members_own_journey(
    journey: Journey, walker: Member
) -> None:
    actions.set_hides_others_numbers(member=walker, enabled=True)
    add(journey, comfort=2, is_shared=True, happened_on=days_ago(122))
    add(journey, comfort=7, shares_comfort=True, is_shared=True)
    html = page(walker, journey.get_absolute_url())
    assert "Comfort 7 of 10" in html
    assert "Comfort 2 of 10" in html
    assert "4 months later" in html


def test_settings_page_offers_hide_other_peoples_numbers(reader: Member) -> None:
    html = page(reader, reverse("forum:settings"))
    assert 'name="hides_others_numbers"' in html
    client_for(reader).post(reverse("forum:reader_numbers"), {})
    reader.refresh_from_db()
    assert not reader.hides_others_numbers


# --- Search seam ---------------------------------------------------------------------------


def test_readable_by_gives_only_shared_entries_of_visible_journeys(
    journey: Journey, walker: Member, reader: Member
) -> None:
    shared = add(journey, is_shared=True)
    add(journey, note=PRIVATE_NOTE)
    assert list(JourneyEntry.objects.readable_by(reader)) == [shared]
    # Not even the author finds their private entry through it.
    assert list(JourneyEntry.objects.readable_by(walker)) == [shared]
    members_only = Category.objects.get(slug="progress-stories")
    Category.objects.filter(pk=members_only.pk).update(is_public=False)
    assert not JourneyEntry.objects.readable_by(AnonymousUser()).exists()


# --- Your data -----------------------------------------------------------------------------


def test_export_holds_the_members_journeys_with_private_entries(
    journey: Journey, walker: Member
) -> None:
    add(journey, note=PRIVATE_NOTE, comfort=3)
    add(journey, note=SHARED_NOTE, is_shared=True)
    data = json.loads(export.member_data_json(walker))
    [exported] = data["journeys"]
    assert exported["title"] == "Slowly, with tea"
    notes = {entry["note"]: entry["shared"] for entry in exported["entries"]}
    assert notes == {PRIVATE_NOTE: False, SHARED_NOTE: True}


def test_another_members_export_holds_no_private_entry(journey: Journey, reader: Member) -> None:
    actions.follow_thread(member=reader, thread=journey.thread)
    add(journey, note=PRIVATE_NOTE)
    add(journey, note=SHARED_NOTE, is_shared=True)
    text = export.member_data_json(reader)
    assert PRIVATE_NOTE not in text
    assert SHARED_NOTE not in text
    assert json.loads(text)["journeys"] == []


def test_deleting_the_account_keeping_posts_keeps_only_shared_entries(
    journey: Journey, walker: Member
) -> None:
    add(journey, note=PRIVATE_NOTE)
    add(journey, note=SHARED_NOTE, is_shared=True)
    actions.delete_account(member=walker, keep_posts=True)
    assert list(JourneyEntry.objects.values_list("note", flat=True)) == [SHARED_NOTE]
    html = page(None, journey.get_absolute_url())
    assert SHARED_NOTE in html
    assert "former member" in html
    assert "QuietWalker21" not in html


def test_deleting_the_account_with_posts_removes_every_entry(
    journey: Journey, walker: Member, reader: Member
) -> None:
    actions.follow_thread(member=reader, thread=journey.thread)
    add(journey, note=PRIVATE_NOTE)
    add(journey, note=SHARED_NOTE, is_shared=True)
    assert Notification.objects.filter(recipient=reader).count() == 1
    actions.delete_account(member=walker, keep_posts=False)
    assert not JourneyEntry.objects.exists()
    assert not Notification.objects.filter(recipient=reader).exists()


# --- Demo content --------------------------------------------------------------------------


def test_demo_journeys_mix_shared_and_private_entries_with_a_setback_and_a_break() -> None:
    call_command("load_demo", stdout=StringIO())
    assert Journey.objects.count() == len(JOURNEYS)
    entries = JourneyEntry.objects.all()
    assert entries.filter(is_shared=True).exists()
    assert entries.filter(is_shared=False).exists()
    milestones = set(entries.filter(is_shared=True).values_list("milestone", flat=True))
    assert {Milestone.SETBACK, Milestone.TAKING_A_BREAK, Milestone.PARTNER_JOINED} <= milestones
    listed = page(None, reverse("forum:journeys"))
    for title in JOURNEYS:
        assert escape(title) in listed
    for private in entries.filter(is_shared=False):
        assert escape(private.note) not in page(None, private.journey.get_absolute_url())


def test_journeys_page_lists_the_members_own_journeys_to_them_alone(
    walker: Member, reader: Member
) -> None:
    journey = start(walker, anonymous=True, title="Nobody sees this one yet")
    add(journey, note=PRIVATE_NOTE)
    own = page(walker, reverse("forum:journeys"))
    assert "Nobody sees this one yet" in own
    assert "nothing shared yet" in own
    for other in (reader, None):
        assert "Nobody sees this one yet" not in page(other, reverse("forum:journeys"))


# --- Editing and deleting through the pages ---------------------------------------------------


def test_edit_page_changes_an_entry_and_sharing_it_lists_the_journey(
    journey: Journey, walker: Member
) -> None:
    entry = add(journey, note=PRIVATE_NOTE, comfort=4)
    client = client_for(walker)
    url = reverse("forum:edit_entry", args=[entry.pk])
    form = client.get(url).content.decode()
    assert PRIVATE_NOTE in form
    assert 'value="private" required id="id_visibility_0" checked' in form
    response = client.post(
        url,
        {
            "happened_on": entry.happened_on.isoformat(),
            "body": "Now I am ready to share it",
            "comfort": "4",
            "visibility": "shared",
        },
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.is_shared
    assert entry.note == "Now I am ready to share it"
    assert entry.edited_at is not None
    assert "Slowly, with tea" in page(None, reverse("forum:journeys"))


def test_delete_page_deletes_the_entry_and_unlists_an_empty_journey(
    journey: Journey, walker: Member
) -> None:
    entry = add(journey, is_shared=True)
    client = client_for(walker)
    url = reverse("forum:delete_entry", args=[entry.pk])
    assert "Delete this entry?" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    assert not JourneyEntry.objects.exists()
    journey.refresh_from_db()
    assert journey.latest_shared_on is None
    assert "Slowly, with tea" not in page(None, reverse("forum:journeys"))


def test_new_journey_form_follows_the_categorys_anonymous_policy(walker: Member) -> None:
    html = page(walker, reverse("forum:new_journey"))
    assert 'name="anonymous"' in html
    assert 'data-signpost-terms="' in html
    Category.objects.filter(slug="progress-stories").update(anonymous_posting="off")
    assert 'name="anonymous"' not in page(walker, reverse("forum:new_journey"))

"""Search (forum.search, forum.search_views): what it finds and never finds, how results
show anonymous and warned posts, that highlighting is escaped, that the words leave no
trace, and what it costs. Every test holds on PostgreSQL (full-text) and SQLite (the
fallback); where they differ, the test says what each does."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from pytest_django.fixtures import DjangoAssertNumQueries, Settings

from forum import actions
from forum.models import Category, Member, Post, Thread, TrustLevel
from forum.search import RESULTS_PER_PAGE, search, search_words
from moderation import actions as moderation_actions
from tests.forum.test_anonymous import assert_unlinked
from tests.forum.test_logs import _cache_entries, every_log_record, record_text
from tests.helpers import client_for, field_error, stored_values

pytestmark = pytest.mark.django_db

__all__ = ["every_log_record"]  # a fixture this module uses

MemberFactory = Callable[..., Member]
ThreadFactory = Callable[..., Thread]


def results_html(client: Client, words: str, page: int | None = None) -> str:
    data: dict[str, str | int] = {"q": words}
    if page is not None:
        data["page"] = page
    response = client.post("/search/", data)
    assert response.status_code == 200
    return response.content.decode()


def result_titles(html: str) -> list[str]:
    """The results' titles in order, without their marks."""
    return [
        re.sub(r"<[^>]+>", "", title)
        for title in re.findall(r'<h3 class="thread-row__title"><a [^>]*>(.*?)</a></h3>', html)
    ]


def snippets(html: str) -> list[str]:
    return re.findall(r'<p class="search-result__snippet">(.*?)</p>', html, re.S)


@pytest.fixture
def reader(make_member: MemberFactory) -> Member:
    return make_member("CarefulReader")


# --- Finding ----------------------------------------------------------------------------


def test_search_finds_a_thread_by_its_title(make_thread: ThreadFactory, reader: Member) -> None:
    make_thread(title="Dilator sizes and patience", body="Where do I begin?")
    make_thread(title="Something else entirely", body="Nothing to see.")
    html = results_html(client_for(reader), "dilator")
    assert result_titles(html) == ["Dilator sizes and patience"]
    assert "<mark>Dilator</mark>" in html


def test_search_finds_a_reply_by_its_body(
    make_thread: ThreadFactory, make_reply: Callable[..., Post], reader: Member
) -> None:
    thread = make_thread(title="Small wins", body="Share yours here.")
    reply = make_reply(thread, body="Today the physiotherapist said my breathing helped.")
    html = results_html(client_for(reader), "physiotherapist breathing")
    assert result_titles(html) == ["Small wins"]
    assert f'href="/p/{reply.pk}/"' in html
    assert "<mark>physiotherapist</mark>" in snippets(html)[0]


def test_search_needs_every_word(make_thread: ThreadFactory, reader: Member) -> None:
    make_thread(title="Warm baths", body="A warm bath before helps me relax.")
    make_thread(title="Mornings", body="I relax best in the morning.")
    html = results_html(client_for(reader), "relax bath")
    assert result_titles(html) == ["Warm baths"]


def test_search_ranks_a_title_hit_above_a_body_hit(
    make_thread: ThreadFactory, make_reply: Callable[..., Post], reader: Member
) -> None:
    titled = make_thread(title="Gynaecologist visits", body="How did yours go?")
    other = make_thread(title="A long week", body="I am tired.")
    make_reply(other, body="My gynaecologist was kind about it.")
    html = results_html(client_for(reader), "gynaecologist")
    assert result_titles(html) == [titled.title, other.title]


def test_search_finds_an_edit_and_forgets_the_old_words(
    make_member: MemberFactory, category: Category, reader: Member
) -> None:
    # The index is kept up to date on write (a trigger on PostgreSQL).
    author = make_member()
    thread = actions.start_thread(
        author=author, category=category, title="Update", body="Marmalade thoughts."
    )
    actions.edit_post(editor=author, post=thread.posts.get(), body="Cinnamon thoughts.")
    client = client_for(reader)
    assert result_titles(results_html(client, "cinnamon")) == ["Update"]
    assert result_titles(results_html(client, "marmalade")) == []


def test_search_words_are_lowercased_once_each_without_punctuation() -> None:
    assert search_words("Dilator, dilator! 'first' tampon?") == ["dilator", "first", "tampon"]


# --- Never found --------------------------------------------------------------------------


def test_search_never_finds_held_hidden_removed_or_deleted_posts(
    make_member: MemberFactory,
    make_thread: ThreadFactory,
    category: Category,
    reader: Member,
    settings: Settings,
) -> None:
    newcomer = make_member(trust=TrustLevel.NEW)
    held_thread = actions.start_thread(
        author=newcomer, category=category, title="Zanzibar held title", body="Zanzibar held."
    )
    assert held_thread.status == "held"
    thread = make_thread(title="Open thread", body="Open.")
    held_reply = actions.post_reply(author=newcomer, thread=thread, body="Zanzibar waiting.")
    assert held_reply.status == "held"

    hidden = actions.post_reply(author=make_member(), thread=thread, body="Zanzibar reported.")
    settings.REPORT_HIDE_THRESHOLD = 1
    moderation_actions.report_post(reporter=reader, post=hidden, reason="spam")
    hidden.refresh_from_db()
    assert hidden.status == "hidden_for_review"

    removed = actions.post_reply(author=make_member(), thread=thread, body="Zanzibar removed.")
    moderator = make_member()
    moderation_actions.make_moderator(member=moderator, by=None, reason="a search test")
    moderation_actions.hide_post(
        moderator=Member.objects.get(pk=moderator.pk),
        post=removed,
        reason="off topic",
        guideline="be-kind",
    )
    author = make_member()
    deleted = actions.post_reply(author=author, thread=thread, body="Zanzibar deleted.")
    actions.delete_post(member=author, post=deleted)

    for who in (reader, newcomer, None):
        html = results_html(client_for(who), "zanzibar")
        assert result_titles(html) == []
        assert "Zanzibar" not in html.replace('value="zanzibar"', "")


def test_search_never_finds_a_removed_thread(
    make_thread: ThreadFactory, make_member: MemberFactory, reader: Member
) -> None:
    thread = make_thread(title="Quokka questions", body="Quokka body.")
    moderator = make_member()
    moderation_actions.make_moderator(member=moderator, by=None, reason="a search test")
    moderation_actions.delete_thread(
        moderator=Member.objects.get(pk=moderator.pk),
        thread=thread,
        reason="duplicate",
        guideline="be-kind",
    )
    assert result_titles(results_html(client_for(reader), "quokka")) == []


def test_search_shows_members_only_categories_to_members_only(
    make_thread: ThreadFactory, reader: Member
) -> None:
    private = Category.objects.create(
        name="Members only", slug="members-only", description="For members.", is_public=False
    )
    make_thread(title="Pelican circle", body="Pelican.", in_category=private)
    assert result_titles(results_html(Client(), "pelican")) == []
    assert result_titles(results_html(client_for(reader), "pelican")) == ["Pelican circle"]


# --- What results show ------------------------------------------------------------------


def test_search_shows_an_anonymous_post_with_its_alias_only(
    make_member: MemberFactory, category: Category, reader: Member
) -> None:
    writer = make_member("SecretWriter77")
    thread = actions.start_thread(
        author=writer,
        category=category,
        title="Hedgerow feelings",
        body="Hedgerow: something I never told anyone.",
        anonymous=True,
    )
    reply = actions.post_reply(
        author=writer, thread=thread, body="Hedgerow again, later.", anonymous=True
    )
    for client in (Client(), client_for(reader)):
        html = results_html(client, "hedgerow")
        assert len(result_titles(html)) == 2
        assert thread.starter_alias in html
        assert_unlinked(html, writer)
        assert f"/p/{reply.pk}/" in html


def test_search_shows_a_warning_instead_of_warned_text(
    make_member: MemberFactory, category: Category, reader: Member
) -> None:
    thread = actions.start_thread(
        author=make_member(),
        category=category,
        title="Examination day",
        body="Speculum details that a reader chose to avoid.",
        warnings=["medical_examination"],
    )
    actions.post_reply(
        author=make_member(),
        thread=thread,
        body="More speculum talk behind a warning.",
        warnings=["medical_examination"],
    )
    html = results_html(client_for(reader), "speculum")
    assert len(result_titles(html)) == 2
    assert "Medical examination details" in html
    assert "Speculum details" not in html
    assert "speculum talk" not in html
    assert "<mark>" not in html


def test_search_escapes_text_before_marking_hits(
    make_thread: ThreadFactory, reader: Member
) -> None:
    make_thread(
        title='<script>alert("title")</script> marigold',
        body='Marigold <img src=x onerror="alert(1)"> and <b>bold</b> marigold',
    )
    html = results_html(client_for(reader), "marigold")
    assert "<script>" not in html.split("<main", 1)[1]
    assert "<img" not in html
    assert "<b>" not in html
    assert "&lt;script&gt;" in html
    assert "<mark>marigold</mark>" in html.lower()
    # Only the marks are markup in a snippet.
    assert re.sub(r"</?mark>", "", snippets(html)[0]).count("<") == 0


# --- Input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Please type a word or two to search for."),
        ("   ", "Please type a word or two to search for."),
        ("x" * 201, "Please shorten your search to 200 characters or fewer."),
        ("?! … -- ***", "punctuation alone finds nothing"),
        (" ".join(f"w{number}" for number in range(13)), "Please search for 12 words or fewer."),
    ],
)
def test_search_refuses_bad_input_with_a_clear_message(
    reader: Member, typed: str, message: str
) -> None:
    html = results_html(client_for(reader), typed)
    assert message in field_error(html, "q")
    assert "search-results" not in html


def test_search_page_without_a_post_shows_only_the_box(
    make_thread: ThreadFactory, reader: Member
) -> None:
    make_thread(title="Puffin notes", body="Puffin.")
    response = client_for(reader).get("/search/?q=puffin")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="q"' in html
    assert "Puffin" not in html
    assert "puffin" not in html


def test_search_pages_through_results_with_forms(make_thread: ThreadFactory) -> None:
    for number in range(RESULTS_PER_PAGE + 3):
        make_thread(title=f"Lantern {number}", body="A lantern story.")
    client = Client()
    first = results_html(client, "lantern")
    assert len(result_titles(first)) == RESULTS_PER_PAGE
    assert "More results" in first
    assert 'name="page" value="2"' in first
    second = results_html(client, "lantern", page=2)
    assert len(result_titles(second)) == 3
    assert "More results" not in second
    assert "Previous results" in second
    assert not set(result_titles(first)) & set(result_titles(second))


def test_search_stops_at_its_last_page(
    make_thread: ThreadFactory, reader: Member, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("forum.search.RESULTS_PER_PAGE", 2)
    monkeypatch.setattr("forum.search.MAX_PAGES", 2)
    for number in range(5):
        make_thread(title=f"Kestrel {number}", body="A kestrel.")
    second = search(reader=reader, words=["kestrel"], page=7)
    assert second.number == 2
    assert len(second.results) == 2
    assert not second.has_next
    assert second.reached_limit
    assert not search(reader=reader, words=["kestrel"], page=1).reached_limit


# --- No trace ---------------------------------------------------------------------------

# Found (the thread holds these words, so only the query as typed must be nowhere).
FOUND_QUERY = "Vellichor-quinzhee"
# Found nowhere: no trace of any of these words may remain.
ABSENT_QUERY = "frumious zorblatt"


def test_search_words_reach_no_log_table_cache_or_url(
    make_thread: ThreadFactory,
    reader: Member,
    every_log_record: list[logging.LogRecord],
) -> None:
    make_thread(title="Vellichor quinzhee", body="Vellichor quinzhee, a made-up pair.")
    client = client_for(reader)
    found = client.post("/search/", {"q": FOUND_QUERY})
    assert result_titles(found.content.decode())
    absent = client.post("/search/", {"q": ABSENT_QUERY})
    assert result_titles(absent.content.decode()) == []
    for response in (found, absent):
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
    # A refused search, and one without its CSRF token (logged as forbidden), leave no
    # trace either.
    client.post("/search/", {"q": ABSENT_QUERY + " x" * 200})
    forbidden_post = Client(enforce_csrf_checks=True).post("/search/", {"q": ABSENT_QUERY})
    assert forbidden_post.status_code == 403

    # The capture saw the forbidden request.
    assert any(record.name == "django.security.csrf" for record in every_log_record)
    words = ["vellichor", "quinzhee", "frumious", "zorblatt"]
    in_logs = [
        f"{record.name}: {word}"
        for record in every_log_record
        for word in words
        if word in record_text(record).lower()
    ]
    assert in_logs == []
    values = [value.lower() for value in stored_values()]
    assert any("vellichor" in value for value in values), "the scan read nothing"
    assert not [value for value in values if FOUND_QUERY.lower() in value]
    assert not [value for value in values if "frumious" in value or "zorblatt" in value]
    cached = " ".join(key + value for key, value in _cache_entries().items()).lower()
    assert not [word for word in words if word in cached]


# --- Cost -------------------------------------------------------------------------------


def test_search_results_page_costs_the_same_queries_for_few_and_many_results(
    make_member: MemberFactory,
    category: Category,
    reader: Member,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client = client_for(reader)
    writer = make_member()

    def add_threads(count: int) -> None:
        for number in range(count):
            thread = actions.start_thread(
                author=writer,
                category=category,
                title=f"Otter {number}",
                body="An otter story.",
                anonymous=number % 2 == 0,
            )
            actions.post_reply(
                author=make_member(), thread=thread, body="Otter reply.", anonymous=True
            )

    add_threads(2)
    client.post("/search/", {"q": "otter"})
    # The session and member, the three sources (bodies, titles, journey entries), the
    # results, the aliases.
    expected = 7
    with django_assert_num_queries(expected):
        few = results_html(client, "otter")
    add_threads(12)
    with django_assert_num_queries(expected):
        many = results_html(client, "otter")
    assert len(result_titles(few)) == 4
    assert len(result_titles(many)) == RESULTS_PER_PAGE


def test_search_forgets_a_deleted_account_s_pseudonym(
    make_member: MemberFactory, make_thread: ThreadFactory, reader: Member
) -> None:
    # The vectors follow every write, QuerySet updates in account deletion included:
    # the pseudonym other members' words named is not findable, nor kept in a vector.
    leaving = make_member("MossyLantern5")
    thread = make_thread(author=leaving, title="Moss and lanterns", body="My own words.")
    actions.post_reply(author=make_member(), thread=thread, body="Thank you MossyLantern5!")
    assert result_titles(results_html(client_for(reader), "mossylantern5"))

    actions.delete_account(member=leaving, keep_posts=True)

    assert result_titles(results_html(client_for(reader), "mossylantern5")) == []
    assert not [value for value in stored_values() if "mossylantern5" in value.lower()]


def test_search_vectors_are_kept_by_postgresql_and_unused_on_sqlite(
    make_thread: ThreadFactory,
) -> None:
    thread = make_thread(title="Heron mornings", body="Quiet herons at dawn.")
    vectors = list(Post.objects.filter(thread=thread).values_list("search_vector", flat=True))
    title_vector = Thread.objects.values_list("search_vector", flat=True).get(pk=thread.pk)
    if connection.vendor == "postgresql":
        # Filled by the triggers, stemmed; indexed with GIN.
        assert "'heron'" in str(vectors[0])
        assert "'dawn'" in str(vectors[0])
        assert "'morn'" in str(title_vector)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%USING gin (search_vector)'"
            )
            indexes = {name for (name,) in cursor.fetchall()}
        assert indexes == {
            "forum_post_search_vector_gin",
            "forum_thread_search_vector_gin",
            "forum_journeyentry_search_vector_gin",
        }
    else:
        # The columns exist (one schema for both) and stay empty: SQLite searches the text.
        assert vectors == [None]
        assert title_vector is None


# --- Journey entries -----------------------------------------------------------------------


def test_search_finds_a_shared_journey_entry_and_never_a_private_one(
    make_member: MemberFactory, reader: Member
) -> None:
    writer = make_member("KeepsAJourney")
    journey = actions.start_journey(author=writer, title="Slowly, my way", body="Day one.")
    day = journey.thread.created_at.date()
    shared = actions.add_journey_entry(
        author=writer,
        journey=journey,
        happened_on=day,
        note="The marigold size felt fine.",
        is_shared=True,
        comfort=7,
        shares_comfort=True,
    )
    actions.add_journey_entry(
        author=writer,
        journey=journey,
        happened_on=day,
        note="Marigold evening, just for me.",
        comfort=2,
    )

    for client in (Client(), client_for(reader), client_for(writer)):
        html = results_html(client, "marigold")
        assert result_titles(html) == ["Slowly, my way"]
        assert f'href="/t/{journey.pk}/#entry-{shared.pk}"' in html
        assert "size felt fine" in html
        assert "just for me" not in html
        # A rating is never part of a snippet.
        assert "7" not in "".join(snippets(html))


def test_search_shows_an_anonymous_journey_entry_with_its_alias_only(
    make_member: MemberFactory, reader: Member
) -> None:
    writer = make_member("QuietJourneyer")
    journey = actions.start_journey(
        author=writer, title="Mine, unnamed", body="Starting.", anonymous=True
    )
    actions.add_journey_entry(
        author=writer,
        journey=journey,
        happened_on=journey.thread.created_at.date(),
        note="Lanternfish steps today.",
        is_shared=True,
    )

    html = results_html(client_for(reader), "lanternfish")

    assert journey.thread.starter_alias in html
    assert_unlinked(html, writer)


def test_search_keeps_a_warned_journey_s_entry_behind_its_warning(
    make_member: MemberFactory, reader: Member
) -> None:
    writer = make_member()
    journey = actions.start_journey(
        author=writer, title="After the assault", body="Starting.", warnings=["sexual_abuse"]
    )
    actions.add_journey_entry(
        author=writer,
        journey=journey,
        happened_on=journey.thread.created_at.date(),
        note="Gooseberry memories came back tonight.",
        is_shared=True,
    )

    html = results_html(client_for(reader), "gooseberry")

    assert result_titles(html) == ["After the assault"]
    assert "Sexual abuse or assault" in html
    assert "memories came back" not in html

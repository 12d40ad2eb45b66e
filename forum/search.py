"""Search: thread titles and post bodies a reader may read, ranked, with highlighted
snippets. The search page (forum.search_views) and bench/search.py both call `search`.

What can be found: published posts (not held, rejected, hidden for review, removed or
deleted) in published threads of categories the reader may read, and the titles of those
threads. The rules are `searchable_posts` and `searchable_threads`; nothing else decides.

PostgreSQL: full-text search in English (stemmed: "dilating" finds "dilators"; very
common words such as "the" are left out); every word must appear in the title, or every
word in the body. Each post's body and thread's title has a tsvector column
(`search_vector`) kept by a trigger (migration 0013_search) and a GIN index. A trigger,
rather than the write actions, keeps it: every write that sets the text (the posting
actions, moderation, QuerySet.update() in account deletion, bulk inserts) updates it
without knowing about search. Ranking is ts_rank (normalised by
length, so a long post does not win by being long) over the newest CANDIDATES matches
(see _newest); snippets are ts_headline, computed only for the page's rows.

SQLite: every word must appear in the title, or every word in the body
(case-insensitive, as a substring); a title hit ranks above a body hit, then newer
first. Snippets are cut in Python around the first hit.

Several sources give hits: each returns its best hits for the page asked, as (kind, id)
with a rank; hits on the same item add up (a thread found by its title and its opening
post's body is one result). A source of another kind of text (shared journey entries)
joins with a hit function in SOURCES and a loader in LOADERS, below.

Highlighting is safe by construction: a snippet is a list of (text, is_hit) pieces and
the template escapes every piece; no HTML is made here.

The search terms are never stored, cached or logged: they arrive in a POST body (not in
a URL, which access logs, browser history and Referer headers keep), live in this
request only, and the SQL logger that would print query parameters is held at INFO
(config/settings.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, FloatField, OuterRef, Q, QuerySet, Subquery, Value
from django.urls import reverse

from forum import aliases
from forum.content_warnings import labels as content_warning_labels
from forum.models import JourneyEntry, Member, Post, PostStatus, Thread, ThreadStatus

if TYPE_CHECKING:
    import datetime

    from django.contrib.auth.models import AnonymousUser

    Reader = Member | AnonymousUser

MAX_QUERY_LENGTH = 200
MAX_WORDS = 12
RESULTS_PER_PAGE = 20
# A search is a way in, not an archive walk: ten pages, then the reader is asked to
# narrow it down. It bounds the work a page costs.
MAX_PAGES = 10
# How many of the newest matching posts (and titles) are ranked (see _newest):
# as many as the pages can show.
CANDIDATES = MAX_PAGES * RESULTS_PER_PAGE

CONFIG = "pg_catalog.english"
# A title names a whole thread: a hit there counts this much more than one in a body.
TITLE_WEIGHT = 2.0
# ts_rank's normalisation 1: divided by 1 + the logarithm of the document's length.
RANK_NORMALISATION = 1
SNIPPET_WORDS = 30
# Start and end of a hit in ts_headline's output. Titles and bodies cannot hold control
# characters (forum.forms refuses them), so these cannot come from a member's text.
HIT_START = "\x02"
HIT_END = "\x03"

WORD = re.compile(r"\w+")
WHITESPACE = re.compile(r"\s+")


def search_words(text: str) -> list[str]:
    """The words of what the reader typed, lowercased, each once, in order: what every
    search matches (all of them must appear). Punctuation separates words."""
    seen: dict[str, None] = {}
    for word in WORD.findall(text.lower()):
        seen.setdefault(word, None)
    return list(seen)


class Piece(NamedTuple):
    """A run of a title or snippet: plain text, or a hit to mark."""

    text: str
    is_hit: bool


@dataclass
class Result:
    """One found post, as the results page shows it."""

    url: str
    title: list[Piece]
    category: str
    # The pseudonym, or the alias of an anonymous post; "" when the post shows no words.
    author: str
    is_anonymous: bool
    created_at: datetime.datetime
    # Empty when the post carries content warnings (their labels show instead) or shows
    # no words (deleted, removed or under review: only its thread's title was found).
    snippet: list[Piece]
    warnings: list[str] = field(default_factory=list)


@dataclass
class SearchPage:
    results: list[Result]
    number: int
    has_next: bool
    # There are more results, but this is the last page a search goes to.
    reached_limit: bool = False

    @property
    def has_previous(self) -> bool:
        return self.number > 1


class Hit(NamedTuple):
    kind: str
    id: int
    rank: float


# --- What can be found ---------------------------------------------------------------------


def searchable_threads(reader: Reader) -> QuerySet[Thread]:
    """Threads whose titles and posts the reader may find: published, in a category the
    reader may read."""
    return Thread.objects.readable_by(reader).listed()


def searchable_posts(reader: Reader) -> QuerySet[Post]:
    """Posts the reader may find: published and not deleted, in a searchable thread."""
    # searchable_threads's rule written as conditions on the joined thread, so that the
    # planner can walk the posts newest first (_newest) and look each thread up by key.
    return Post.objects.filter(
        status=PostStatus.PUBLISHED,
        deleted_at__isnull=True,
        thread__status=ThreadStatus.PUBLISHED,
        **({} if reader.is_authenticated else {"thread__category__is_public": True}),
    )


def _uses_full_text() -> bool:
    return connection.vendor == "postgresql"


def _query(words: Sequence[str]) -> SearchQuery:
    return SearchQuery(" ".join(words), config=CONFIG, search_type="plain")


def _all_words_in(field_name: str, words: Sequence[str]) -> Q:
    condition = Q()
    for word in words:
        condition &= Q(**{f"{field_name}__icontains": word})
    return condition


# --- Sources: each gives its best `upto` hits --------------------------------------------------


def _newest(matching: QuerySet[Any]) -> Q:
    """The newest CANDIDATES rows of `matching`: the only ones ranked.

    Why the newest only: a word in a third of all posts would have PostgreSQL rank tens of
    thousands of vectors for one page (hundreds of milliseconds at 100,000 posts). The
    newest few hundred are found by walking the primary key backwards (or through the GIN
    index, for rarer words), and only they are read again and ranked (bench/search.py).
    Rarer words have fewer matches than that, so all of their matches are ranked.
    """
    return Q(pk__in=matching.order_by("-id").values("id")[:CANDIDATES])


def _rank(query: SearchQuery) -> SearchRank:
    return SearchRank(F("search_vector"), query, normalization=Value(RANK_NORMALISATION))


def post_body_hits(reader: Reader, words: Sequence[str], upto: int) -> list[Hit]:
    posts = searchable_posts(reader)
    if _uses_full_text():
        query = _query(words)
        ranked = Post.objects.filter(_newest(posts.filter(search_vector=query))).annotate(
            rank=_rank(query)
        )
    else:
        ranked = Post.objects.filter(_newest(posts.filter(_all_words_in("body", words)))).annotate(
            rank=Value(0.0, output_field=FloatField())
        )
    rows = ranked.order_by("-rank", "-id").values_list("id", "rank")[:upto]
    return [Hit("post", post_id, rank) for post_id, rank in rows]


def thread_title_hits(reader: Reader, words: Sequence[str], upto: int) -> list[Hit]:
    """A title hit is a hit on the thread's opening post, where the title is shown."""
    threads = searchable_threads(reader)
    if _uses_full_text():
        query = _query(words)
        ranked = Thread.objects.filter(_newest(threads.filter(search_vector=query))).annotate(
            rank=_rank(query) * TITLE_WEIGHT
        )
    else:
        ranked = Thread.objects.filter(
            _newest(threads.filter(_all_words_in("title", words)))
        ).annotate(rank=Value(1.0, output_field=FloatField()))
    opening_post = Post.objects.filter(thread=OuterRef("pk")).order_by("id").values("id")[:1]
    rows = (
        ranked.annotate(opening_post_id=Subquery(opening_post))
        .order_by("-rank", "-id")
        .values_list("opening_post_id", "rank")[:upto]
    )
    return [Hit("post", post_id, rank) for post_id, rank in rows]


def journey_entry_hits(reader: Reader, words: Sequence[str], upto: int) -> list[Hit]:
    """Shared entries of journeys the reader may read, by their notes."""
    entries = JourneyEntry.objects.readable_by(reader)
    if _uses_full_text():
        query = _query(words)
        ranked = JourneyEntry.objects.filter(_newest(entries.filter(search_vector=query))).annotate(
            rank=_rank(query)
        )
    else:
        ranked = JourneyEntry.objects.filter(
            _newest(entries.filter(_all_words_in("note", words)))
        ).annotate(rank=Value(0.0, output_field=FloatField()))
    rows = ranked.order_by("-rank", "-id").values_list("id", "rank")[:upto]
    return [Hit("entry", entry_id, rank) for entry_id, rank in rows]


# --- Loaders: the results for one kind's hits, by id ---------------------------------------


def _pieces_from_markers(text: str) -> list[Piece]:
    """ts_headline's output, with HIT_START/HIT_END around the hits, as pieces."""
    pieces: list[Piece] = []
    for run in re.split(f"({HIT_START}[^{HIT_END}]*{HIT_END})", WHITESPACE.sub(" ", text)):
        if run.startswith(HIT_START):
            pieces.append(Piece(run.strip(HIT_START + HIT_END), True))
        elif run:
            pieces.append(Piece(run, False))
    return pieces


def _headline_snippet(headline: str, body: str) -> list[Piece]:
    """A body's headline as pieces, with "…" where it leaves text out at either end
    (ts_headline does not say so itself)."""
    pieces = _pieces_from_markers(headline.strip())
    shown = "".join(piece.text for piece in pieces)
    whole = WHITESPACE.sub(" ", body).strip()
    if pieces and not whole.startswith(shown[:40]):
        pieces.insert(0, Piece("… ", False))
    if pieces and not whole.endswith(shown[-40:]):
        pieces.append(Piece(" …", False))
    return pieces


def marked(text: str, words: Sequence[str]) -> list[Piece]:
    """`text` with every case-insensitive occurrence of the words marked as hits."""
    if not words:
        return [Piece(text, False)] if text else []
    pattern = re.compile("|".join(re.escape(word) for word in sorted(words, key=len)[::-1]), re.I)
    pieces: list[Piece] = []
    start = 0
    for found in pattern.finditer(text):
        if found.start() > start:
            pieces.append(Piece(text[start : found.start()], False))
        pieces.append(Piece(found.group(0), True))
        start = found.end()
    if start < len(text):
        pieces.append(Piece(text[start:], False))
    return pieces


def snippet_around_first_hit(text: str, words: Sequence[str]) -> list[Piece]:
    """About SNIPPET_WORDS words of `text` from a little before its first hit, marked."""
    tokens = WHITESPACE.sub(" ", text).strip().split(" ")
    lowered = [token.lower() for token in tokens]
    first = next(
        (index for index, token in enumerate(lowered) if any(word in token for word in words)),
        0,
    )
    begin = max(0, first - SNIPPET_WORDS // 3)
    end = begin + SNIPPET_WORDS
    shown = " ".join(tokens[begin:end])
    shown = ("… " if begin > 0 else "") + shown + (" …" if end < len(tokens) else "")
    return marked(shown, words)


def post_results(post_ids: Sequence[int], words: Sequence[str]) -> dict[int, Result]:
    """The found posts, by id, in one query (and the aliases' one when anonymous
    replies are among them)."""
    posts = (
        Post.objects.filter(pk__in=post_ids)
        .select_related("thread__category", "author")
        .only(
            "thread_id",
            "body",
            "created_at",
            "deleted_at",
            "status",
            "is_anonymous",
            "content_warnings",
            "author__pseudonym",
            "thread__author",
            "thread__is_anonymous",
            "thread__title",
            "thread__category__name",
        )
    )
    if _uses_full_text():
        query = _query(words)
        posts = posts.annotate(
            title_headline=SearchHeadline(
                "thread__title",
                query,
                config=CONFIG,
                start_sel=HIT_START,
                stop_sel=HIT_END,
                highlight_all=True,
            ),
            body_headline=SearchHeadline(
                "body",
                query,
                config=CONFIG,
                start_sel=HIT_START,
                stop_sel=HIT_END,
                max_words=SNIPPET_WORDS,
                min_words=SNIPPET_WORDS // 2,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
    found = list(posts)
    aliases.assign(found)
    results: dict[int, Result] = {}
    for post in found:
        warnings = content_warning_labels(post.content_warnings or [])
        if _uses_full_text():
            title = _pieces_from_markers(post.title_headline)  # type: ignore[attr-defined]
            body = _headline_snippet(post.body_headline, post.body)  # type: ignore[attr-defined]
        else:
            title = marked(post.thread.title, words)
            body = snippet_around_first_hit(post.body, words)
        if not post.shows_text:
            author, body = "", []
        else:
            author = post.alias or post.author.pseudonym
        results[post.pk] = Result(
            url=reverse("forum:post", args=[post.pk]),
            title=title,
            category=post.thread.category.name,
            author=author,
            is_anonymous=bool(post.alias),
            created_at=post.created_at,
            # A warned post's words stay behind its warning, here as on its thread page.
            snippet=[] if warnings else body,
            warnings=warnings,
        )
    return results


def journey_entry_results(entry_ids: Sequence[int], words: Sequence[str]) -> dict[int, Result]:
    """The found entries, by id, in one query. The snippet is the note's words only:
    never a comfort rating (the reader may hide other people's numbers, and a rating
    is shared only on the journey's own page). The journey's content warnings (its
    opening post's) hide the note's words here as they do on the journey page."""
    opening_warnings = (
        Post.objects.filter(thread=OuterRef("journey__thread"))
        .order_by("id")
        .values("content_warnings")[:1]
    )
    entries = (
        JourneyEntry.objects.filter(pk__in=entry_ids)
        .select_related("journey__thread__category", "journey__thread__author")
        .only(
            "note",
            "created_at",
            "journey__thread__title",
            "journey__thread__is_anonymous",
            "journey__thread__author__pseudonym",
            "journey__thread__category__name",
        )
        .annotate(journey_warnings=Subquery(opening_warnings))
    )
    results: dict[int, Result] = {}
    for entry in entries:
        thread = entry.journey.thread
        warnings = content_warning_labels(entry.journey_warnings or [])
        results[entry.pk] = Result(
            url=entry.get_absolute_url(),
            title=marked(thread.title, words),
            category=thread.category.name,
            author=thread.starter_alias if thread.is_anonymous else thread.author.pseudonym,
            is_anonymous=thread.is_anonymous,
            created_at=entry.created_at,
            snippet=[] if warnings else snippet_around_first_hit(entry.note, words),
            warnings=warnings,
        )
    return results


Source = Callable[["Reader", Sequence[str], int], list[Hit]]
Loader = Callable[[Sequence[int], Sequence[str]], dict[int, Result]]

# Where searchable text comes from, and how each kind of hit becomes a result.
SOURCES: tuple[Source, ...] = (post_body_hits, thread_title_hits, journey_entry_hits)
LOADERS: dict[str, Loader] = {"post": post_results, "entry": journey_entry_results}


def search(*, reader: Reader, words: Sequence[str], page: int = 1) -> SearchPage:
    """One page of results for `words` (search_words of what the reader typed), best
    first. Costs the same number of queries whatever the number of results: one per
    source and one per kind of result on the page (and one for aliases)."""
    page = min(max(page, 1), MAX_PAGES)
    upto = page * RESULTS_PER_PAGE + 1
    ranks: dict[tuple[str, int], float] = {}
    for source in SOURCES:
        for hit in source(reader, words, upto):
            key = (hit.kind, hit.id)
            ranks[key] = ranks.get(key, 0.0) + hit.rank
    # Best first; among equals, the newer item (the larger id) first.
    ordered = sorted(ranks, key=lambda key: (-ranks[key], -key[1]))
    shown = ordered[(page - 1) * RESULTS_PER_PAGE : page * RESULTS_PER_PAGE]
    loaded: dict[tuple[str, int], Result] = {}
    for kind, loader in LOADERS.items():
        ids = [item_id for item_kind, item_id in shown if item_kind == kind]
        if ids:
            loaded.update(
                {(kind, item_id): result for item_id, result in loader(ids, words).items()}
            )
    more = len(ordered) > page * RESULTS_PER_PAGE
    return SearchPage(
        results=[loaded[key] for key in shown if key in loaded],
        number=page,
        has_next=more and page < MAX_PAGES,
        reached_limit=more and page == MAX_PAGES,
    )

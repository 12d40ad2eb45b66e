"""The one entry point forum calls into moderation: at write time, publish now or hold?

forum.actions calls `screen` inside the posting transaction, before the post is written,
and `hold_for_review` right after writing a post that the verdict holds. Nothing else of
moderation is imported by forum (ARCHITECTURE.md rule 8).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from forum import broadcast
from forum.exceptions import ActionRefused, NeedsConfirmation
from forum.markup import render_markdown
from forum.models import Member, Post, TrustLevel
from moderation.models import ReviewItem, WatchedWord
from moderation.trust import approved_posts, refresh_trust

# Lower is more urgent (see the plan's queue priorities).
HOLD_PRIORITY = {
    ReviewItem.Kind.HELD_IDENTIFYING: 10,
    ReviewItem.Kind.HELD_WATCHED_WORD: 40,
    ReviewItem.Kind.HELD_NEW_MEMBER: 50,
}


@dataclass(frozen=True)
class Verdict:
    # The text to publish: watched words marked "replace" are already replaced.
    body: str
    # The thread's title, screened the same way (empty for a reply).
    title: str = ""
    # Why the post waits for approval (a moderation.models.ReviewItem.Kind value), or None
    # to publish it now.
    hold: str | None = None


# --- Watched words ---------------------------------------------------------------------


def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """A watched phrase as a pattern: case-insensitive, on word boundaries, any run of
    spaces between its words, and a final `*` matching any word ending."""
    text = phrase.strip()
    open_ending = text.endswith("*")
    words = text.rstrip("*").split()
    body = r"\s+".join(re.escape(word) for word in words)
    if open_ending:
        body += r"\w*"
    return re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)


def _watched_words() -> list[WatchedWord]:
    return list(WatchedWord.objects.all())


def _first_match(words: Iterable[WatchedWord], body: str) -> tuple[WatchedWord, str] | None:
    for word in words:
        found = phrase_pattern(word.phrase).search(body)
        if found:
            return word, found.group(0)
    return None


def _refuse_blocked(words: list[WatchedWord], body: str) -> None:
    blocked = _first_match((w for w in words if w.action == WatchedWord.Action.BLOCK), body)
    if blocked is not None:
        raise ActionRefused(
            _(
                "Your post contains “%(word)s”, which this community does not allow. "
                "Please change it and send it again: your text is kept below."
            )
            % {"word": blocked[1]}
        )


def _literal(text: str) -> Callable[[re.Match[str]], str]:
    def replacement(_match: re.Match[str]) -> str:
        return text

    return replacement


def _replace(words: list[WatchedWord], body: str) -> str:
    for word in words:
        if word.action == WatchedWord.Action.REPLACE:
            # A function, so "\1" or "\g<0>" in a replacement stay plain text.
            body = phrase_pattern(word.phrase).sub(_literal(word.replacement), body)
    return body


# --- Identifying details ---------------------------------------------------------------

EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])",
)
# A run of digits with the separators phone numbers are written with (spaces, dots,
# dashes, parentheses), starting with a digit, "+" or "(". Candidates are then checked.
_PHONE_CANDIDATE = re.compile(
    r"(?<![\w/#=@.,+-])(?:\+|\()?\d[\d \t().-]{5,}\d\)?(?![\w/@-]|[.,]\d)"
)
_DATE = re.compile(
    r"^(?:\d{1,2}[ .-]\d{1,2}[ .-](?:19|20)\d\d|(?:19|20)\d\d[ .-]\d{1,2}[ .-]\d{1,2})$"
)
_YEARS = re.compile(r"^(?:(?:19|20)\d\d(?:\s*-\s*|\s+))+(?:19|20)\d\d$")
_TIMES = re.compile(r"^\d{1,2}[.:]\d\d\s*-\s*\d{1,2}[.:]\d\d$")
PHONE_MIN_DIGITS = 8
PHONE_MAX_DIGITS = 15


def _is_phone(candidate: str) -> bool:
    text = candidate.strip()
    digits = sum(char.isdigit() for char in text)
    if not PHONE_MIN_DIGITS <= digits <= PHONE_MAX_DIGITS:
        return False
    if text.count("(") != text.count(")") or "  " in text.replace("\t", " "):
        return False
    if _DATE.match(text) or _YEARS.match(text) or _TIMES.match(text):
        return False
    groups = re.findall(r"\d+", text)
    international = text.startswith("+")
    if "." in text and any(len(group) < 2 for group in groups):
        # 3.14159265, 1.5.2024: decimals and versions, not a dotted phone number.
        return False
    # A lone digit may open the number ("1-800-…", "0 800 …") or follow the country code
    # ("+33 6 12 34 56 78"); anywhere else it is a list of small numbers ("sizes 1 2 3").
    allowed = 2 if international else 1
    return all(len(group) > 1 for group in groups[allowed:])


def _has_phone(body: str) -> bool:
    return any(_is_phone(found.group(0)) for found in _PHONE_CANDIDATE.finditer(body))


_SUFFIXES = (
    "Street|St|Road|Rd|Lane|Ln|Avenue|Ave|Drive|Dr|Close|Way|Court|Ct|Place|Pl|"
    "Boulevard|Blvd|Crescent|Cres|Terrace|Gardens|Grove|Square|Sq|Mews|Parade|Row|"
    "Highway|Hwy|Circle|Cir"
)
STREET_ADDRESS = re.compile(
    # 12 Baker Street, 221B Rose Lane, 4a Saint John's Wood Road, 10 Downing St.
    rf"(?<![\w/#.,-])\d{{1,5}}[A-Za-z]?,?\s+"
    rf"(?:[A-Z][\w'’-]*\s+){{1,3}}"
    rf"(?:{_SUFFIXES}|{_SUFFIXES.lower()}|{_SUFFIXES.upper()})\b"
    # 21 jump street: written all in lower case, only with the unmistakable suffixes.
    r"|(?<![\w/#.,-])\d{1,5}[a-z]?,?\s+(?:[a-z][\w'’-]*\s+){1,2}(?:street|avenue|boulevard)\b"
    # Hauptstraße 12, Kerkstraat 4, Rosenweg 3a
    r"|\b[A-ZÄÖÜ][\w]*(?:straße|strasse|str\.|weg|gasse|straat|laan|gracht)\s+\d{1,4}[a-z]?\b"
)


def identifying_details(body: str) -> list[str]:
    """What in the text could identify its author or someone else: a list of short
    descriptions ("an email address", …), empty when nothing was found."""
    found = []
    if EMAIL.search(body):
        found.append(_("an email address"))
    if _has_phone(body):
        found.append(_("a phone number"))
    if STREET_ADDRESS.search(body):
        found.append(_("a street address"))
    return found


# --- Links -----------------------------------------------------------------------------

_LINK = re.compile(r"<a\s", re.IGNORECASE)


def count_links(body: str) -> int:
    """Links as the post will show them, bare addresses that are linkified included."""
    return len(_LINK.findall(render_markdown(body)))


# --- Entry points ----------------------------------------------------------------------


def screen(*, author: Member, body: str, title: str = "", publish_anyway: bool = False) -> Verdict:
    """Check a new post (or an opening post and its thread's title) before it is written.

    Refreshes the author's trust level first (it only ever promotes), then:
    raises forum.exceptions.ActionRefused for a "block" watched word or too many links
    from a new member (the message says which rule and the view gives the text back);
    raises forum.exceptions.NeedsConfirmation when the text holds an email address, a
    phone number or a street address and `publish_anyway` is false; otherwise returns
    the verdict: held for a "hold" word, for identifying details published anyway, or
    for a new member's first posts.
    """
    moderator = author.is_moderator()
    level = author.trust_level if moderator else refresh_trust(author)
    words = _watched_words()
    # The title is as public as the post, and more widely seen: lists and notifications.
    everything = f"{title}\n\n{body}" if title else body
    _refuse_blocked(words, everything)
    new_member = level == TrustLevel.NEW and not moderator
    if new_member:
        links = count_links(body)
        if links > settings.TRUST_NEW_MAX_LINKS:
            raise ActionRefused(
                ngettext(
                    "New members can include at most %(max)d link in a post, and this one "
                    "has %(count)d. Please remove some: your text is kept below.",
                    "New members can include at most %(max)d links in a post, and this one "
                    "has %(count)d. Please remove some: your text is kept below.",
                    settings.TRUST_NEW_MAX_LINKS,
                )
                % {"max": settings.TRUST_NEW_MAX_LINKS, "count": links}
            )
    details = identifying_details(everything)
    if details and not publish_anyway:
        raise NeedsConfirmation(
            _(
                "This could identify you or someone else: it looks like it holds %(what)s. "
                "You can change it, or publish anyway and a moderator will read it before "
                "it appears."
            )
            % {"what": _(" and ").join(details)}
        )
    published = _replace(words, body)
    published_title = _replace(words, title)
    if moderator:
        return Verdict(body=published, title=published_title)
    hold: str | None = None
    if details:
        hold = ReviewItem.Kind.HELD_IDENTIFYING
    elif _first_match((w for w in words if w.action == WatchedWord.Action.HOLD), everything):
        hold = ReviewItem.Kind.HELD_WATCHED_WORD
    elif new_member and approved_posts(author).count() < settings.TRUST_NEW_HELD_POSTS:
        hold = ReviewItem.Kind.HELD_NEW_MEMBER
    return Verdict(body=published, title=published_title, hold=hold)


def screen_edit(*, author: Member, body: str) -> str:
    """Check an edit: "block" words refuse it, "replace" words are replaced. Returns the
    text to keep."""
    words = _watched_words()
    _refuse_blocked(words, body)
    return _replace(words, body)


def hold_for_review(*, post: Post, verdict: Verdict) -> None:
    """Put a held post in the review queue (in the caller's transaction); the open queue
    pages hear of it after the commit."""
    if verdict.hold is None:
        return
    kind = ReviewItem.Kind(verdict.hold)
    ReviewItem.objects.create(kind=kind, post=post, priority=HOLD_PRIORITY[kind])
    transaction.on_commit(broadcast.queue_changed)

"""The one entry point forum calls into moderation: at write time, publish now or hold?

forum.actions calls `screen` inside the posting transaction, before the post is written,
and `hold_for_review` right after writing a post that the verdict holds. Nothing else of
moderation is imported by forum (ARCHITECTURE.md rule 8).
"""

from __future__ import annotations

from dataclasses import dataclass

from forum.models import Member, Post


@dataclass(frozen=True)
class Verdict:
    # The text to publish: watched words marked "replace" are already replaced.
    body: str
    # Why the post waits for approval (a moderation.models.ReviewItem.Kind value), or None
    # to publish it now.
    hold: str | None = None


def screen(*, author: Member, body: str, publish_anyway: bool = False) -> Verdict:
    """Check a new post (or an opening post) before it is written.

    Refreshes the author's trust level first (it only ever promotes), then:
    raises forum.exceptions.ActionRefused for a "block" watched word or too many links
    from a new member (the message says which rule and the view gives the text back);
    raises forum.exceptions.NeedsConfirmation when the text holds an email address, a
    phone number or a street address and `publish_anyway` is false; otherwise returns
    the verdict: held for a "hold" word, for identifying details published anyway, or
    for a new member's first posts.
    """
    raise NotImplementedError


def screen_edit(*, author: Member, body: str) -> str:
    """Check an edit: "block" words refuse it, "replace" words are replaced. Returns the
    text to keep."""
    raise NotImplementedError


def hold_for_review(*, post: Post, verdict: Verdict) -> None:
    """Put a held post in the review queue (in the caller's transaction); the open queue
    pages hear of it after the commit."""
    raise NotImplementedError

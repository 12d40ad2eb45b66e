"""Trust levels and report weights, computed from what a member did.

The automatic computation only ever promotes: a member never drops a level because an
old post was removed, and a level a moderator set by hand (locked) is left alone.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from forum.models import Member, Post, PostStatus, TrustLevel
from moderation.models import Report, ReviewItem

_RANK = {TrustLevel.NEW: 0, TrustLevel.MEMBER: 1, TrustLevel.TRUSTED: 2}

REPORT_WEIGHTS = {TrustLevel.NEW: 1, TrustLevel.MEMBER: 2, TrustLevel.TRUSTED: 3}
MODERATOR_REPORT_WEIGHT = 5
# Once a reporter has this many decided reports, their accuracy moves their weight.
ACCURACY_MIN_DECIDED = 5
ACCURACY_BONUS_AT = 0.75
ACCURACY_PENALTY_AT = 0.25

HELD_KINDS = (
    ReviewItem.Kind.HELD_NEW_MEMBER,
    ReviewItem.Kind.HELD_WATCHED_WORD,
    ReviewItem.Kind.HELD_IDENTIFYING,
)


def approved_posts(member: Member) -> QuerySet[Post]:
    """The member's posts that stand in a thread: published (or hidden only while
    moderators look), and never held and then rejected."""
    return Post.objects.filter(
        author=member, status__in=(PostStatus.PUBLISHED, PostStatus.HIDDEN_FOR_REVIEW)
    ).exclude(review_items__kind__in=HELD_KINDS, review_items__outcome="rejected")


def _earned_level(member: Member, now: datetime) -> str:
    age = now - member.joined_at
    if age < timedelta(hours=settings.TRUST_MEMBER_HOURS):
        return TrustLevel.NEW
    approved = approved_posts(member).count()
    if approved < settings.TRUST_MEMBER_APPROVED_POSTS:
        return TrustLevel.NEW
    if age < timedelta(days=settings.TRUST_TRUSTED_DAYS) or approved < settings.TRUST_TRUSTED_POSTS:
        return TrustLevel.MEMBER
    clean_since = now - timedelta(days=settings.TRUST_TRUSTED_CLEAN_DAYS)
    upheld = Report.objects.filter(
        post__author=member, status=Report.Status.UPHELD, decided_at__gte=clean_since
    ).exists()
    return TrustLevel.MEMBER if upheld else TrustLevel.TRUSTED


def refresh_trust(member: Member, *, now: datetime | None = None) -> str:
    """Promote the member if they earned it; returns their level (the member object is
    updated too). Never demotes, never touches a locked level."""
    if member.trust_locked or member.trust_level == TrustLevel.TRUSTED:
        return member.trust_level
    earned = _earned_level(member, now or timezone.now())
    if _RANK[TrustLevel(earned)] > _RANK[TrustLevel(member.trust_level)]:
        changed = Member.objects.filter(
            pk=member.pk, trust_locked=False, trust_level=member.trust_level
        ).update(trust_level=earned)
        if changed:
            member.trust_level = earned
    return member.trust_level


def report_weight(member: Member) -> int:
    """What one report by this member adds towards hiding a post: their trust, plus one
    for a reporter whose reports were mostly upheld, minus one for one whose reports were
    mostly dismissed (once they have a few decided reports). Never below zero."""
    if member.is_moderator():
        weight = MODERATOR_REPORT_WEIGHT
    else:
        weight = REPORT_WEIGHTS.get(TrustLevel(member.trust_level), 1)
    decided = Report.objects.filter(
        reporter=member, status__in=(Report.Status.UPHELD, Report.Status.DISMISSED)
    )
    total = decided.count()
    if total >= ACCURACY_MIN_DECIDED:
        upheld = decided.filter(status=Report.Status.UPHELD).count()
        share = upheld / total
        if share >= ACCURACY_BONUS_AT:
            weight += 1
        elif share <= ACCURACY_PENALTY_AT:
            weight -= 1
    return max(weight, 0)

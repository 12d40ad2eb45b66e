"""How often a member may post, and how many accounts one network address may open.

Posting limits are counted in the database (the author's own recent posts), so they hold
with the cache down. Sign-ups are counted in the cache only, keyed on a keyed hash of the
address that changes every hour (no address is stored anywhere), and fail open: a down
cache must not stop anyone joining. `settings.RATE_LIMITS = False` (the environment
variable RATE_LIMITS=off) turns both off. Every refusal says when to try again.

Suspensions and slow mode are checked here too: they are not rate limits but moderators'
decisions, so RATE_LIMITS does not turn them off.
"""

from __future__ import annotations

import datetime
import logging
import math

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from forum.exceptions import ActionRefused
from forum.models import Member, Post, Thread, TrustLevel

logger = logging.getLogger("ownpace.ratelimits")

DAY = datetime.timedelta(days=1)


def wait_text(seconds: float) -> str:
    """ "40 seconds", "3 minutes", "2 hours": how long to wait, rounded up."""
    whole = max(1, math.ceil(seconds))
    if whole < 60:
        return ngettext("%(count)d second", "%(count)d seconds", whole) % {"count": whole}
    minutes = math.ceil(whole / 60)
    if minutes < 60:
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    hours = math.ceil(minutes / 60)
    return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}


def _try_again(seconds: float) -> str:
    return _("You can post again in %(wait)s.") % {"wait": wait_text(seconds)}


def refuse_if_suspended(member: Member) -> None:
    """A suspended member can read but not write: the refusal names the end date."""
    if not member.is_suspended:
        return
    assert member.suspended_until is not None
    until = formats.date_format(timezone.localtime(member.suspended_until), "DATETIME_FORMAT")
    raise ActionRefused(
        _(
            "Your account is suspended until %(until)s, so you cannot post, edit, report "
            "or react until then. You can still read everything. If you need support now, "
            "the “Get help now” page lists places to turn to."
        )
        % {"until": until}
    )


def check_posting_rate(author: Member, now: datetime.datetime) -> None:
    """New members may post once a minute and ten times a day, others once per fifteen
    seconds; moderators as often as they need. Counted from the author's own posts (held
    and deleted ones too), in one query."""
    if not settings.RATE_LIMITS:
        return
    new = author.trust_level == TrustLevel.NEW
    seconds = settings.RATE_LIMIT_NEW_MEMBER_SECONDS if new else settings.RATE_LIMIT_MEMBER_SECONDS
    gap = datetime.timedelta(seconds=seconds)
    recent = Post.objects.filter(author=author, created_at__gt=now - DAY)
    totals = recent.aggregate(latest=Max("created_at"), today=Count("id"))
    latest: datetime.datetime | None = totals["latest"]
    too_soon = latest is not None and now - latest < gap
    per_day = settings.RATE_LIMIT_NEW_MEMBER_PER_DAY
    too_many = new and totals["today"] >= per_day
    if not (too_soon or too_many) or author.is_moderator():
        return
    if too_many:
        # The day's window frees a place when its oldest post turns a day old.
        oldest = recent.order_by("-created_at").values_list("created_at", flat=True)[
            per_day - 1 : per_day
        ]
        frees_at = (oldest[0] if oldest else now) + DAY
        raise ActionRefused(
            ngettext(
                "New members can post %(count)d time a day while they settle in.",
                "New members can post %(count)d times a day while they settle in.",
                per_day,
            )
            % {"count": per_day}
            + " "
            + _try_again((frees_at - now).total_seconds())
        )
    assert latest is not None
    raise ActionRefused(
        _("To keep things calm, posts are spaced a little apart.")
        + " "
        + _try_again((latest + gap - now).total_seconds())
    )


def check_slow_mode(author: Member, thread: Thread, now: datetime.datetime) -> None:
    """In a thread in slow mode, each member posts at most once per its minutes."""
    if not thread.slow_mode_minutes:
        return
    gap = datetime.timedelta(minutes=thread.slow_mode_minutes)
    latest = (
        Post.objects.filter(thread=thread, author=author, created_at__gt=now - gap)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if latest is None or author.is_moderator():
        return
    raise ActionRefused(
        ngettext(
            "This thread is in slow mode: everyone can post once every %(count)d minute.",
            "This thread is in slow mode: everyone can post once every %(count)d minutes.",
            thread.slow_mode_minutes,
        )
        % {"count": thread.slow_mode_minutes}
        + " "
        + _try_again((latest + gap - now).total_seconds())
    )


# --- Sign-ups per network address, in the cache only ------------------------------------


def _signup_key(request: HttpRequest, now: datetime.datetime) -> str:
    address = request.META.get("REMOTE_ADDR", "")
    hour = now.strftime("%Y-%m-%dT%H")
    digest = salted_hmac(f"ownpace.ratelimits.signup.{hour}", address).hexdigest()
    return f"ratelimit:signup:{digest}"


def _seconds_to_next_hour(now: datetime.datetime) -> float:
    next_hour = now.replace(minute=0, second=0, microsecond=0) + datetime.timedelta(hours=1)
    return (next_hour - now).total_seconds()


def signup_refusal(request: HttpRequest) -> str | None:
    """Why this address may not open another account now, or None. Fails open."""
    if not settings.RATE_LIMITS:
        return None
    now = timezone.now()
    try:
        made = cache.get(_signup_key(request, now), 0)
    except Exception:
        logger.warning("rate limit cache unavailable; allowing the sign-up")
        return None
    if made < settings.RATE_LIMIT_SIGNUPS_PER_ADDRESS_PER_HOUR:
        return None
    return _(
        "Several accounts were opened from your network in the last hour. You can join in %(wait)s."
    ) % {"wait": wait_text(_seconds_to_next_hour(now))}


def record_signup(request: HttpRequest) -> None:
    if not settings.RATE_LIMITS:
        return
    now = timezone.now()
    key = _signup_key(request, now)
    try:
        if not cache.add(key, 1, timeout=int(_seconds_to_next_hour(now)) + 60):
            cache.incr(key)
    except ValueError:
        # The key expired between add and incr: a new hour, nothing to count.
        pass
    except Exception:
        logger.warning("rate limit cache unavailable; sign-up not counted")

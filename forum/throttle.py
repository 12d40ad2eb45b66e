"""Throttling failed sign-ins and recovery attempts, without storing anyone's address.

Counters live in the cache only. A network address is never kept: its counter is keyed
on an HMAC of the address with a secret that changes every day, so the keys cannot be
turned back into addresses, nor linked across days.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from forum.pseudonyms import pseudonym_key

logger = logging.getLogger("ownpace.throttle")


def _address_hash(request: HttpRequest) -> str:
    address = request.META.get("REMOTE_ADDR", "")
    day = timezone.now().date().isoformat()
    return salted_hmac(f"ownpace.throttle.address.{day}", address).hexdigest()


def _name_hash(pseudonym: str) -> str:
    # Keyed on the name as sign-in matches it, so " QuietHeron42" or "quietheron42" share
    # the account's counter instead of each starting a fresh one.
    return salted_hmac("ownpace.throttle.name", pseudonym_key(pseudonym.strip())).hexdigest()


def _keys(request: HttpRequest, pseudonym: str) -> tuple[str, str]:
    return f"throttle:name:{_name_hash(pseudonym)}", f"throttle:addr:{_address_hash(request)}"


def is_throttled(request: HttpRequest, pseudonym: str) -> bool:
    name_key, address_key = _keys(request, pseudonym)
    try:
        counts = cache.get_many([name_key, address_key])
    except Exception:
        # A down cache must not lock every member out; the password hash still guards.
        logger.warning("throttle cache unavailable; allowing the attempt")
        return False
    return (
        counts.get(name_key, 0) >= settings.THROTTLE_MAX_FAILURES_PER_NAME
        or counts.get(address_key, 0) >= settings.THROTTLE_MAX_FAILURES_PER_ADDRESS
    )


def record_failure(request: HttpRequest, pseudonym: str) -> None:
    window = settings.THROTTLE_WINDOW_SECONDS
    try:
        for key in _keys(request, pseudonym):
            if not cache.add(key, 1, timeout=window):
                cache.incr(key)
    except ValueError:
        # The key expired between add and incr: the window is over, nothing to count.
        pass
    except Exception:
        logger.warning("throttle cache unavailable; failure not counted")


def clear_name(pseudonym: str) -> None:
    try:
        cache.delete(f"throttle:name:{_name_hash(pseudonym)}")
    except Exception:
        logger.warning("throttle cache unavailable; counter not cleared")

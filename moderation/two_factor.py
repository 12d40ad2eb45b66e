"""Two-factor (TOTP) for moderators: the moderation area opens only to a member with the
permission, a confirmed authenticator app and a code checked this session.

Recovery codes sign a member back into their account; they never stand in for this check.
The authenticator's writes (a pending device, its confirmation) are the few functions here,
each in one transaction; django-otp's own verification throttles failed codes (1, 2, 4, 8 …
seconds between tries).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

import segno
from channels.db import database_sync_to_async
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from forum.models import Member

# A code is six digits; anything else (a recovery code among them) is not even checked.
CODE_LENGTH = 6

View = TypeVar("View", bound=Callable[..., HttpResponse])


def is_moderator(user: Any) -> bool:
    return bool(isinstance(user, Member) and user.is_moderator())


def is_verified(user: Any) -> bool:
    """Whether this session passed the code check (django-otp's middleware tells)."""
    check = getattr(user, "is_verified", None)
    return bool(check is not None and check())


def confirmed_device(member: Member) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=member, confirmed=True).order_by("id").first()


def with_next(name: str, request: HttpRequest, target: str | None = None) -> str:
    """The address of page `name`, asked to come back to `target` (this page) after."""
    return f"{reverse(name)}?{urlencode({'next': target or request.get_full_path()})}"


def safe_next(request: HttpRequest) -> str:
    """Where to go once the code is checked: a page of this site, else the queue."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("moderation:queue")


def moderator_required(view: View) -> View:
    """Every /moderation/ page: signed in, allowed to moderate, verified this session.

    A visitor goes to sign-in; a member without the permission gets 403; a moderator
    without a confirmed authenticator goes to set it up, one with it to the code prompt.
    """

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect(with_next(settings.LOGIN_URL, request))
        if not is_moderator(user):
            raise PermissionDenied
        if not is_verified(user):
            member = cast(Member, user)
            step = "moderation:two_factor_verify" if confirmed_device(member) else None
            return redirect(with_next(step or "moderation:two_factor_setup", request))
        return view(request, *args, **kwargs)

    return cast(View, wrapped)


# --- Writes -----------------------------------------------------------------------------


def device_name() -> str:
    return str(settings.OTP_TOTP_ISSUER)


@transaction.atomic
def pending_device(*, member: Member) -> TOTPDevice:
    """The authenticator being set up: the same secret until it is confirmed, so that a
    reload of the set-up page does not change the code the app already holds."""
    device = TOTPDevice.objects.filter(user=member, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=member, name=device_name(), confirmed=False)
    return device


def confirm_device(*, request: HttpRequest, device: TOTPDevice, code: str) -> bool:
    """Confirm the authenticator with its first code and mark this session verified."""
    if not _plausible(code):
        return False
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if locked.confirmed or not locked.verify_token(code):
            return False
        locked.confirmed = True
        locked.save(update_fields=["confirmed"])
    otp_login(request, locked)
    return True


def verify_code(*, request: HttpRequest, device: TOTPDevice, code: str) -> bool:
    """Check a code from the moderator's confirmed authenticator; on success this session
    is verified. A failure counts towards django-otp's growing wait."""
    if not _plausible(code):
        # Not a code at all (a recovery code, a typo): counted like a wrong one.
        with transaction.atomic():
            TOTPDevice.objects.select_for_update().get(pk=device.pk).throttle_increment()
        return False
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if not (locked.confirmed and locked.verify_token(code)):
            return False
    otp_login(request, locked)
    return True


def _plausible(code: str) -> bool:
    return len(code) == CODE_LENGTH and code.isascii() and code.isdigit()


# --- Reads ------------------------------------------------------------------------------


def wait_until(device: TOTPDevice) -> datetime | None:
    """When the next code may be tried, if failed tries make it wait."""
    allowed, details = device.verify_is_allowed()
    if allowed or not details:
        return None
    locked_until: datetime | None = details.get("locked_until")
    return locked_until


QR_BORDER = 4


@dataclass(frozen=True)
class QRCode:
    """A QR code as the template draws it in inline SVG: its size in modules and one
    path of dark modules. The path holds only drawing commands and numbers, so the
    template escapes it like any text: no markup is marked safe, no image URL is made
    (the content security policy allows no data: images) and no style is set."""

    size: int
    path: str


def qr_code(device: TOTPDevice) -> QRCode:
    matrix = segno.make(device.config_url, error="m").matrix
    runs = []
    for row, modules in enumerate(matrix):
        column = 0
        while column < len(modules):
            if not modules[column]:
                column += 1
                continue
            start = column
            while column < len(modules) and modules[column]:
                column += 1
            runs.append(
                f"M{start + QR_BORDER} {row + QR_BORDER}h{column - start}v1h-{column - start}z"
            )
    return QRCode(size=len(matrix) + 2 * QR_BORDER, path="".join(runs))


def base32_secret(device: TOTPDevice) -> str:
    """The secret as authenticator apps accept it when typed, in groups of four."""
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[start : start + 4] for start in range(0, len(secret), 4))


@database_sync_to_async
def socket_is_verified(user: Any, session: Any) -> bool:
    """For the moderators' socket: the same three checks as the pages, read from the
    session the socket was opened with."""
    if not is_moderator(user):
        return False
    persistent_id = session.get(DEVICE_ID_SESSION_KEY) if session is not None else None
    if not persistent_id:
        return False
    device = Device.from_persistent_id(persistent_id)
    return bool(isinstance(device, TOTPDevice) and device.confirmed and device.user_id == user.pk)

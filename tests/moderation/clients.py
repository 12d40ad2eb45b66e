"""Browsers of the test client's kind for the moderation pages: moderators whose session
passed the two-factor check, and the codes their authenticator would show."""

from __future__ import annotations

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from forum.models import Member


def authenticator(member: Member) -> TOTPDevice:
    """The member's confirmed authenticator app (made as the set-up page would leave it)."""
    device = TOTPDevice.objects.filter(user=member, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=member, name="Own Pace", confirmed=True)


def code_now(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The six digits the moderator's app shows now (or a step later)."""
    value = totp(
        device.bin_key,
        step=device.step,
        t0=device.t0,
        digits=device.digits,
        drift=device.drift + steps_ahead,
    )
    return f"{value:0{device.digits}d}"


def verified_client(member: Member, **kwargs: object) -> Client:
    """Signed in as `member`, with the session marked as having passed the code check
    (what django_otp.login does after a right code)."""
    client = Client(**kwargs)  # type: ignore[arg-type]
    client.force_login(member)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = authenticator(member).persistent_id
    session.save()
    return client


def unverified_client(member: Member, *, with_device: bool, **kwargs: object) -> Client:
    """Signed in with a password only; with or without an authenticator set up."""
    if with_device:
        authenticator(member)
    client = Client(**kwargs)  # type: ignore[arg-type]
    client.force_login(member)
    return client

"""Two-factor sign-in for moderators: set-up with a QR code, the code prompt, throttled
wrong codes, recovery codes that never open the moderation area, and the admin."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from forum import actions as forum_actions
from forum.models import Member
from tests.conftest import PASSWORD
from tests.moderation.clients import authenticator, code_now, unverified_client, verified_client

SETUP = reverse("moderation:two_factor_setup")
VERIFY = reverse("moderation:two_factor_verify")
QUEUE = reverse("moderation:queue")


@pytest.fixture
def fresh_moderator(make_moderator: Callable[..., Member]) -> Member:
    return make_moderator("GentleHeron")


def test_setup_shows_the_secret_as_text_and_an_inline_svg_qr_code(fresh_moderator: Member) -> None:
    client = unverified_client(fresh_moderator, with_device=False)
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"].startswith(SETUP)
    page = client.get(response["Location"])
    html = page.content.decode()
    device = TOTPDevice.objects.get(user=fresh_moderator)
    assert not device.confirmed
    assert device.name == settings.OTP_TOTP_ISSUER
    assert "<svg" in html
    # The content security policy allows neither data: images nor inline styles.
    assert "data:" not in html
    assert not re.search(r"<[^>]+\sstyle=", html)
    assert not re.search(r"<script(?![^>]*\ssrc=)", html)
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', html)
    assert secret is not None
    import base64

    assert base64.b32decode(secret.group(1).replace(" ", "")) == device.bin_key
    # A reload keeps the same secret: the app may already hold it.
    client.get(SETUP)
    assert TOTPDevice.objects.filter(user=fresh_moderator).count() == 1


def test_setup_confirmed_with_a_right_code_opens_the_queue(fresh_moderator: Member) -> None:
    client = unverified_client(fresh_moderator, with_device=False)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=fresh_moderator)
    response = client.post(SETUP, {"code": code_now(device), "next": QUEUE})
    assert response.status_code == 302
    assert response["Location"] == QUEUE
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(QUEUE).status_code == 200


def test_setup_with_a_wrong_code_stays_unconfirmed(fresh_moderator: Member) -> None:
    client = unverified_client(fresh_moderator, with_device=False)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=fresh_moderator)
    wrong = f"{(int(code_now(device)) + 1) % 1_000_000:06d}"
    response = client.post(SETUP, {"code": wrong})
    assert response.status_code == 400
    assert "did not match" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(QUEUE)["Location"].startswith(SETUP)


def test_setup_cannot_replace_a_confirmed_authenticator(fresh_moderator: Member) -> None:
    client = unverified_client(fresh_moderator, with_device=True)
    response = client.post(SETUP, {"code": "123456"})
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=fresh_moderator).count() == 1


def test_verify_with_the_right_code_opens_the_page_asked_for(fresh_moderator: Member) -> None:
    client = unverified_client(fresh_moderator, with_device=True)
    log_url = reverse("moderation:log")
    response = client.get(log_url)
    assert response["Location"] == f"{VERIFY}?next=%2Fmoderation%2Flog%2F"
    assert client.get(response["Location"]).status_code == 200
    device = authenticator(fresh_moderator)
    response = client.post(VERIFY, {"code": code_now(device), "next": log_url})
    assert response.status_code == 302
    assert response["Location"] == log_url
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get(log_url).status_code == 200


def test_verify_refuses_a_wrong_code_and_then_throttles(fresh_moderator: Member) -> None:
    client = unverified_client(fresh_moderator, with_device=True)
    device = authenticator(fresh_moderator)
    wrong = f"{(int(code_now(device)) + 500_000) % 1_000_000:06d}"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 400
    assert "did not match" in response.content.decode()
    # Straight after a failure even the right code must wait.
    response = client.post(VERIFY, {"code": code_now(device)})
    assert response.status_code == 429
    assert "Please wait" in response.content.decode()
    assert client.get(QUEUE)["Location"].startswith(VERIFY)
    # After the wait, the right code works.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(minutes=5)
    )
    assert client.post(VERIFY, {"code": code_now(device)}).status_code == 302
    assert client.get(QUEUE).status_code == 200


def test_a_code_cannot_be_used_twice(fresh_moderator: Member) -> None:
    device = authenticator(fresh_moderator)
    code = code_now(device)
    first = unverified_client(fresh_moderator, with_device=True)
    assert first.post(VERIFY, {"code": code}).status_code == 302
    second = unverified_client(fresh_moderator, with_device=True)
    assert second.post(VERIFY, {"code": code}).status_code == 400
    assert second.get(QUEUE)["Location"].startswith(VERIFY)


def test_recovery_codes_never_open_the_moderation_area(
    make_moderator: Callable[..., Member],
) -> None:
    moderator = make_moderator("SilverBirch")
    authenticator(moderator)
    codes = forum_actions.regenerate_recovery_codes(member=moderator)
    client = Client()
    # A recovery code resets the password and signs in ...
    response = client.post(
        reverse("forum:recover"),
        {
            "pseudonym": moderator.pseudonym,
            "code": codes[0],
            "new_password1": "another calm long passphrase",
            "new_password2": "another calm long passphrase",
        },
    )
    assert response.status_code == 302
    # ... but the moderation area still asks for the authenticator's code,
    assert client.get(QUEUE)["Location"].startswith(VERIFY)
    # and a recovery code typed there is no code at all.
    response = client.post(VERIFY, {"code": codes[1]})
    assert response.status_code == 400
    assert client.get(QUEUE)["Location"].startswith(VERIFY)


def test_signing_in_again_asks_for_the_code_again(fresh_moderator: Member) -> None:
    client = verified_client(fresh_moderator)
    assert client.get(QUEUE).status_code == 200
    client.post(reverse("forum:logout"))
    client.post(
        reverse("forum:login"), {"username": fresh_moderator.pseudonym, "password": PASSWORD}
    )
    assert client.get(QUEUE)["Location"].startswith(VERIFY)


def test_an_unconfirmed_device_in_the_session_does_not_count(fresh_moderator: Member) -> None:
    client = unverified_client(fresh_moderator, with_device=False)
    client.get(SETUP)
    pending = TOTPDevice.objects.get(user=fresh_moderator, confirmed=False)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = pending.persistent_id
    session.save()
    assert client.get(QUEUE)["Location"].startswith(SETUP)


def test_the_admin_asks_for_a_verified_session(make_member: Callable[..., Member]) -> None:
    admin = Member.objects.create_superuser("PlainBeech", PASSWORD)
    password_only = Client()
    password_only.force_login(admin)
    response = password_only.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert verified_client(admin).get("/admin/").status_code == 200


def test_setup_also_waits_after_a_wrong_code(fresh_moderator: Member) -> None:
    client = unverified_client(fresh_moderator, with_device=False)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=fresh_moderator)
    wrong = f"{(int(code_now(device)) + 500_000) % 1_000_000:06d}"
    assert client.post(SETUP, {"code": wrong}).status_code == 400
    response = client.post(SETUP, {"code": code_now(device)})
    assert response.status_code == 429
    device.refresh_from_db()
    assert not device.confirmed

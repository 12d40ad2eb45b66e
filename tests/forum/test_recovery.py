"""Recovery codes: shown once after joining, stored only as hashes, each usable once."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from forum import actions
from forum.models import Member, RecoveryCode
from tests.conftest import PASSWORD
from tests.helpers import field_error, input_value, sign_in, signed_in_pk, stored_values

SIGNUP_URL = reverse("forum:signup")
CODES_URL = reverse("forum:recovery_codes")
DOWNLOAD_URL = reverse("forum:recovery_codes_download")
RECOVER_URL = reverse("forum:recover")
SETTINGS_URL = reverse("forum:settings")
REGENERATE_URL = reverse("forum:regenerate_codes")
NEW_PASSWORD = "a brand new evening walk"
SHOWN_CODE = re.compile(r"<li><code>([^<]+)</code></li>")
CODE_SHAPE = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}")


def join(client: Client, pseudonym: str = "GentleOtter7") -> list[str]:
    """Sign up through the page and read the codes it shows."""
    response = client.post(
        SIGNUP_URL,
        {"pseudonym": pseudonym, "new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == CODES_URL
    return SHOWN_CODE.findall(client.get(CODES_URL).content.decode())


def recover(client: Client, pseudonym: str, code: str, password: str = NEW_PASSWORD):
    return client.post(
        RECOVER_URL,
        {
            "pseudonym": pseudonym,
            "code": code,
            "new_password1": password,
            "new_password2": password,
        },
    )


@pytest.fixture
def member_codes(db: None) -> tuple[Member, list[str]]:
    return actions.register_member(pseudonym="QuietHeron42", password=PASSWORD)


# --- Shown once after joining ---------------------------------------------------------


def test_recovery_codes_page_shows_ten_distinct_codes_after_signup(db: None) -> None:
    client = Client()
    codes = join(client)

    html = client.get(CODES_URL).content.decode()

    assert len(codes) == 10
    assert len(set(codes)) == 10
    for code in codes:
        assert CODE_SHAPE.fullmatch(code), code
    assert "only time they are shown" in html
    assert "only way back into your account" in html
    assert f'href="{DOWNLOAD_URL}"' in html


def test_recovery_codes_are_stored_only_as_hashes(db: None) -> None:
    codes = join(Client())
    member = Member.objects.get(pseudonym="GentleOtter7")

    stored = list(RecoveryCode.objects.filter(member=member))

    assert len(stored) == 10
    assert RecoveryCode.objects.count() == 10
    assert all(row.used_at is None for row in stored)
    values = stored_values()
    for code in codes:
        for spelling in (code, code.replace("-", ""), code.lower()):
            assert not any(spelling in value for value in values), spelling


def test_recovery_codes_are_not_readable_from_the_stored_session(db: None) -> None:
    # A member who closes the tab without pressing "I have saved my codes" leaves the
    # session row behind for two weeks; a copy of the database must not reveal codes.
    codes = join(Client())

    stored = stored_values()

    assert any("_auth_user_id" in value for value in stored)  # the session was read
    for code in codes:
        assert not any(code in value for value in stored), code


def test_recovery_codes_page_after_confirming_redirects_to_settings(db: None) -> None:
    client = Client()
    codes = join(client)

    confirmed = client.post(CODES_URL)
    again = client.get(CODES_URL)
    download = client.get(DOWNLOAD_URL)

    assert confirmed.status_code == 302
    assert confirmed["Location"] == reverse("forum:home")
    assert again.status_code == 302
    assert again["Location"] == SETTINGS_URL
    assert download.status_code == 302
    assert download["Location"] == SETTINGS_URL
    html = client.get(SETTINGS_URL).content.decode()
    assert not any(code in html for code in codes)
    assert "You have 10 unused recovery codes." in html


def test_recovery_codes_page_needs_sign_in(db: None) -> None:
    response = Client().get(CODES_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("forum:login"))


def test_recovery_codes_page_without_fresh_codes_redirects_to_settings(
    signed_in: Client,
) -> None:
    response = signed_in.get(CODES_URL)

    assert response.status_code == 302
    assert response["Location"] == SETTINGS_URL


def test_recovery_codes_download_is_a_private_text_attachment(db: None) -> None:
    client = Client()
    codes = join(client)

    response = client.get(DOWNLOAD_URL)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response["Content-Disposition"].startswith("attachment")
    assert ".txt" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode()
    assert [line for line in text.splitlines() if CODE_SHAPE.fullmatch(line)] == codes


# --- Recovering -----------------------------------------------------------------------


@pytest.mark.argon2
def test_recover_with_a_code_sets_new_password_and_signs_in(
    member_codes: tuple[Member, list[str]],
) -> None:
    member, codes = member_codes
    client = Client()

    response = recover(client, "QuietHeron42", codes[3])

    assert response.status_code == 302
    assert response["Location"] == SETTINGS_URL
    assert signed_in_pk(client) == str(member.pk)
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)
    assert member.password.startswith("argon2")
    assert sign_in(Client(), "QuietHeron42", PASSWORD).status_code == 200
    assert sign_in(Client(), "QuietHeron42", NEW_PASSWORD).status_code == 302
    assert member.recovery_codes.filter(used_at__isnull=False).count() == 1
    assert "9 unused recovery codes left" in client.get(SETTINGS_URL).content.decode()


def test_recover_with_the_same_code_twice_fails(
    member_codes: tuple[Member, list[str]],
) -> None:
    member, codes = member_codes
    recover(Client(), "QuietHeron42", codes[0])
    client = Client()

    response = recover(client, "QuietHeron42", codes[0], "another fresh passphrase")

    assert response.status_code == 200
    html = response.content.decode()
    assert "does not match an unused code" in field_error(html, "code")
    assert input_value(html, "pseudonym") == "QuietHeron42"
    assert input_value(html, "code") == codes[0]
    assert signed_in_pk(client) is None
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)


def test_recover_with_a_code_of_another_member_fails(
    member_codes: tuple[Member, list[str]],
) -> None:
    member, _codes = member_codes
    _other, other_codes = actions.register_member(pseudonym="BraveOtter11", password=PASSWORD)
    client = Client()

    response = recover(client, "QuietHeron42", other_codes[0])

    assert response.status_code == 200
    assert "does not match an unused code" in field_error(response.content.decode(), "code")
    assert signed_in_pk(client) is None
    member.refresh_from_db()
    assert member.check_password(PASSWORD)
    assert not RecoveryCode.objects.filter(used_at__isnull=False).exists()


def test_recover_with_unknown_pseudonym_gives_the_same_message(
    member_codes: tuple[Member, list[str]],
) -> None:
    _member, codes = member_codes

    unknown = recover(Client(), "NobodyByThisName", codes[0])
    wrong = recover(Client(), "QuietHeron42", "AAAA-BBBB-CCCC")

    assert field_error(unknown.content.decode(), "code") == field_error(
        wrong.content.decode(), "code"
    )
    assert field_error(unknown.content.decode(), "code")


@pytest.mark.parametrize(
    "typed",
    [
        lambda code: code.lower(),
        lambda code: code.replace("-", ""),
        lambda code: code.replace("-", " "),
        lambda code: f"  {code.lower().replace('-', '')}  ",
    ],
    ids=["lower-case", "no-dashes", "spaces", "lower-no-dashes-padded"],
)
def test_recover_accepts_code_as_people_type_it(
    member_codes: tuple[Member, list[str]], typed: Callable[[str], str]
) -> None:
    member, codes = member_codes
    client = Client()

    response = recover(client, "quietheron42", typed(codes[0]))

    assert response.status_code == 302
    assert signed_in_pk(client) == str(member.pk)


def test_recover_refuses_weak_new_password_without_spending_the_code(
    member_codes: tuple[Member, list[str]],
) -> None:
    member, codes = member_codes

    response = recover(Client(), "QuietHeron42", codes[0], "QuietHeron42")

    assert response.status_code == 200
    assert "too similar to the pseudonym" in field_error(response.content.decode(), "new_password1")
    assert not member.recovery_codes.filter(used_at__isnull=False).exists()
    assert recover(Client(), "QuietHeron42", codes[0]).status_code == 302


def fail_recoveries(client: Client, pseudonym: str, times: int) -> None:
    for _ in range(times):
        assert recover(client, pseudonym, "AAAA-BBBB-CCCC").status_code == 200


def test_recover_throttled_per_pseudonym_refuses_a_right_code(
    member_codes: tuple[Member, list[str]], settings: Any
) -> None:
    settings.THROTTLE_MAX_FAILURES_PER_NAME = 3
    settings.THROTTLE_MAX_FAILURES_PER_ADDRESS = 100
    member, codes = member_codes
    fail_recoveries(Client(), "QuietHeron42", 3)
    client = Client()

    response = recover(client, "QuietHeron42", codes[0])

    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert signed_in_pk(client) is None
    member.refresh_from_db()
    assert member.check_password(PASSWORD)
    assert not member.recovery_codes.filter(used_at__isnull=False).exists()


def test_recover_throttled_per_address_across_different_names(
    member_codes: tuple[Member, list[str]], settings: Any
) -> None:
    settings.THROTTLE_MAX_FAILURES_PER_NAME = 100
    settings.THROTTLE_MAX_FAILURES_PER_ADDRESS = 3
    _member, codes = member_codes
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for name in ("FirstGuess", "SecondGuess", "ThirdGuess"):
        fail_recoveries(attacker, name, 1)

    assert recover(attacker, "QuietHeron42", codes[0]).status_code == 429
    assert recover(Client(REMOTE_ADDR="198.51.100.7"), "QuietHeron42", codes[0]).status_code == 302


def test_recover_and_login_failures_share_one_throttle(
    member_codes: tuple[Member, list[str]], settings: Any
) -> None:
    settings.THROTTLE_MAX_FAILURES_PER_NAME = 3
    settings.THROTTLE_MAX_FAILURES_PER_ADDRESS = 100
    _member, codes = member_codes
    fail_recoveries(Client(), "QuietHeron42", 2)
    assert sign_in(Client(), "QuietHeron42", "not the right passphrase").status_code == 200

    assert sign_in(Client(), "QuietHeron42").status_code == 429
    assert recover(Client(), "QuietHeron42", codes[0]).status_code == 429


def test_recover_throttle_counts_names_padded_with_spaces(
    member_codes: tuple[Member, list[str]], settings: Any
) -> None:
    settings.THROTTLE_MAX_FAILURES_PER_NAME = 3
    settings.THROTTLE_MAX_FAILURES_PER_ADDRESS = 100
    _member, codes = member_codes
    for spelling in (" QuietHeron42", "QuietHeron42 ", "  QuietHeron42  "):
        fail_recoveries(Client(), spelling, 1)

    assert recover(Client(), "QuietHeron42", codes[0]).status_code == 429


# --- A new set from Settings ----------------------------------------------------------


def test_regenerate_codes_refused_with_wrong_password(
    member_codes: tuple[Member, list[str]],
) -> None:
    member, codes = member_codes
    client = Client()
    client.force_login(member)
    hashes_before = set(member.recovery_codes.values_list("code_hash", flat=True))

    response = client.post(REGENERATE_URL, {"password": "not the right passphrase"})

    assert response.status_code == 400
    assert "not your current password" in field_error(response.content.decode(), "password")
    assert set(member.recovery_codes.values_list("code_hash", flat=True)) == hashes_before
    assert client.get(CODES_URL).status_code == 302
    assert recover(Client(), "QuietHeron42", codes[0]).status_code == 302


def test_regenerate_codes_shows_a_new_set_and_voids_the_old_one(
    member_codes: tuple[Member, list[str]], settings: Any
) -> None:
    settings.THROTTLE_MAX_FAILURES_PER_NAME = 100
    settings.THROTTLE_MAX_FAILURES_PER_ADDRESS = 100
    member, old_codes = member_codes
    client = Client()
    client.force_login(member)

    response = client.post(REGENERATE_URL, {"password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == CODES_URL
    new_codes = SHOWN_CODE.findall(client.get(CODES_URL).content.decode())
    assert len(new_codes) == 10
    assert not set(new_codes) & set(old_codes)
    assert RecoveryCode.objects.filter(member=member).count() == 10
    for code in old_codes:
        failed = recover(Client(), "QuietHeron42", code)
        assert failed.status_code == 200, code
    assert recover(Client(), "QuietHeron42", new_codes[0]).status_code == 302


def test_regenerate_codes_needs_sign_in_and_post(
    member_codes: tuple[Member, list[str]],
) -> None:
    member, _codes = member_codes
    anonymous = Client().post(REGENERATE_URL, {"password": PASSWORD})
    client = Client()
    client.force_login(member)
    by_get = client.get(REGENERATE_URL)

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("forum:login"))
    assert by_get.status_code == 405

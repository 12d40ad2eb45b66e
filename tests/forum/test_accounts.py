"""Joining, signing in and out, throttling, settings and CSRF, through the real views."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core.cache.backends.locmem import LocMemCache
from django.test import Client
from django.urls import reverse

from forum import throttle
from forum.models import Member, Thread
from tests.conftest import PASSWORD
from tests.helpers import field_error, input_value, sign_in, signed_in_pk, stored_values

SIGNUP_URL = reverse("forum:signup")
LOGIN_URL = reverse("forum:login")
LOGOUT_URL = reverse("forum:logout")
RECOVER_URL = reverse("forum:recover")
SETTINGS_URL = reverse("forum:settings")
CHANGE_PASSWORD_URL = reverse("forum:change_password")
RENAME_URL = reverse("forum:rename")
NEW_PASSWORD = "a brand new evening walk"
FORM_ERRORS = re.compile(r'<div class="form-errors" role="alert">(.*?)</div>', re.DOTALL)


def sign_up(client: Client, pseudonym: str, password: str = PASSWORD, again: str | None = None):
    return client.post(
        SIGNUP_URL,
        {"pseudonym": pseudonym, "new_password1": password, "new_password2": again or password},
    )


# --- Joining --------------------------------------------------------------------------


@pytest.mark.argon2
def test_signup_creates_member_with_argon2_password_and_signs_in(db: None) -> None:
    client = Client()

    response = sign_up(client, "GentleOtter7")

    assert response.status_code == 302
    assert response["Location"] == reverse("forum:recovery_codes")
    member = Member.objects.get(pseudonym="GentleOtter7")
    assert member.password.startswith("argon2")
    assert PASSWORD not in member.password
    assert member.check_password(PASSWORD)
    assert signed_in_pk(client) == str(member.pk)


def test_signup_while_signed_in_redirects_home(signed_in: Client) -> None:
    response = signed_in.get(SIGNUP_URL)

    assert response.status_code == 302
    assert response["Location"] == reverse("forum:home")


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short pw", "too short"),
        ("qwertyuiop", "too common"),
        ("password123", "too common"),
        ("GentleOtter7", "too similar to the pseudonym"),
        ("gentleotter77", "too similar to the pseudonym"),
    ],
)
def test_signup_refuses_weak_password_with_message_beside_field(
    db: None, password: str, message: str
) -> None:
    response = sign_up(Client(), "GentleOtter7", password)

    assert response.status_code == 200
    html = response.content.decode()
    assert message in field_error(html, "new_password1")
    assert input_value(html, "pseudonym") == "GentleOtter7"
    assert not Member.objects.filter(pseudonym="GentleOtter7").exists()


@pytest.mark.parametrize(
    "password",
    [
        "mój spokojny poranek ☕",
        "all lowercase words here",
        "ŻÓŁWIEŃKAŚĆ",
        "平静的早晨慢慢来吧好的",
    ],
)
@pytest.mark.argon2
def test_signup_accepts_any_unicode_password_without_composition_rules(
    db: None, password: str
) -> None:
    response = sign_up(Client(), "GentleOtter7", password)

    assert response.status_code == 302, response.context["form"].errors
    member = Member.objects.get(pseudonym="GentleOtter7")
    assert member.password.startswith("argon2")
    fresh = Client()
    assert sign_in(fresh, "GentleOtter7", password).status_code == 302
    assert signed_in_pk(fresh) == str(member.pk)


def test_signup_refuses_different_passwords_and_keeps_pseudonym(db: None) -> None:
    response = sign_up(Client(), "GentleOtter7", PASSWORD, again=PASSWORD + "!")

    assert response.status_code == 200
    html = response.content.decode()
    assert "The two passwords are different." in field_error(html, "new_password2")
    assert input_value(html, "pseudonym") == "GentleOtter7"
    assert not Member.objects.exists()


def test_signup_refused_pseudonym_comes_back_typed_with_error_beside_it(
    member: Member,
) -> None:
    response = sign_up(Client(), "quietheron42")

    assert response.status_code == 200
    html = response.content.decode()
    assert "That pseudonym is taken" in field_error(html, "pseudonym")
    assert input_value(html, "pseudonym") == "quietheron42"
    assert "Please look at the marked fields below" in html


def test_signup_empty_form_names_each_missing_field(db: None) -> None:
    # What a browser sends for an untouched form: every field, each one empty.
    response = Client().post(
        SIGNUP_URL, {"pseudonym": "", "new_password1": "", "new_password2": ""}
    )

    assert response.status_code == 200
    html = response.content.decode()
    for field in ("pseudonym", "new_password1", "new_password2"):
        assert "This field is required." in field_error(html, field)


# --- Signing in -----------------------------------------------------------------------


def test_login_with_right_password_signs_in_and_redirects_home(member: Member) -> None:
    client = Client()

    response = sign_in(client, "QuietHeron42")

    assert response.status_code == 302
    assert response["Location"] == reverse("forum:home")
    assert signed_in_pk(client) == str(member.pk)


def test_login_follows_a_local_next_but_not_another_host(member: Member) -> None:
    local = sign_in(Client(), "QuietHeron42", next="/settings/")
    foreign = sign_in(Client(), "QuietHeron42", next="https://evil.example/")

    assert local["Location"] == "/settings/"
    assert foreign["Location"] == reverse("forum:home")


def test_login_wrong_password_and_unknown_pseudonym_give_identical_message(
    member: Member,
) -> None:
    wrong_password = sign_in(Client(), "QuietHeron42", "not the right passphrase")
    unknown_name = sign_in(Client(), "NobodyByThisName", "not the right passphrase")

    assert wrong_password.status_code == unknown_name.status_code == 200
    wrong_errors = FORM_ERRORS.findall(wrong_password.content.decode())
    unknown_errors = FORM_ERRORS.findall(unknown_name.content.decode())
    assert wrong_errors
    assert wrong_errors == unknown_errors
    assert "do not match an account" in wrong_errors[0]
    assert wrong_password.context["form"].errors == unknown_name.context["form"].errors


def test_login_failure_keeps_typed_pseudonym(member: Member) -> None:
    client = Client()

    response = sign_in(client, "QuietHeron42", "not the right passphrase")

    assert response.status_code == 200
    assert input_value(response.content.decode(), "username") == "QuietHeron42"
    assert signed_in_pk(client) is None


def test_login_on_shared_device_ends_session_when_browser_closes(member: Member) -> None:
    client = Client()

    sign_in(client, "QuietHeron42", shared_device="on")

    assert signed_in_pk(client) == str(member.pk)
    assert client.session.get_expire_at_browser_close() is True
    assert client.cookies["sessionid"]["expires"] == ""
    assert client.cookies["sessionid"]["max-age"] == ""


def test_login_on_own_device_keeps_session_after_browser_closes(member: Member) -> None:
    client = Client()

    sign_in(client, "QuietHeron42")

    assert signed_in_pk(client) == str(member.pk)
    assert client.session.get_expire_at_browser_close() is False
    assert client.cookies["sessionid"]["expires"] != ""


# --- Throttling failed sign-ins ---------------------------------------------------------


def fail_logins(client: Client, pseudonym: str, times: int, **extra: Any) -> None:
    for _ in range(times):
        response = client.post(
            LOGIN_URL, {"username": pseudonym, "password": "not the right passphrase"}, **extra
        )
        assert response.status_code == 200


def test_login_throttled_per_pseudonym_refuses_right_password(
    make_member: Callable, settings: Any
) -> None:
    settings.THROTTLE_MAX_FAILURES_PER_NAME = 3
    settings.THROTTLE_MAX_FAILURES_PER_ADDRESS = 100
    victim = make_member("QuietHeron42")
    other = make_member("BraveOtter11")
    fail_logins(Client(), "QuietHeron42", 3)

    client = Client()
    refused = sign_in(client, "QuietHeron42")

    assert refused.status_code == 429
    assert "Too many attempts" in refused.content.decode()
    assert input_value(refused.content.decode(), "username") == "QuietHeron42"
    assert signed_in_pk(client) is None
    # Another name from the same address still signs in.
    assert sign_in(client, "BraveOtter11").status_code == 302
    assert signed_in_pk(client) == str(other.pk)
    assert victim.pk != other.pk


def test_login_throttle_below_limit_still_lets_right_password_in(
    member: Member, settings: Any
) -> None:
    settings.THROTTLE_MAX_FAILURES_PER_NAME = 3
    fail_logins(Client(), "QuietHeron42", 2)

    assert sign_in(Client(), "QuietHeron42").status_code == 302


def test_login_throttle_per_pseudonym_ignores_case_and_width(member: Member, settings: Any) -> None:
    settings.THROTTLE_MAX_FAILURES_PER_NAME = 3
    settings.THROTTLE_MAX_FAILURES_PER_ADDRESS = 100
    for spelling in ("quietheron42", "QUIETHERON42", "ＱｕｉｅｔＨｅｒｏｎ42"):
        fail_logins(Client(), spelling, 1)

    assert sign_in(Client(), "QuietHeron42").status_code == 429


def test_login_throttle_per_pseudonym_counts_names_padded_with_spaces(
    member: Member, settings: Any
) -> None:
    # The form strips the spaces and still finds the account, so padded spellings are
    # guesses at the same account and must count against it.
    settings.THROTTLE_MAX_FAILURES_PER_NAME = 3
    settings.THROTTLE_MAX_FAILURES_PER_ADDRESS = 100
    assert sign_in(Client(), " QuietHeron42 ").status_code == 302
    for spelling in (" QuietHeron42", "QuietHeron42 ", "  QuietHeron42  "):
        fail_logins(Client(), spelling, 1)

    assert sign_in(Client(), "QuietHeron42").status_code == 429
    assert sign_in(Client(), " QuietHeron42 ").status_code == 429


def test_login_throttled_per_address_across_different_names(
    make_member: Callable, settings: Any
) -> None:
    settings.THROTTLE_MAX_FAILURES_PER_NAME = 100
    settings.THROTTLE_MAX_FAILURES_PER_ADDRESS = 3
    member = make_member("QuietHeron42")
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for name in ("FirstGuess", "SecondGuess", "ThirdGuess"):
        fail_logins(attacker, name, 1)

    assert sign_in(attacker, "QuietHeron42").status_code == 429
    assert signed_in_pk(attacker) is None
    # The same account from another address is not locked out.
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    assert sign_in(elsewhere, "QuietHeron42").status_code == 302
    assert signed_in_pk(elsewhere) == str(member.pk)


def test_login_throttle_cache_keys_hold_no_raw_address(
    member: Member, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A local-memory cache whatever the settings say (CI may use Redis), so its keys can
    # be read back exactly as the throttle wrote them.
    store = LocMemCache("throttle-keys-test", {})
    store.clear()
    monkeypatch.setattr(throttle, "cache", store)

    fail_logins(Client(REMOTE_ADDR="203.0.113.9"), "QuietHeron42", 2)
    fail_logins(Client(), "QuietHeron42", 1)

    keys = list(store._cache.keys())
    assert any("throttle:addr:" in key for key in keys)
    assert any("throttle:name:" in key for key in keys)
    assert len([key for key in keys if "throttle:addr:" in key]) == 2  # one per address
    for key in keys:
        assert "127.0.0.1" not in key
        assert "203.0.113.9" not in key
        assert "quietheron42" not in key.casefold()
    assert sorted(store.get(key) for key in [k.split(":", 2)[2] for k in keys]) == [1, 2, 3]


def test_login_stores_no_network_address_in_the_database(member: Member) -> None:
    sign_in(Client(REMOTE_ADDR="203.0.113.9"), "QuietHeron42", "not the right passphrase")
    client = Client(REMOTE_ADDR="203.0.113.9")
    assert sign_in(client, "QuietHeron42").status_code == 302
    client.get(SETTINGS_URL)

    stored = stored_values()

    assert any("_auth_user_id" in value for value in stored)  # the scan reads sessions
    for value in stored:
        assert "203.0.113.9" not in value
        assert "127.0.0.1" not in value


# --- Signing out ----------------------------------------------------------------------


def test_logout_by_get_is_refused_and_keeps_session(signed_in: Client, member: Member) -> None:
    response = signed_in.get(LOGOUT_URL)

    assert response.status_code == 405
    assert signed_in_pk(signed_in) == str(member.pk)


def test_logout_by_post_ends_session(signed_in: Client) -> None:
    old_session_key = signed_in.session.session_key

    response = signed_in.post(LOGOUT_URL)

    assert response.status_code == 302
    assert signed_in_pk(signed_in) is None
    assert signed_in.get(SETTINGS_URL).status_code == 302
    assert not Session.objects.filter(session_key=old_session_key).exists()


# --- Settings -------------------------------------------------------------------------


def test_settings_page_needs_sign_in(db: None) -> None:
    response = Client().get(SETTINGS_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)


def test_settings_page_shows_the_three_forms(signed_in: Client) -> None:
    html = signed_in.get(SETTINGS_URL).content.decode()

    assert 'name="old_password"' in html
    assert f'action="{RENAME_URL}"' in html
    assert f'action="{reverse("forum:regenerate_codes")}"' in html
    assert "You are signed in as QuietHeron42." in html


def test_change_password_refused_without_right_current_password(
    signed_in: Client, member: Member
) -> None:
    response = signed_in.post(
        CHANGE_PASSWORD_URL,
        {
            "old_password": "not the right passphrase",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response.status_code == 400
    assert "incorrectly" in field_error(response.content.decode(), "old_password")
    member.refresh_from_db()
    assert member.check_password(PASSWORD)
    assert not member.check_password(NEW_PASSWORD)


def test_change_password_refuses_weak_new_password(signed_in: Client, member: Member) -> None:
    response = signed_in.post(
        CHANGE_PASSWORD_URL,
        {"old_password": PASSWORD, "new_password1": "qwertyuiop", "new_password2": "qwertyuiop"},
    )

    assert response.status_code == 400
    html = response.content.decode()
    # Django's own form puts validator messages beside the confirmation field.
    assert "too common" in field_error(html, "new_password1") + field_error(html, "new_password2")
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


@pytest.mark.argon2
def test_change_password_keeps_this_session_and_signs_out_the_others(member: Member) -> None:
    here, elsewhere = Client(), Client()
    sign_in(here, "QuietHeron42")
    sign_in(elsewhere, "QuietHeron42")

    response = here.post(
        CHANGE_PASSWORD_URL,
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == SETTINGS_URL
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)
    assert member.password.startswith("argon2")
    assert here.get(SETTINGS_URL).status_code == 200
    assert elsewhere.get(SETTINGS_URL).status_code == 302
    assert sign_in(Client(), "QuietHeron42", PASSWORD).status_code == 200
    assert sign_in(Client(), "QuietHeron42", NEW_PASSWORD).status_code == 302


def test_rename_shows_new_name_on_posts_and_old_name_nowhere(
    member: Member, make_thread: Callable, make_reply: Callable
) -> None:
    thread: Thread = make_thread(author=member, title="Starting slowly")
    make_reply(thread, author=member, body="A small update from me.")
    client = Client()
    sign_in(client, "QuietHeron42")
    thread_url = thread.get_absolute_url()
    category_url = thread.category.get_absolute_url()
    # Seen once before the rename, so any cached fragment holds the old name.
    assert "QuietHeron42" in Client().get(thread_url).content.decode()
    assert "QuietHeron42" in client.get(category_url).content.decode()

    response = client.post(RENAME_URL, {"pseudonym": "GentleOtter7"})

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.pseudonym == "GentleOtter7"
    for viewer in (Client(), client):
        for url in (thread_url, category_url, reverse("forum:home")):
            html = viewer.get(url).content.decode()
            assert "quietheron" not in html.casefold(), url
        thread_html = viewer.get(thread_url).content.decode()
        assert thread_html.count('<span class="post-author">GentleOtter7</span>') == 2
    assert signed_in_pk(client) == str(member.pk)
    assert sign_in(Client(), "GentleOtter7").status_code == 302
    assert sign_in(Client(), "QuietHeron42").status_code == 200


@pytest.mark.parametrize("taken", ["BraveOtter11", "braveotter11", "ＢＲＡＶＥＯＴＴＥＲ11"])
def test_rename_to_taken_name_is_refused_ignoring_case(
    signed_in: Client, member: Member, make_member: Callable, taken: str
) -> None:
    make_member("BraveOtter11")

    response = signed_in.post(RENAME_URL, {"pseudonym": taken})

    assert response.status_code == 400
    html = response.content.decode()
    assert "That pseudonym is taken" in field_error(html, "pseudonym")
    assert input_value(html, "pseudonym") == taken
    member.refresh_from_db()
    assert member.pseudonym == "QuietHeron42"


def test_rename_to_own_name_in_other_case_is_allowed(signed_in: Client, member: Member) -> None:
    response = signed_in.post(RENAME_URL, {"pseudonym": "quietHeron42"})

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.pseudonym == "quietHeron42"


@pytest.mark.parametrize("pseudonym", ["Moderator", "ab", "Quiet Heron", "Quiet\u202eHeron"])
def test_rename_applies_the_pseudonym_rules(
    signed_in: Client, member: Member, pseudonym: str
) -> None:
    response = signed_in.post(RENAME_URL, {"pseudonym": pseudonym})

    assert response.status_code == 400
    assert field_error(response.content.decode(), "pseudonym")
    member.refresh_from_db()
    assert member.pseudonym == "QuietHeron42"


# --- CSRF -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "data"),
    [
        (SIGNUP_URL, {"pseudonym": "GentleOtter7", "new_password1": PASSWORD}),
        (LOGIN_URL, {"username": "QuietHeron42", "password": PASSWORD}),
        (RECOVER_URL, {"pseudonym": "QuietHeron42", "code": "AAAA-BBBB-CCCC"}),
    ],
)
def test_csrf_missing_on_account_forms_gives_403_page(
    member: Member, url: str, data: dict[str, str]
) -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.post(url, {**data, "new_password2": PASSWORD})

    assert response.status_code == 403
    assert "403_csrf.html" in [template.name for template in response.templates]
    assert "That form had expired" in response.content.decode()
    assert signed_in_pk(client) is None
    assert not Member.objects.filter(pseudonym="GentleOtter7").exists()


@pytest.mark.parametrize(
    "url",
    [LOGOUT_URL, CHANGE_PASSWORD_URL, RENAME_URL, reverse("forum:regenerate_codes")],
)
def test_csrf_missing_on_signed_in_forms_gives_403_page(member: Member, url: str) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)

    response = client.post(url, {"pseudonym": "GentleOtter7", "password": PASSWORD})

    assert response.status_code == 403
    assert "That form had expired" in response.content.decode()
    assert signed_in_pk(client) == str(member.pk)
    member.refresh_from_db()
    assert member.pseudonym == "QuietHeron42"


def test_csrf_token_from_the_page_lets_the_form_through(db: None) -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get(SIGNUP_URL).content.decode()
    token = input_value(page, "csrfmiddlewaretoken")

    response = client.post(
        SIGNUP_URL,
        {
            "csrfmiddlewaretoken": token,
            "pseudonym": "GentleOtter7",
            "new_password1": PASSWORD,
            "new_password2": PASSWORD,
        },
    )

    assert response.status_code == 302
    assert Member.objects.filter(pseudonym="GentleOtter7").exists()

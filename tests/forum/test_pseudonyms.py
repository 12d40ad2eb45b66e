"""Joining with a pseudonym: what the sign-up page offers and which names it accepts.

Every name is tried through the real sign-up view, so the rules proven here are the ones
a person meets in the browser.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from forum import account_views
from forum.models import Member
from forum.pseudonyms import pseudonym_key, suggest_pseudonyms, validate_pseudonym
from tests.conftest import PASSWORD

SIGNUP_URL = reverse("forum:signup")
SUGGESTION = re.compile(r'<button[^>]*class="suggestion[^"]*"[^>]*value="([^"]*)"')
INPUT_TAG = re.compile(r"<(?:input|textarea|select)\b[^>]*>", re.IGNORECASE)
FORM_BLOCK = re.compile(r'<form method="post" class="account-form".*?</form>', re.DOTALL)


def sign_up(client: Client, pseudonym: str, password: str = PASSWORD):
    return client.post(
        SIGNUP_URL,
        {"pseudonym": pseudonym, "new_password1": password, "new_password2": password},
    )


def assert_refused(response, pseudonym: str) -> None:
    """The sign-up page came back with an error beside the pseudonym, and no account."""
    assert response.status_code == 200
    assert "pseudonym" in response.context["form"].errors
    assert 'id="id_pseudonym_error"' in response.content.decode()
    assert not Member.objects.filter(pseudonym=pseudonym).exists()


def assert_accepted(response, pseudonym: str) -> Member:
    assert response.status_code == 302, response.context["form"].errors
    assert response["Location"] == reverse("forum:recovery_codes")
    return Member.objects.get(pseudonym_key=pseudonym_key(pseudonym))


# --- The sign-up page -----------------------------------------------------------------


@pytest.mark.django_db
def test_signup_page_asks_only_for_pseudonym_and_password() -> None:
    response = Client().get(SIGNUP_URL)

    assert response.status_code == 200
    assert list(response.context["form"].fields) == ["pseudonym", "new_password1", "new_password2"]
    form_html = FORM_BLOCK.search(response.content.decode())
    assert form_html is not None
    fields = INPUT_TAG.findall(form_html.group(0))
    assert fields, "the sign-up form shows no fields"
    for tag in fields:
        assert "email" not in tag.lower(), tag
        assert 'type="tel"' not in tag


@pytest.mark.django_db
def test_signup_page_explains_why_a_real_name_is_a_bad_idea() -> None:
    html = Client().get(SIGNUP_URL).content.decode()

    assert "real name" in html
    assert "no email address" in html


@pytest.mark.django_db
def test_signup_page_offers_three_valid_free_suggestions(make_member: Callable) -> None:
    make_member("QuietHeron42")

    html = Client().get(SIGNUP_URL).content.decode()

    suggestions = SUGGESTION.findall(html)
    assert len(suggestions) == 3
    assert len({pseudonym_key(name) for name in suggestions}) == 3
    for name in suggestions:
        validate_pseudonym(name)
        assert not Member.objects.filter(pseudonym_key=pseudonym_key(name)).exists()


@pytest.mark.django_db
def test_signup_page_suggestions_leave_out_taken_names(
    make_member: Callable, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_member("QuietHeron42")
    make_member("BraveOtter11")
    offered = [
        "quietheron42",
        "BraveOtter11",
        "CalmFern12",
        "KindMoss13",
        "WarmWren14",
        "SoftDune15",
    ]
    monkeypatch.setattr(account_views, "suggest_pseudonyms", lambda count: offered[:count])

    html = Client().get(SIGNUP_URL).content.decode()

    assert SUGGESTION.findall(html) == ["CalmFern12", "KindMoss13", "WarmWren14"]


def test_suggest_pseudonyms_are_two_friendly_words_and_a_number() -> None:
    for _ in range(50):
        names = suggest_pseudonyms(3)
        assert len(set(names)) == 3
        for name in names:
            assert re.fullmatch(r"[A-Z][a-z]+[A-Z][a-z]+[1-9][0-9]", name), name
            validate_pseudonym(name)


# --- Length and characters ------------------------------------------------------------


@pytest.mark.parametrize("pseudonym", ["ab", "Jo", "x" * 31, "QuietHeronQuietHeronQuietHeron1"])
def test_signup_refuses_pseudonym_shorter_than_3_or_longer_than_30(
    db: None, pseudonym: str
) -> None:
    response = sign_up(Client(), pseudonym)

    assert_refused(response, pseudonym)
    assert "3 to 30 characters" in response.content.decode()


@pytest.mark.parametrize("pseudonym", ["Ada", "x" * 30, "Quiet_Heron-42"])
def test_signup_accepts_pseudonym_of_3_to_30_letters_digits_underscore_hyphen(
    db: None, pseudonym: str
) -> None:
    assert_accepted(sign_up(Client(), pseudonym), pseudonym)


@pytest.mark.parametrize(
    "pseudonym",
    ["Quiet Heron", "Heron🌿", "😀😀😀", "me@example.com", "quiet.heron", "<b>Heron</b>"],
)
def test_signup_refuses_spaces_emoji_and_other_signs(db: None, pseudonym: str) -> None:
    response = sign_up(Client(), pseudonym)

    assert_refused(response, pseudonym)
    assert "no spaces or other signs" in response.content.decode()


@pytest.mark.parametrize(
    "pseudonym",
    [
        "Quiet\u200bHeron",  # zero-width space
        "Quiet\u202eHeron",  # right-to-left override
        "Quiet\u200dHeron",  # zero-width joiner
        "Quiet\u2066Heron",  # left-to-right isolate
        "\ufeffQuietHeron",  # zero-width no-break space
    ],
)
def test_signup_refuses_zero_width_and_bidi_control_characters(db: None, pseudonym: str) -> None:
    response = sign_up(Client(), pseudonym)

    assert_refused(response, pseudonym)
    assert "invisible or text-direction characters" in response.content.decode()
    assert not Member.objects.filter(pseudonym_key__contains="quiet").exists()


# --- Uniqueness -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "pseudonym",
    [
        "QuietHeron42",
        "quietheron42",
        "QUIETHERON42",
        "ＱｕｉｅｔＨｅｒｏｎ42",
        "ＱｕｉｅｔＨｅｒｏｎ４２",
    ],
)
def test_signup_refuses_taken_pseudonym_ignoring_case_and_width(
    member: Member, pseudonym: str
) -> None:
    response = sign_up(Client(), pseudonym)

    assert response.status_code == 200
    assert "That pseudonym is taken" in response.context["form"].errors["pseudonym"][0]
    assert Member.objects.count() == 1


def test_signup_refuses_composed_and_decomposed_forms_of_the_same_name(
    make_member: Callable,
) -> None:
    make_member("Zoë42")  # "ë" as one character

    response = sign_up(Client(), "Zoe\u030842")  # "e" followed by a combining diaeresis

    assert response.status_code == 200
    assert "That pseudonym is taken" in response.context["form"].errors["pseudonym"][0]


def test_signup_stores_full_width_pseudonym_in_its_normal_form(db: None) -> None:
    member = assert_accepted(sign_up(Client(), "ＧｅｎｔｌｅＦｅｒｎ７"), "GentleFern7")

    assert member.pseudonym == "GentleFern7"


def test_signup_accepts_30_character_name_whose_case_folded_key_is_longer(db: None) -> None:
    # "ß" case-folds to "ss": a valid 30-character name has a 35-character comparison key,
    # which must still fit the column that holds it (PostgreSQL refuses a longer value).
    pseudonym = "Straße" * 5

    member = assert_accepted(sign_up(Client(), pseudonym), pseudonym)

    key_column = Member._meta.get_field("pseudonym_key")
    assert len(member.pseudonym_key) <= key_column.max_length


# --- Names that imitate the people who run the site -----------------------------------


@pytest.mark.parametrize(
    "pseudonym",
    [
        "admin",
        "Adm1n",
        "Admln",
        "AdMiN",
        "the_moderator",
        "Moderator42",
        "M0derator",
        "StaffTeam",
        "st4ff",
        "Mod",
        "\u0430dmin",  # Cyrillic "а"
        "\u0430dm\u0456n",  # Cyrillic "а" and "і"
        "\u0391D\u039c\u0399N",  # Greek capitals
        "ＡＤＭＩＮ",  # full-width
        "𝐚𝐝𝐦𝐢𝐧",  # mathematical bold
        "OwnPace",
        "Official",
        # Look-alikes the rules above still let through:
        "themoderator",  # "the_moderator" without its underscore
        "siteadmin",
        "42admin",  # "admin42" is refused
        "ᴀᴅᴍɪɴ",  # small capitals
        "\u0251dmin",  # Latin alpha "ɑ"
        "Admín",  # accented "í"
        "Adrnin",  # "rn" reads as "m"
    ],
)
def test_signup_refuses_names_that_imitate_staff(db: None, pseudonym: str) -> None:
    response = sign_up(Client(), pseudonym)

    assert_refused(response, pseudonym)
    assert "mistaken for someone who runs the site" in response.content.decode()


@pytest.mark.parametrize(
    "pseudonym",
    ["Badminton", "Modest", "Admiral", "Mediator", "Zoë", "Łucja", "Анна", "Θεοδώρα", "Hoàng"],
)
def test_signup_accepts_ordinary_and_non_latin_names(db: None, pseudonym: str) -> None:
    member = assert_accepted(sign_up(Client(), pseudonym), pseudonym)

    assert member.pseudonym == pseudonym


def test_validate_pseudonym_gives_the_reason_as_a_code() -> None:
    reasons = {}
    for name in ("ab", "a b", "a\u200bb", "admin"):
        with pytest.raises(ValidationError) as refused:
            validate_pseudonym(name)
        reasons[name] = refused.value.code

    assert reasons == {
        "ab": "length",
        "a b": "characters",
        "a\u200bb": "invisible",
        "admin": "staff",
    }

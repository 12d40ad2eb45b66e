"""What a person does in the browser, shared by the browser tests."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from forum.models import Member
from tests.conftest import PASSWORD


def label(text: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(text)}:?$")


def sign_in(page: Page, member: Member) -> None:
    page.goto("/login/")
    page.get_by_label(label("Pseudonym")).fill(member.pseudonym)
    page.get_by_label(label("Password")).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/login/"))

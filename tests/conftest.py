"""Fixtures shared by every test. Test data is made through the real actions."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import pytest
from django.core.cache import cache
from django.test import Client
from pytest_django.fixtures import Settings

from forum import actions, broadcast
from forum.models import Category, Member, Post, Thread, TrustLevel
from tests.sockets import QUIET_SECONDS

PASSWORD = "a calm and long passphrase"
_numbers = itertools.count(1)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Playwright's sync API leaves an event loop running in the main thread; async tests
    # after the first browser test would fail, so the browser tests go last.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(autouse=True)
def _quick_password_hashing(request: pytest.FixtureRequest, settings: Settings) -> None:
    # Argon2 costs about 100 MB and a third of a second per hash: tests about password
    # storage keep it (marker "argon2"), and so do browser tests, whose server process
    # hashes with the production settings.
    if not any(request.node.get_closest_marker(name) for name in ("argon2", "browser")):
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _rate_limits_off(request: pytest.FixtureRequest, settings: Settings) -> None:
    # Tests post quickly, one after another: the posting and sign-up limits would refuse
    # them. Tests of the limits themselves carry the marker "rate_limits".
    if not request.node.get_closest_marker("rate_limits"):
        settings.RATE_LIMITS = False


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    # Throttle counters and post fragments must not leak from one test into the next.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def prompt_reader_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reader counts settle before they are sent; for socket tests they settle well
    inside the quiet moment the tests wait for (tests/sockets.py)."""
    monkeypatch.setattr(broadcast, "READERS_SETTLE_SECONDS", QUIET_SECONDS / 4)


@pytest.fixture
def make_member(db: None) -> Callable[..., Member]:
    def make(
        pseudonym: str | None = None, password: str = PASSWORD, trust: str = TrustLevel.MEMBER
    ) -> Member:
        # Members by default, so their posts publish at once; TrustLevel.NEW for the
        # first posts that wait for approval.
        member, _codes = actions.register_member(
            pseudonym=pseudonym or f"Member{next(_numbers)}", password=password, trust_level=trust
        )
        return member

    return make


@pytest.fixture
def member(make_member: Callable[..., Member]) -> Member:
    return make_member("QuietHeron42")


@pytest.fixture
def category(db: None) -> Category:
    return Category.objects.get(slug="questions-support")


@pytest.fixture
def make_thread(make_member: Callable[..., Member], category: Category) -> Callable[..., Thread]:
    def make(
        author: Member | None = None,
        title: str = "How did you start?",
        body: str = "I would love to hear how the first weeks went for you.",
        in_category: Category | None = None,
    ) -> Thread:
        return actions.start_thread(
            author=author or make_member(),
            category=in_category or category,
            title=title,
            body=body,
        )

    return make


@pytest.fixture
def make_reply(make_member: Callable[..., Member]) -> Callable[..., Post]:
    def make(thread: Thread, author: Member | None = None, body: str = "Same here.") -> Post:
        return actions.post_reply(author=author or make_member(), thread=thread, body=body)

    return make


@pytest.fixture
def signed_in(member: Member) -> Client:
    client = Client()
    client.force_login(member)
    return client

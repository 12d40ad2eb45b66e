"""Who may open what: every moderation URL against every kind of visitor.

Moderator pages need the permission *and* a code checked this session; member pages need
an account; the transparency page is public. CSRF is enforced on every POST."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from forum.guidelines import Guideline
from forum.models import Member, Post, Thread
from moderation import actions
from moderation.models import Notice, ReviewItem
from tests.conftest import PASSWORD
from tests.moderation.clients import unverified_client, verified_client

ROLES = (
    "visitor",
    "member",
    "suspended",
    "moderator_without_2fa",
    "moderator_unverified",
    "moderator",
    "suspended_moderator",
    "admin",
)


@dataclass
class World:
    clients: dict[str, Client]
    post: Post
    thread: Thread
    author: Member
    item: ReviewItem
    notice: Notice


@pytest.fixture
def world(
    make_member: Callable[..., Member],
    make_moderator: Callable[..., Member],
    make_thread: Callable[..., Thread],
    make_held_reply: Callable[..., tuple[Post, ReviewItem]],
) -> World:
    moderator = make_moderator("SteadyLark")
    author = make_member("KindFern")
    thread = make_thread(author=author, title="Gentle first steps")
    post = thread.posts.get()
    _held, item = make_held_reply()
    warned = actions.warn_member(
        moderator=moderator, member=author, reason="Please be gentle.", guideline=Guideline.BE_KIND
    )
    suspended = make_member("PausedWren")
    actions.suspend_member(
        moderator=moderator,
        member=suspended,
        days=3,
        reason="Pressure on another member.",
        guideline=Guideline.NO_PRESSURE,
    )
    paused_moderator = make_moderator("WearyKite")
    actions.suspend_member(
        moderator=moderator,
        member=paused_moderator,
        days=1,
        reason="Taking a break after a hard week.",
        guideline=Guideline.BE_KIND,
    )
    admin = Member.objects.create_superuser("OldOak", PASSWORD)
    clients = {
        "visitor": Client(),
        "member": unverified_client(make_member("QuietReader"), with_device=False),
        "suspended": unverified_client(suspended, with_device=False),
        "moderator_without_2fa": unverified_client(make_moderator("FreshHeron"), with_device=False),
        "moderator_unverified": unverified_client(make_moderator("BusyOtter"), with_device=True),
        "moderator": verified_client(moderator),
        # Verified before the suspension: it still ends their moderating at once.
        "suspended_moderator": verified_client(paused_moderator),
        "admin": verified_client(admin),
    }
    return World(clients, post, thread, author, item, warned)


def _outcome(response: object) -> str:
    status = response.status_code  # type: ignore[attr-defined]
    if status in (301, 302):
        target = response["Location"]  # type: ignore[index]
        for name, label in (
            (settings.LOGIN_URL, "sign-in"),
            ("moderation:two_factor_setup", "setup"),
            ("moderation:two_factor_verify", "verify"),
        ):
            if target.startswith(reverse(name)):
                return label
        return f"redirect {target}"
    return str(status)


# Moderator pages: who gets what.
MODERATOR_PAGE = {
    "visitor": "sign-in",
    "member": "403",
    "suspended": "403",
    "moderator_without_2fa": "setup",
    "moderator_unverified": "verify",
    "moderator": "200",
    "suspended_moderator": "403",
    "admin": "200",
}
# The same for a POST with nothing in it: allowed people reach the form, which refuses.
MODERATOR_POST = {**MODERATOR_PAGE, "moderator": "400", "admin": "400"}


def _url(world: World, name: str) -> str:
    args = {
        "decide": [world.item.pk],
        "post": [world.post.pk],
        "thread": [world.thread.pk],
        "member": [world.author.pk],
        "report": [world.post.pk],
        "appeal": [world.notice.pk],
    }.get(name, [])
    return reverse(f"moderation:{name}", args=args)


@pytest.mark.parametrize(
    "name", ["queue", "queue_items", "log", "words", "post", "thread", "member"]
)
def test_moderator_pages_open_only_to_verified_moderators(world: World, name: str) -> None:
    url = _url(world, name)
    seen = {role: _outcome(world.clients[role].get(url)) for role in ROLES}
    assert seen == MODERATOR_PAGE


@pytest.mark.parametrize("name", ["decide", "words", "post", "thread", "member"])
def test_moderator_posts_reach_only_verified_moderators(world: World, name: str) -> None:
    url = _url(world, name)
    seen = {role: _outcome(world.clients[role].post(url, {})) for role in ROLES}
    assert seen == MODERATOR_POST


def test_decide_takes_no_get(world: World) -> None:
    assert world.clients["moderator"].get(_url(world, "decide")).status_code == 405


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "two_factor_setup",
            {
                "visitor": "sign-in",
                "member": "403",
                "suspended": "403",
                "moderator_without_2fa": "200",
                "moderator_unverified": "verify",
                "moderator": "verify",
                "suspended_moderator": "403",
                "admin": "verify",
            },
        ),
        (
            "two_factor_verify",
            {
                "visitor": "sign-in",
                "member": "403",
                "suspended": "403",
                "moderator_without_2fa": "setup",
                "moderator_unverified": "200",
                "moderator": "redirect /moderation/",
                "suspended_moderator": "403",
                "admin": "redirect /moderation/",
            },
        ),
    ],
)
def test_two_factor_pages_open_only_to_moderators(
    world: World, name: str, expected: dict[str, str]
) -> None:
    url = _url(world, name)
    seen = {role: _outcome(world.clients[role].get(url)) for role in ROLES}
    assert seen == expected


MEMBER_PAGE = {role: "200" for role in ROLES} | {"visitor": "sign-in"}


@pytest.mark.parametrize("name", ["report", "my_reports", "notices"])
def test_member_pages_open_to_every_member_without_two_factor(world: World, name: str) -> None:
    url = _url(world, name)
    seen = {role: _outcome(world.clients[role].get(url)) for role in ROLES}
    assert seen == MEMBER_PAGE


def test_unread_notices_answers_members_only(world: World) -> None:
    url = _url(world, "unread_notices")
    seen = {role: _outcome(world.clients[role].get(url)) for role in ROLES}
    assert seen == {role: "200" for role in ROLES} | {"visitor": "403"}


def test_appeal_is_only_for_the_notices_own_recipient(world: World) -> None:
    url = _url(world, "appeal")
    seen = {
        role: _outcome(world.clients[role].post(url, {"text": "Please look again."}))
        for role in ROLES
    }
    # Nobody but its recipient can even find the notice, moderators included.
    assert seen == {role: "404" for role in ROLES} | {"visitor": "sign-in"}
    owner = unverified_client(world.author, with_device=False)
    # A warning cannot be appealed: the recipient reaches the form, which says so.
    assert owner.post(url, {"text": "Please look again at this."}).status_code == 400


def test_transparency_is_public(world: World) -> None:
    url = _url(world, "transparency")
    seen = {role: _outcome(world.clients[role].get(url)) for role in ROLES}
    assert seen == {role: "200" for role in ROLES}


def test_report_posts_refuse_visitors(world: World) -> None:
    response = world.clients["visitor"].post(_url(world, "report"), {"reason": "spam"})
    assert _outcome(response) == "sign-in"


# --- CSRF --------------------------------------------------------------------------------

POST_ENDPOINTS = ["decide", "words", "post", "thread", "member", "report", "appeal"]


@pytest.mark.parametrize("name", POST_ENDPOINTS)
def test_every_post_endpoint_enforces_csrf(
    world: World, name: str, make_moderator: Callable[..., Member]
) -> None:
    client = verified_client(make_moderator("TidyFinch"), enforce_csrf_checks=True)
    if name == "appeal":
        client = Client(enforce_csrf_checks=True)
        client.force_login(world.author)
    response = client.post(
        _url(world, name),
        {"do": "lock", "reason": "spam", "decision": "approve", "version": 1, "text": "x y z"},
    )
    assert response.status_code == 403
    assert "That form had expired" in response.content.decode()


@pytest.mark.parametrize("name", ["two_factor_setup", "two_factor_verify"])
def test_two_factor_forms_enforce_csrf(
    world: World, name: str, make_moderator: Callable[..., Member]
) -> None:
    client = unverified_client(
        make_moderator("NeatCrane"),
        with_device=name == "two_factor_verify",
        enforce_csrf_checks=True,
    )
    assert client.post(_url(world, name), {"code": "123456"}).status_code == 403


def test_with_its_token_a_post_passes_csrf(
    world: World, make_moderator: Callable[..., Member]
) -> None:
    client = verified_client(make_moderator("BriskRobin"), enforce_csrf_checks=True)
    page = client.get(_url(world, "thread"))
    token = page.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(
        _url(world, "thread"),
        {"do": "lock", "reason": "Cooling down.", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    world.thread.refresh_from_db()
    assert world.thread.is_locked

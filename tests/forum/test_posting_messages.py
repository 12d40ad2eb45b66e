"""What the reply and new-thread forms say when the screening stops a post: one calm
message about identifying details, pointing the right way to the kept text, and refusals
that say "below" only where the text is below them."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from forum.models import Category, Member, Thread, TrustLevel
from moderation import actions as moderation
from moderation.models import WatchedWord
from tests.helpers import client_for

pytestmark = pytest.mark.django_db

BODY = "Write to me at quiet.heron@example.org any time."


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def warning_box(html: str) -> str:
    start = html.index('id="confirm-identifying"')
    start = html.rindex("<div", 0, start)
    return html[start : html.index('<div class="form-actions">', start)]


@pytest.fixture
def thread(make_thread: Callable[..., Thread], make_member: Callable[..., Member]) -> Thread:
    return make_thread(author=make_member("ThreadStarter"), title="Starting with dilators")


def test_identifying_warning_on_a_reply_is_one_calm_message_pointing_above(
    thread: Thread, make_member: Callable[..., Member]
) -> None:
    html = client_for(make_member()).post(f"/t/{thread.pk}/reply/", {"body": BODY}).content.decode()
    box = warning_box(html)
    # One message, not styled as an error, and the text it speaks of is above it.
    assert box.count("<p>") == 1
    assert "form-errors" not in box
    assert "<strong>" not in box
    assert 'role="alert"' not in box
    assert "kept below" not in html
    assert "Your text is kept in the box above." in text_of(box)
    assert html.index("quiet.heron@example.org any time.</textarea>") < html.index(
        'id="confirm-identifying"'
    )
    # It says once what the member may do.
    assert text_of(box).count("publish anyway") == 1


def test_identifying_warning_on_a_new_thread_is_one_calm_message(
    category: Category, make_member: Callable[..., Member]
) -> None:
    fields = {"category": category.pk, "title": "Hello", "body": "Call me on 0612 345 678."}
    html = client_for(make_member()).post("/new/", fields).content.decode()
    box = warning_box(html)
    assert box.count("<p>") == 1
    assert "form-errors" not in box
    assert "Your text is kept in the box above." in text_of(box)
    assert html.index("Call me on 0612 345 678.</textarea>") < html.index(
        'id="confirm-identifying"'
    )


def test_a_refusal_that_says_kept_below_is_shown_above_the_text(
    thread: Thread, make_member: Callable[..., Member]
) -> None:
    keeper = make_member("SteadyKeeper")
    moderation.make_moderator(member=keeper, by=None, reason="a moderator for the tests")
    moderation.add_watched_word(
        moderator=Member.objects.get(pk=keeper.pk),
        phrase="miracle cure",
        action=WatchedWord.Action.BLOCK,
    )
    body = "Try this miracle cure, honestly."
    html = client_for(make_member()).post(f"/t/{thread.pk}/reply/", {"body": body}).content.decode()
    assert "your text is kept below" in html
    assert html.index("your text is kept below") < html.index(f"{body}</textarea>")


def test_the_new_members_link_refusal_is_shown_above_the_text(
    thread: Thread, make_member: Callable[..., Member]
) -> None:
    body = " ".join(f"https://example.org/{n}" for n in range(8))
    newcomer = make_member("FirstSteps", trust=TrustLevel.NEW)
    html = client_for(newcomer).post(f"/t/{thread.pk}/reply/", {"body": body}).content.decode()
    assert "your text is kept below" in html
    assert html.index("your text is kept below") < html.index(f"{body}</textarea>")

"""While the database cannot be reached: a calm 503 page that hands a form's text back, and
the next request after it returns works, in the same process, without a restart."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from pathlib import Path

import psycopg
import pytest
from django.db import OperationalError, connection, connections
from django.test import AsyncClient, Client
from django.urls import reverse

from forum.models import Category, Member, Thread
from tests.helpers import client_for, database_unreachable

pytestmark = pytest.mark.django_db


def browser(member: Member | None = None) -> Client:
    # The test client would re-raise the error the handler answered; a browser sees the page.
    return client_for(member, raise_request_exception=False)


def kept(html: str, field: str) -> str | None:
    found = re.search(rf'<textarea id="kept-{field}" readonly[^>]*>(.*?)</textarea>', html, re.S)
    return unescape(found.group(1)) if found else None


def test_a_page_while_the_database_is_unreachable_is_the_calm_503_page(
    make_thread: Callable[..., Thread],
) -> None:
    thread = make_thread()
    with database_unreachable():
        response = browser().get(reverse("forum:thread", args=[thread.pk]))
    assert response.status_code == 503
    page = response.content.decode()
    assert "Own Pace is back in a moment" in page
    assert 'class="leave-quickly"' in page
    assert "js/safety.js" in page


def test_the_503_page_says_when_to_try_again_and_is_never_cached() -> None:
    with database_unreachable():
        response = browser().get("/")
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["Cache-Control"] == "no-store"


def test_a_signed_in_member_gets_the_503_page_too(member: Member) -> None:
    client = browser(member)
    with database_unreachable():
        response = client.get(reverse("forum:settings"))
    assert response.status_code == 503


def test_a_new_thread_posted_while_the_database_is_unreachable_comes_back_on_the_503_page(
    member: Member, category: Category
) -> None:
    client = browser(member)
    title = "Three weeks <in>"
    body = "Dilator size 2 felt fine today & I cried a little. <script>x</script>"
    with database_unreachable():
        response = client.post(
            reverse("forum:new_thread"), {"category": category.pk, "title": title, "body": body}
        )
    assert response.status_code == 503
    page = response.content.decode()
    assert kept(page, "title") == title
    assert kept(page, "body") == body
    assert "<script>x</script>" not in page
    assert not Thread.objects.filter(title=title).exists()


def test_a_reply_posted_while_the_database_is_unreachable_comes_back_on_the_503_page(
    member: Member, make_thread: Callable[..., Thread]
) -> None:
    thread = make_thread()
    client = browser(member)
    with database_unreachable():
        response = client.post(reverse("forum:reply", args=[thread.pk]), {"body": "Me too."})
    assert response.status_code == 503
    assert kept(response.content.decode(), "body") == "Me too."
    assert kept(response.content.decode(), "title") is None


def test_a_page_read_while_the_database_is_unreachable_hands_nothing_back() -> None:
    with database_unreachable():
        response = browser().get("/", {"body": "not a form"})
    assert kept(response.content.decode(), "body") is None


def test_the_site_recovers_once_the_database_is_back_without_a_restart(
    member: Member, category: Category
) -> None:
    client = browser(member)
    with database_unreachable():
        assert client.get("/").status_code == 503
    assert client.get("/").status_code == 200
    response = client.post(
        reverse("forum:new_thread"),
        {"category": category.pk, "title": "Back again", "body": "Posting works again."},
    )
    assert response.status_code == 302
    assert Thread.objects.filter(title="Back again").exists()


def test_any_other_server_error_is_still_the_500_page(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug, not an outage")

    monkeypatch.setattr("forum.views.render", broken)
    response = browser().get(reverse("forum:home"))
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_the_503_page_is_answered_under_asgi_too() -> None:
    # Production serves ASGI, where a view's exception reaches the handler in another
    # thread: the error must still be recognised there.
    with database_unreachable():
        response = await AsyncClient(raise_request_exception=False).get(reverse("forum:home"))
    assert response.status_code == 503
    assert "Own Pace is back in a moment" in response.content.decode()


# --- The connections as configured ------------------------------------------------------


def test_an_unreachable_database_raises_what_the_503_page_answers(tmp_path: Path) -> None:
    # The settings' connection options (on PostgreSQL the pool and its timeouts), pointed
    # at a database that cannot be reached: what reaches the handler is Django's
    # OperationalError (on PostgreSQL after the pool's timeout).
    if connection.vendor == "postgresql":
        where = {"HOST": "127.0.0.1", "PORT": "9"}
    else:
        where = {"NAME": str(tmp_path / "no-such-folder" / "db.sqlite3")}
    settings_dict = {**connections["default"].settings_dict, **where}
    unreachable = type(connections["default"])(settings_dict, alias="unreachable")
    try:
        with pytest.raises(OperationalError):
            unreachable.ensure_connection()
    finally:
        if connection.vendor == "postgresql":
            unreachable.close_pool()  # type: ignore[attr-defined]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_connections_the_server_dropped_are_replaced() -> None:
    # As after a database restart: every pooled connection is cut while idle (SQLite has
    # no server: its connection is simply closed and opened again).
    connection.ensure_connection()
    connection.close()  # back to the pool, as at the end of every request
    if connection.vendor == "postgresql":
        params = connection.get_connection_params()
        params.pop("pool", None)
        with psycopg.connect(**params, autocommit=True) as admin:
            dropped = admin.execute(
                "SELECT pid FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
            for (pid,) in dropped:
                admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        assert dropped

    response = client_for(None).get(reverse("forum:home"))

    assert response.status_code == 200

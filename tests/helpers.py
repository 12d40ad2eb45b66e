"""Small readers of responses and of the database, shared by the test modules."""

from __future__ import annotations

import base64
import re
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from django.contrib.auth import SESSION_KEY
from django.db import OperationalError, connection, connections
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from forum.models import Member
from tests.conftest import PASSWORD


def client_for(member: Member | None, **kwargs: object) -> Client:
    """A browser of the test client's kind, signed in as `member` (or a visitor for None)."""
    client = Client(**kwargs)  # type: ignore[arg-type]
    if member is not None:
        client.force_login(member)
    return client


def signed_in_pk(client: Client) -> str | None:
    return client.session.get(SESSION_KEY)


def sign_in(client: Client, pseudonym: str, password: str = PASSWORD, **extra: str) -> HttpResponse:
    return client.post(  # type: ignore[return-value]
        reverse("forum:login"), {"username": pseudonym, "password": password, **extra}
    )


def input_value(html: str, name: str) -> str | None:
    """The value an <input> was rendered with, or None when it has none."""
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert tag is not None, f"no input named {name}"
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else None


def field_error(html: str, field: str) -> str:
    """The text of the error list Django renders beside one field ("" when there is none)."""
    found = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', html, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)).strip() if found else ""


def _decoded_session(data: str) -> str:
    # A stored session as anyone reading the table sees it: signing is not encryption.
    payload = data.split(":", 1)[0]
    compressed = payload.startswith(".")
    payload = payload.removeprefix(".")
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return (zlib.decompress(raw) if compressed else raw).decode("utf-8", "replace")


def stored_values() -> list[str]:
    """Every value of every row of every table, as text, with session data decoded."""
    values: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                values.extend(str(value) for value in row if value is not None)
        cursor.execute("SELECT session_data FROM django_session")
        values.extend(_decoded_session(data) for (data,) in cursor.fetchall())
    return values


@contextmanager
def database_unreachable() -> Iterator[None]:
    """Every new use of the database fails as it does while the server is down: Django
    wraps the pool's PoolTimeout (no connection within its timeout) in OperationalError."""
    error = OperationalError("couldn't get a connection after 5.00 sec")
    with mock.patch.object(type(connections["default"]), "ensure_connection", side_effect=error):
        yield

"""WebSocket helpers for tests that listen the way a page does: through the project's
own ASGI application (origin check, sessions, routing), with the test client's session."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from config.asgi import application
from forum.models import Member, Thread

ORIGIN = (b"origin", b"http://testserver")
# Long enough for a message that is on its way; short enough to keep the suite quick.
QUIET_SECONDS = 0.2
EVENT_SECONDS = 3


def session_cookie(member: Member) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(member)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    return (b"cookie", f"{settings.SESSION_COOKIE_NAME}={session}".encode())


def communicator(path: str, *headers: tuple[bytes, bytes]) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, path, headers=list(headers))


@asynccontextmanager
async def open_socket(
    path: str, cookie: tuple[bytes, bytes] | None = None
) -> AsyncIterator[WebsocketCommunicator]:
    socket = communicator(path, ORIGIN, *([cookie] if cookie else []))
    connected, code = await socket.connect(timeout=EVENT_SECONDS)
    assert connected, f"{path} refused the socket with code {code}"
    try:
        yield socket
    finally:
        await socket.disconnect()


async def refusal(path: str, *headers: tuple[bytes, bytes]) -> int | None:
    """The close code a refused socket got, or None when the socket was accepted."""
    socket = communicator(path, *headers)
    connected, code = await socket.connect(timeout=EVENT_SECONDS)
    # A refused consumer may still be in a blocking read of the Redis layer, which does
    # not end at once when cancelled; nothing about it is under test.
    await socket.disconnect(timeout=QUIET_SECONDS)
    return None if connected else int(code)


async def rest(socket: WebsocketCommunicator) -> list[dict[str, Any]]:
    """Every event the socket receives until it has been quiet for a moment."""
    events = []
    while not await socket.receive_nothing(timeout=QUIET_SECONDS):
        events.append(await socket.receive_json_from(timeout=EVENT_SECONDS))
    return events


async def counted(socket: WebsocketCommunicator, readers: int) -> None:
    """Wait until a thread socket has heard that `readers` sockets are open."""
    while True:
        event = await socket.receive_json_from(timeout=EVENT_SECONDS)
        assert event["event"] == "readers_changed", event
        if event["readers"] == readers:
            return


async def next_event(socket: WebsocketCommunicator, name: str) -> dict[str, Any]:
    """The next event called `name`; reader counts that arrive first are passed over."""
    while True:
        event: dict[str, Any] = await socket.receive_json_from(timeout=EVENT_SECONDS)
        if event["event"] == name:
            return event
        assert event["event"] == "readers_changed", event


async def is_closed(
    socket: WebsocketCommunicator, passing: tuple[str, ...] = ("readers_changed",)
) -> bool:
    """Whether the server closes the socket; events named in `passing` (reader counts,
    unless told otherwise) may come first."""
    while True:
        output = await socket.receive_output(timeout=EVENT_SECONDS)
        if output["type"] == "websocket.close":
            return True
        assert json.loads(output["text"])["event"] in passing, output


def thread_path(thread: Thread) -> str:
    return f"/ws/threads/{thread.pk}/"

"""The moderators' socket: read-only, open only to moderators whose session passed the
two-factor check, and it says "queue_changed" when something enters or leaves the queue."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from config.asgi import application
from forum import actions as forum_actions
from forum.models import Member, Thread, TrustLevel
from moderation import actions
from tests.moderation.clients import unverified_client, verified_client

ORIGIN = (b"origin", b"http://testserver")
PATH = "/ws/moderation/"
EVENT_SECONDS = 3
CLOSE_NOT_ALLOWED = 4403

live_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _cookie(client: Client) -> tuple[bytes, bytes]:
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    return (b"cookie", f"{settings.SESSION_COOKIE_NAME}={session}".encode())


async def _connect(*headers: tuple[bytes, bytes]) -> tuple[WebsocketCommunicator, bool, int]:
    socket = WebsocketCommunicator(application, PATH, headers=[ORIGIN, *headers])
    connected, code = await socket.connect(timeout=EVENT_SECONDS)
    return socket, connected, code


@live_db
@pytest.mark.asyncio
async def test_moderator_socket_refuses_visitors_members_and_unverified_moderators(
    make_member: Callable[..., Member], make_moderator: Callable[..., Member]
) -> None:
    member = await database_sync_to_async(make_member)("PlainReader")
    moderator = await database_sync_to_async(make_moderator)("HalfwayHeron")
    clients = [
        await database_sync_to_async(unverified_client)(member, with_device=False),
        await database_sync_to_async(unverified_client)(moderator, with_device=True),
        # A member with a device in the session but no permission.
        await database_sync_to_async(verified_client)(member),
    ]
    socket, connected, code = await _connect()
    assert (connected, code) == (False, CLOSE_NOT_ALLOWED)
    for client in clients:
        socket, connected, code = await _connect(_cookie(client))
        assert (connected, code) == (False, CLOSE_NOT_ALLOWED)
        await socket.disconnect()


@live_db
@pytest.mark.asyncio
async def test_moderator_socket_hears_the_queue_change_of_a_held_post(
    make_member: Callable[..., Member],
    make_moderator: Callable[..., Member],
    make_thread: Callable[..., Thread],
) -> None:
    moderator = await database_sync_to_async(make_moderator)("AwakeLynx")
    client = await database_sync_to_async(verified_client)(moderator)
    thread = await database_sync_to_async(make_thread)()
    newcomer = await database_sync_to_async(make_member)("FirstTimer", trust=TrustLevel.NEW)
    socket, connected, _code = await _connect(_cookie(client))
    assert connected
    try:
        await database_sync_to_async(forum_actions.post_reply)(
            author=newcomer, thread=thread, body="Hello everyone, I am new."
        )
        event = await socket.receive_json_from(timeout=EVENT_SECONDS)
        assert event == {"event": "queue_changed"}
        # Whatever a client sends changes nothing.
        await socket.send_json_to({"type": "ping"})
        assert await socket.receive_json_from(timeout=EVENT_SECONDS) == {"event": "pong"}
    finally:
        await socket.disconnect()


@live_db
@pytest.mark.asyncio
async def test_moderator_socket_closes_when_the_device_is_no_longer_confirmed(
    make_moderator: Callable[..., Member],
) -> None:
    moderator = await database_sync_to_async(make_moderator)("DoubtfulJay")
    client = await database_sync_to_async(verified_client)(moderator)

    def unconfirm() -> None:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        TOTPDevice.objects.filter(user=moderator).update(confirmed=False)

    await database_sync_to_async(unconfirm)()
    socket, connected, code = await _connect(_cookie(client))
    assert (connected, code) == (False, CLOSE_NOT_ALLOWED)
    await socket.disconnect()


@live_db
@pytest.mark.asyncio
async def test_moderator_socket_closes_when_the_moderator_is_suspended(
    make_moderator: Callable[..., Member],
) -> None:
    moderator = await database_sync_to_async(make_moderator)("SternPike")
    other = await database_sync_to_async(make_moderator)("CheckedMoth")
    client = await database_sync_to_async(verified_client)(other)
    socket, connected, _code = await _connect(_cookie(client))
    assert connected
    await database_sync_to_async(actions.suspend_member)(
        moderator=moderator, member=other, days=1, reason="Pause", guideline="be-kind"
    )
    output = await socket.receive_output(timeout=EVENT_SECONDS)
    assert output["type"] == "websocket.close"

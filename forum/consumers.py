"""The live thread socket: read-only. It authorises on connect, joins groups and forwards.

Every write is an ordinary HTTP POST; nothing a client sends here changes anything.
"""

from __future__ import annotations

import json
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.core.cache import cache

from forum.broadcast import member_group, readers_changed_soon, readers_key, thread_group
from forum.models import Thread

# A client may only say it is still there; anything longer is not a ping.
MAX_CLIENT_MESSAGE = 64
READERS_SECONDS = 60 * 60 * 6
# Close codes in the application range, so the page can tell "not allowed" from a drop.
CLOSE_NOT_ALLOWED = 4403
CLOSE_TOO_LARGE = 1009


@database_sync_to_async
def _may_read(user: Any, thread_id: int) -> bool:
    # Only a published thread has a live page: a held one waits for approval, and a
    # removed or rejected one is gone from view.
    return Thread.objects.readable_by(user).listed().filter(pk=thread_id).exists()


class ReadOnlyConsumer(AsyncWebsocketConsumer):
    """A socket that only listens: a client may ping, and anything else is ignored."""

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if bytes_data is not None or text_data is None or len(text_data) > MAX_CLIENT_MESSAGE:
            await self.close(code=CLOSE_TOO_LARGE)
            return
        try:
            message = json.loads(text_data)
        except ValueError:
            return
        if isinstance(message, dict) and message.get("type") == "ping":
            await self.send(text_data='{"event": "pong"}')

    async def forward(self, message: dict[str, Any]) -> None:
        # The text was made once for every socket (broadcast.event_message).
        await self.send(text_data=message["text"])

    async def socket_close(self, message: dict[str, Any]) -> None:
        await self.close()


class ThreadConsumer(ReadOnlyConsumer):
    thread_id: int
    joined: list[str]

    async def connect(self) -> None:
        self.thread_id = int(self.scope["url_route"]["kwargs"]["thread_id"])
        self.joined = []
        user = self.scope["user"]
        if not await _may_read(user, self.thread_id):
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        self.joined.append(thread_group(self.thread_id))
        if user.is_authenticated:
            self.joined.append(member_group(user.pk))
        for group in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self._count_reader(+1)

    async def disconnect(self, code: int) -> None:
        if not self.joined:
            return
        for group in self.joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        await self._count_reader(-1)

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Forwarding a fragment touches no database: skip Channels' per-message hop to a
        # worker thread that closes old database connections (measured 3-4x faster
        # fan-out at a thousand sockets).
        if message["type"] == "thread.event":
            await self.thread_event(message)
            return
        await super().dispatch(message)

    async def thread_event(self, message: dict[str, Any]) -> None:
        await self.forward(message)

    async def member_event(self, message: dict[str, Any]) -> None:
        # The member's own events (notifications) are for the page-wide member socket;
        # this socket joins the member's group only to be closed with it.
        return

    async def _count_reader(self, change: int) -> None:
        # A count only: no names, nothing that tells who is online. Kept in the cache so
        # that every server process adds to the same number.
        key = readers_key(self.thread_id)
        try:
            if not (change > 0 and await cache.aadd(key, 1, READERS_SECONDS)):
                await cache.aincr(key, change)
        except ValueError:
            # The count expired: the next change starts it again.
            pass
        except Exception:
            return
        await readers_changed_soon(self.thread_id)


class MemberConsumer(ReadOnlyConsumer):
    """Every page of a signed-in member listens here for that member's own events."""

    group: str | None = None

    async def connect(self) -> None:
        user = self.scope["user"]
        if not user.is_authenticated:
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        self.group = member_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def member_event(self, message: dict[str, Any]) -> None:
        await self.forward(message)

"""The moderators' socket: read-only. It tells open queue pages that the queue changed,
and nothing of what changed; the page fetches the list again over HTTP."""

from __future__ import annotations

from typing import Any

from forum.broadcast import MODERATORS_GROUP, member_group
from forum.consumers import CLOSE_NOT_ALLOWED, ReadOnlyConsumer
from moderation.two_factor import socket_is_verified


class ModeratorConsumer(ReadOnlyConsumer):
    """Open only to a moderator whose session passed the two-factor check, as the pages
    are. It also joins the member's own group, so that signing out or a suspension
    closes it."""

    joined: list[str]

    async def connect(self) -> None:
        self.joined = []
        user = self.scope.get("user")
        if user is None or not await socket_is_verified(user, self.scope.get("session")):
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        self.joined = [MODERATORS_GROUP, member_group(user.pk)]
        for group in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for group in self.joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def moderators_event(self, message: dict[str, Any]) -> None:
        await self.forward(message)

    async def member_event(self, message: dict[str, Any]) -> None:
        # The member's own events are for the page-wide member socket.
        return

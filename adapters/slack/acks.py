"""A slash command's reply as its acknowledgement's body, while Slack still waits for it.

Slack shows the body of a slash command's acknowledgement as the reply (a message
with `response_type`, as a `response_url` post would carry), so a command done
quickly needs no second request, and its member sees the answer sooner. Slack
waits three seconds for the acknowledgement; a command not done within the budget
is acknowledged empty then and answers through its `response_url` when done.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

Respond = Callable[..., Awaitable[None]]
"""Sends a message as the reply to a request (keyword arguments: Slack's message fields)."""
ACK_ONLY = frozenset({"replace_original", "delete_original"})
"""Fields only a `response_url` post has: an acknowledgement replaces nothing."""


class AckSlot:
    """The acknowledgement of one slash command: settled once, by its reply or without.

    `settled` resolves to the message to acknowledge with, or None for an empty
    acknowledgement: when the budget runs out, or the command finished without a
    reply (it opened a modal). Everything runs on the event loop, so once settled
    nothing can still slip into the acknowledgement: a reply after it goes to the
    `response_url`.
    """

    def __init__(self, budget: float) -> None:
        loop = asyncio.get_running_loop()
        self.settled: asyncio.Future[dict[str, Any] | None] = loop.create_future()
        self.acked = asyncio.Event()
        """Set once the acknowledgement has been handed to Bolt."""
        self._timer = loop.call_later(budget, self.settle, None)

    @property
    def open(self) -> bool:
        """Whether a reply now would still be the acknowledgement's body."""
        return not self.settled.done()

    def settle(self, message: dict[str, Any] | None) -> None:
        self._timer.cancel()
        if not self.settled.done():
            self.settled.set_result(message)

    def responder(self, later: Respond) -> Respond:
        """The first reply into the acknowledgement while it is open; any other `later`.

        The reply waits for the acknowledgement to be handed over, so whatever the
        command sends next (its files) comes after it, as it would after a post.
        """

        async def respond(**message: Any) -> None:
            if not self.open:
                await later(**message)
                return
            self.settle({k: v for k, v in message.items() if k not in ACK_ONLY})
            await self.acked.wait()

        return respond

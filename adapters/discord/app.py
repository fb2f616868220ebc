"""The Discord adapter: the real discord.py client, translating interactions to requests.

Slash commands come from the registry (`adapters.discord.commands`), buttons and
select menus carry the command they run in their `custom_id` (`run:/poll vote 12 2`),
so they keep working after a restart: they are `DynamicItem`s, matched by that
id, not views remembered in memory. Modals are generated from declarations.
Nothing here knows what a poll is.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import re
from collections.abc import Coroutine
from dataclasses import replace
from datetime import datetime
from typing import Any, Self

import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route
from sqlalchemy import select

from adapters.discord.commands import build_tree
from adapters.discord.events import listen_for_interest
from adapters.discord.events import mirror as mirror_event
from adapters.discord.forms import FormModal, PrefilledModal, RankModal
from adapters.discord.render import (
    ButtonComponent,
    Rendered,
    SelectComponent,
    render,
)
from bot.app import App, quiet_libraries
from bot.context import Place, Request
from bot.declarations import CommandSpec
from bot.inbound import RETENTION
from bot.metrics import DROPPED_PAYLOADS, DUPLICATES, INBOUND, RESTARTS
from bot.mirror import Happening
from bot.notifier import DeliveryFailed
from bot.parser import BadArgument, locate
from bot.profilefill import PlatformProfile
from bot.reply import Ask, Reply
from storage.models import Delivery
from storage.uow import UnitOfWork

log = logging.getLogger("chapterhouse.discord")

PLATFORM = "discord"
DEFER_AFTER = 2.0
"""Seconds a command may take before Discord is told to wait (it allows three)."""
STYLES = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "danger": discord.ButtonStyle.danger,
}


def point_at(api_url: str | None, gateway_url: str | None) -> None:
    """Aim discord.py at a REST proxy or gateway (or a test's fakes) before it connects."""
    if api_url:
        Route.BASE = api_url.rstrip("/")
    if gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


RESTART_FIRST = 1.0
RESTART_MOST = 60.0
"""Seconds before a stopped client is started again: doubling from the first, at most this."""


class Chapterhouse(discord.Client):
    """discord.py's client, holding the adapter so persistent components can find it.

    It also tells the adapter how its gateway connection is, for `/healthz`.
    """

    adapter: DiscordAdapter

    async def setup_hook(self) -> None:
        self.add_dynamic_items(RunButton, AskButton, PickSelect)

    async def on_ready(self) -> None:
        self.adapter.gateway = "connected"

    async def on_resumed(self) -> None:
        if self.adapter.gateway != "connected":
            RESTARTS.labels(PLATFORM, "gateway").inc()
        self.adapter.gateway = "connected"

    async def on_connect(self) -> None:
        if self.adapter.gateway == "disconnected":
            RESTARTS.labels(PLATFORM, "gateway").inc()
        self.adapter.gateway = "connected"

    async def on_disconnect(self) -> None:
        if self.adapter.gateway == "connected":
            self.adapter.gateway = "disconnected"


def guard_parsers(client: discord.Client) -> None:
    """A gateway event discord.py cannot read is logged and dropped, not fatal.

    discord.py parses each dispatch inside its gateway's read loop: one payload
    missing a field (a KeyError in `parse_interaction_create`) raised out of that
    loop and ended the client, and no later command was answered. The log names
    the event and the error, never the payload (it says who clicked what).
    """
    parsers: dict[str, Any] = client._connection.parsers

    def guarded(event: str, parse: Any) -> Any:
        def parse_or_drop(data: Any) -> Any:
            try:
                return parse(data)
            except Exception as error:
                DROPPED_PAYLOADS.labels(PLATFORM, event).inc()
                log.warning(
                    "dropped a %s payload discord.py could not read: %s: %s",
                    event,
                    type(error).__name__,
                    error,
                )
                return None

        return parse_or_drop

    for event, parse in list(parsers.items()):
        parsers[event] = guarded(event, parse)


class DiscordAdapter:
    def __init__(self, core: App, *, guild_ready_timeout: float = 2.0) -> None:
        quiet_libraries("discord")  # at DEBUG it logs every payload: who clicked what
        self.core = core
        self._guild_ready_timeout = guild_ready_timeout
        self.gateway = "starting"
        """The gateway connection: starting, connected, disconnected, restarting or stopped."""
        self._stopping = False
        self._new_client()
        self.asks: dict[str, tuple[str, Ask]] = {}
        """Asks of buttons rendered by this process, by custom_id (others: see `find_ask`)."""
        self.poster = DiscordPoster(self)

    def _new_client(self) -> None:
        """A client and its command tree; a client that stopped cannot be started again."""
        self.client = Chapterhouse(
            intents=discord.Intents.default(),
            allowed_mentions=discord.AllowedMentions(everyone=False, roles=False, users=True),
            guild_ready_timeout=self._guild_ready_timeout,
        )
        self.client.adapter = self
        guard_parsers(self.client)
        listen_for_interest(self.client, self.core)
        self.tree: app_commands.CommandTree[Chapterhouse] = app_commands.CommandTree(self.client)
        self.commands = build_tree(self.tree, self.core.registry, self.run_command, self.complete)

    # -- outgoing shapes -------------------------------------------------------

    def rendered(self, reply: Reply) -> Rendered:
        result = render(reply)
        self.asks.update(result.asks)
        return result

    def message(self, reply: Reply, *, for_edit: bool = False) -> dict[str, Any]:
        """Keyword arguments for `send`/`edit`: content, embeds, components, files."""
        result = self.rendered(reply)
        kwargs: dict[str, Any] = {"content": result.content or None, "embeds": result.embeds}
        view = self.view(result)
        if view is not None or for_edit:
            kwargs["view"] = view
        if result.files and not for_edit:
            kwargs["files"] = [
                discord.File(io.BytesIO(f.data), filename=f.name) for f in result.files
            ]
        return kwargs

    def view(self, result: Rendered) -> discord.ui.View | None:
        """The message's components, as a view discord.py only serialises.

        Every button and select carries its command in its id and is answered by a
        `DynamicItem` (`RunButton`, `AskButton`, `PickSelect`), after a restart too,
        so the view is stopped before
        it is sent: discord.py keeps no copy of it (a live view would be stored per
        message, dispatched a second, idle time on every click, and an ephemeral
        one kept for 15 minutes with a timer task of its own).
        """
        if not result.components:
            return None
        view = discord.ui.View(timeout=None)
        for row, components in enumerate(result.components):
            for component in components:
                if isinstance(component, ButtonComponent):
                    view.add_item(
                        discord.ui.Button(
                            label=component.label,
                            custom_id=component.custom_id,
                            style=STYLES.get(component.style, discord.ButtonStyle.secondary),
                            row=row,
                        )
                    )
                elif isinstance(component, SelectComponent):
                    view.add_item(
                        discord.ui.Select(
                            custom_id=component.custom_id,
                            options=[
                                discord.SelectOption(label=label, value=value)
                                for label, value in component.options
                            ],
                            min_values=component.min_values,
                            max_values=component.max_values,
                            placeholder=component.placeholder,
                            row=row,
                        )
                    )
        view.stop()
        return view

    # -- requests --------------------------------------------------------------

    @staticmethod
    def place(interaction: discord.Interaction[Any]) -> Place:
        channel = interaction.channel
        name = getattr(channel, "name", "") or ""
        direct = interaction.guild_id is None or isinstance(
            channel, discord.DMChannel | discord.GroupChannel
        )
        return Place(PLATFORM, str(interaction.channel_id or ""), str(name), is_direct=direct)

    def request(
        self,
        interaction: discord.Interaction[Any],
        *,
        text: str | None = None,
        spec: CommandSpec | None = None,
        values: dict[str, str | tuple[str, ...]] | None = None,
    ) -> Request:
        user = interaction.user
        return Request(
            PLATFORM,
            str(user.id),
            user.display_name,
            self.place(interaction),
            text=text,
            path=(spec.group, spec.name) if spec is not None else None,
            values=values or {},
            # The global name is the person's; a guild nick is what this server calls them.
            profile=PlatformProfile(name=user.global_name or getattr(user, "nick", None)),
        )

    async def run_command(
        self,
        interaction: discord.Interaction[Any],
        spec: CommandSpec,
        values: dict[str, str | tuple[str, ...]],
    ) -> None:
        INBOUND.labels(PLATFORM, "command").inc()
        if spec.form and not values:
            await interaction.response.send_modal(FormModal(self, spec))
            return
        await self.answer(interaction, self.request(interaction, spec=spec, values=values))

    async def answer(
        self, interaction: discord.Interaction[Any], request: Request, *, private: bool = False
    ) -> None:
        """Dispatch, and reply; tell Discord to wait if the work outlasts its patience.

        `private`: the answer is for the one who clicked, never the channel (buttons).
        An interaction another instance (or this one) already took is dropped: its
        id is claimed in the database by the command's own transaction (`bot.inbound`,
        `Dispatcher.handle_once`), and a repeat runs nothing and is not answered.
        """
        request = replace(request, claims=((f"discord:{interaction.id}", RETENTION),))
        reply = await self._within_patience(interaction, self.core.dispatcher.handle_once(request))
        if reply is None:
            DUPLICATES.labels(PLATFORM, "retry").inc()
            return
        if reply.ok and reply.form is not None and not interaction.response.is_done():
            await interaction.response.send_modal(PrefilledModal(self, reply.form))
            return
        kwargs = _without_none(self.message(reply))
        ephemeral = private or not (reply.ok and reply.visibility == "public")
        if interaction.response.is_done():
            await interaction.followup.send(ephemeral=ephemeral, **kwargs)
        else:
            await interaction.response.send_message(ephemeral=ephemeral, **kwargs)

    @staticmethod
    async def _within_patience(
        interaction: discord.Interaction[Any], work: Coroutine[Any, Any, Reply | None]
    ) -> Reply | None:
        """The work's reply; Discord is told to wait (a deferral) only if it outlasts
        `DEFER_AFTER`, so a command that finishes sooner is answered by its callback.

        The work runs in this task, with a timer beside it rather than a task and a
        wait per interaction: the deferral is the rare case, not the common one.
        """
        deferrals: list[asyncio.Task[Any]] = []

        def defer() -> None:
            deferrals.append(
                asyncio.ensure_future(interaction.response.defer(ephemeral=True, thinking=True))
            )

        timer = asyncio.get_running_loop().call_later(DEFER_AFTER, defer)
        reply: Reply | None = None
        try:
            reply = await work
            return reply
        finally:
            timer.cancel()
            for deferral in deferrals:  # answered by a follow-up once Discord was told
                if reply is not None:
                    await deferral
                    continue
                # A repeat that waited for its first copy's claim: the first copy
                # answers, and Discord may have refused this copy's deferral.
                with contextlib.suppress(discord.HTTPException):
                    await deferral

    async def run_text(self, interaction: discord.Interaction[Any], text: str) -> None:
        """A component's command, answered privately."""
        INBOUND.labels(PLATFORM, "action").inc()
        await self.answer(interaction, self.request(interaction, text=text), private=True)

    async def complete(self, source: str, typed: str) -> list[str]:
        completer = self.core.registry.completers.get(source)
        if completer is None:
            return []
        async with UnitOfWork(self.core.sessions, self.core.clock.now()) as uow:
            return await completer(uow.session, typed)

    async def find_ask(self, interaction: discord.Interaction[Any], command: str) -> Ask | None:
        """The Ask behind an `ask:` button, even one posted before a restart.

        A live post (a poll's card) is rendered anew from the database; its button
        for this command carries the Ask.
        """
        custom_id = f"ask:{command}"
        if custom_id in self.asks:
            return self.asks[custom_id][1]
        message = interaction.message
        if message is None:
            return None
        live = self.core.notifier.live
        async with UnitOfWork(self.core.sessions, self.core.clock.now()) as uow:
            subject = await uow.session.scalar(
                select(Delivery.subject).where(
                    Delivery.platform == PLATFORM, Delivery.message_id == str(message.id)
                )
            )
            reply = await live.render(uow.session, subject, uow.now) if subject else None
        if reply is not None:
            self.rendered(reply)
        found = self.asks.get(custom_id)
        return found[1] if found else None

    def spec_of(self, text: str) -> CommandSpec | None:
        try:
            return locate(self.core.registry, text)[0]
        except BadArgument:
            return None

    # -- running ---------------------------------------------------------------

    async def start(self, token: str) -> asyncio.Task[None]:
        """Log in and connect; returns the task that runs the client until `close`."""
        runner = asyncio.create_task(self.client.start(token))
        ready = asyncio.create_task(self.client.wait_until_ready())
        done, _ = await asyncio.wait({runner, ready}, return_when=asyncio.FIRST_COMPLETED)
        if runner in done:
            ready.cancel()
            runner.result()  # raises why it could not start
            raise RuntimeError("the Discord client stopped before it was ready")
        return runner

    async def gateway_state(self) -> str:
        """For `/healthz`: "connected" while the gateway is up and the client ready."""
        if self.gateway == "connected" and not self.client.is_ready():
            return "starting"
        return self.gateway

    async def supervise(self, token: str, running: asyncio.Task[None]) -> None:
        """Keep the client running: when its task ends, start it again, with backoff.

        discord.py reconnects a dropped gateway by itself; its task ends only when
        it gives up (a close code it does not retry, an error it does not catch).
        Then a new client is started after 1 s, 2 s, 4 s … at most
        a minute, until `close`.
        """
        delay = RESTART_FIRST
        while True:
            try:
                await running
                reason = "it returned"
            except asyncio.CancelledError:
                raise
            except Exception as error:
                reason = f"{type(error).__name__}: {error}"
            if self._stopping:
                return
            self.gateway = "restarting"
            log.error("the Discord client stopped (%s); starting it again in %.0fs", reason, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, RESTART_MOST)
            if self._stopping:
                return
            RESTARTS.labels(PLATFORM, "client").inc()
            with contextlib.suppress(Exception):
                await self.client.close()
            self._new_client()
            try:
                running = await self.start(token)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                failed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                failed.set_exception(error)
                running = asyncio.ensure_future(failed)
                continue
            delay = RESTART_FIRST
            log.info("Discord: connected again as %s", self.client.user)

    async def close(self) -> None:
        self._stopping = True
        self.gateway = "stopped"
        await self.client.close()


def _without_none(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in kwargs.items() if v is not None}


def _adapter(interaction: discord.Interaction[Any]) -> DiscordAdapter:
    client = interaction.client
    assert isinstance(client, Chapterhouse)
    return client.adapter


class _CarriesCommand:
    """A component whose custom_id holds its command: rebuilt from the id alone.

    Subclasses take the command as their only argument.
    """

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls(match["command"])  # type: ignore[call-arg]


class RunButton(
    _CarriesCommand,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"run:(?P<command>.+)",
):
    """A button that runs the command in its id, for whoever clicks it."""

    def __init__(self, command: str) -> None:
        super().__init__(discord.ui.Button(label="…", custom_id=f"run:{command}"))
        self.command = command

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _adapter(interaction).run_text(interaction, self.command)


class AskButton(
    _CarriesCommand,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"ask:(?P<command>.+)",
):
    """A button that asks first (a ranking), in a modal, then runs its command."""

    def __init__(self, command: str) -> None:
        super().__init__(discord.ui.Button(label="…", custom_id=f"ask:{command}"))
        self.command = command

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        adapter = _adapter(interaction)
        INBOUND.labels(PLATFORM, "action").inc()
        ask = await adapter.find_ask(interaction, self.command)
        if ask is None:
            await interaction.response.send_message(
                f"This button is out of date; type {self.command} followed by your choices.",
                ephemeral=True,
            )
            return
        await interaction.response.send_modal(RankModal(adapter, self.command, ask))


class PickSelect(
    _CarriesCommand,
    discord.ui.DynamicItem[discord.ui.Select[Any]],
    template=r"pick:(?P<command>.+)",
):
    """A select menu: the options chosen are appended to its command (a multi-choice vote)."""

    def __init__(self, command: str) -> None:
        super().__init__(discord.ui.Select(custom_id=f"pick:{command}"))
        self.command = command

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        values = [str(v) for v in data.get("values", [])]
        await _adapter(interaction).run_text(interaction, " ".join([self.command, *values]))


class DiscordPoster:
    """Posts, direct messages and edits; failures reported to the delivery ledger.

    A post from the ledger carries its delivery's id as the message `nonce` with
    `enforce_nonce` (discord.py sets it with any nonce): if a crash left it unknown
    whether the post arrived, sending it again hands back the message Discord
    already has instead of making a second one.
    """

    platform = PLATFORM

    def __init__(self, adapter: DiscordAdapter) -> None:
        self.adapter = adapter

    @property
    def client(self) -> discord.Client:
        return self.adapter.client

    async def post(self, channel_id: str, reply: Reply) -> str | None:
        channel = self.client.get_partial_messageable(int(channel_id))
        try:
            message = await channel.send(**_without_none(self.adapter.message(reply)))
        except discord.HTTPException as error:
            raise _failure(error) from None
        return str(message.id)

    async def post_once(
        self, channel_id: str, reply: Reply, *, direct: bool, delivery: int
    ) -> str | None:
        try:
            if direct:
                user = self.client.get_user(int(channel_id)) or await self.client.fetch_user(
                    int(channel_id)
                )
                target: discord.abc.Messageable = user
            else:
                target = self.client.get_partial_messageable(int(channel_id))
            message = await target.send(
                nonce=nonce(delivery), **_without_none(self.adapter.message(reply))
            )
        except discord.HTTPException as error:
            raise _failure(error) from None
        return str(message.id)

    async def arrived(
        self, channel_id: str, *, direct: bool, delivery: int, since: datetime
    ) -> str | None:
        """Unknown, and no need to know: the resend's enforced nonce is the check."""
        return None

    async def direct(self, user_id: str, reply: Reply) -> str | None:
        try:
            user = self.client.get_user(int(user_id)) or await self.client.fetch_user(int(user_id))
            message = await user.send(**_without_none(self.adapter.message(reply)))
        except discord.HTTPException as error:
            raise _failure(error) from None
        return str(message.id)

    async def mirror(self, channel_id: str, happening: Happening, known: str | None) -> str:
        """The event on the server's own event list (see `adapters.discord.events`)."""
        return await mirror_event(self.client, channel_id, happening, known)

    async def edit(self, channel_id: str, message_id: str, reply: Reply) -> None:
        channel = self.client.get_partial_messageable(int(channel_id))
        message = channel.get_partial_message(int(message_id))
        kwargs = self.adapter.message(reply, for_edit=True)
        try:
            await message.edit(**kwargs)
        except discord.HTTPException as error:
            raise _failure(error) from None


def nonce(delivery: int) -> str:
    """A delivery's mark on its message (Discord allows 25 characters)."""
    return f"delivery:{delivery}"


def _failure(error: discord.HTTPException) -> DeliveryFailed:
    """Missing access, an unknown channel and other refusals are final; 5xx may pass."""
    reason = f"discord: {error.status} {error.code or ''} {error.text or ''}".strip()[:300]
    permanent = isinstance(error, discord.Forbidden | discord.NotFound) or error.status < 500
    return DeliveryFailed(reason, permanent=permanent)

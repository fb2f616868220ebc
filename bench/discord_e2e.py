"""Discord end to end: interactions through the real discord.py client, next to a bare client.

What it measures
----------------
`-n` interactions (by default 2,000) delivered as Discord delivers them — an
`INTERACTION_CREATE` dispatch on the gateway websocket (zlib-stream, as discord.py
asks for it) — by a fake Discord (`chapterhouse/testing/discord/`, gateway
and REST on 127.0.0.1) to two discord.py clients in this process, one after the
other, in the same run, with `--concurrency` interactions in flight:

* ours: `DiscordAdapter`, the way production runs it — the registry's command tree,
  persistent `run:` buttons, dispatch, commit, render to embeds and components, and
  the answer posted as the interaction's callback (`POST /interactions/…/callback`);
* bare: a plain `discord.Client` with an `app_commands.CommandTree` holding the same
  groups, commands and typed options (copied from ours, synced the same way, and
  checked equal), and a `DynamicItem` for the same `run:` buttons, whose callbacks
  only `await interaction.response.send_message("ok", ephemeral=True)`.

For each client: the time to callback, from the fake's `send_interaction` (the
gateway dispatch) to the moment the fake received the interaction's callback POST
(p50/p99/max), and callbacks per second over the phase (until the last callback
arrived). Our callback carries the full answer (ours only defers when a command
outlasts 2 s; deferrals are counted), so our time to callback is both Discord's
ack and what the member waits for. The ratio "ours ÷ bare callbacks/s" (goal ≥ 0.7)
and our p99 time to callback (goal < 100 ms: Discord gives up after 3 s, and a
member clicking a button sees the delay) are computed from the figures of this run.

Why
---
The core benches call the dispatcher directly. What a Discord member meets is also
discord.py: the gateway frame decompressed and parsed, the interaction built, the
command found and its options transformed, the reply rendered and sent over REST.
What must hold under a burst (a society poll's card clicked in every channel) is
that every interaction gets exactly one callback, soon enough, and that the whole
path stays within reach of what discord.py alone costs. The bare client is that
floor, measured on the same machine, in the same run, under the same load.

How
---
1. Build the app with `chapterhouse.bootstrap.bootstrap` (migrations applied there, live
   posts refreshed at most once a second) on a SQLite file in a temporary
   directory and, with `--postgres URL`, again on PostgreSQL after dropping and
   recreating its `public` schema. Seed the demo society (`commands.demo`) and
   `--members` more members with Discord accounts spread over its chapters (bulk
   inserts, not measured). `CHAPTERHOUSE_ADMINS=discord:ID` makes one Discord user HQ.
2. Connect ours to its fake (commands copied to the guild and synced, as
   `chapterhouse discord sync` does). Through interactions, as Discord would send
   them: HQ binds the fake's Boston channel (`/chapter bind chapter:Boston`) and
   opens a society poll there (`/poll create` with typed options), which is posted
   to that channel with a button per option, so votes keep its live card refreshed
   by message edits, as in production. (The demo's own society poll stays open.)
3. A mix of interactions from `--users` distinct Discord members (fixed seed): 40 %
   votes, by default as clicks on the poll card's buttons (component interactions
   with `custom_id` `run:/poll vote ID N`, carrying the card as the fake holds it
   at that moment; `--votes commands` sends `/poll vote poll_id:ID choices:N`
   instead), then `/poll results`, `/poll list open:True`, `/chapter list`,
   `/chapter info`, `/chapter status` (Boston), `/member profile`, `/help` (bare or
   `command:poll`) and `/member join` (another chapter for a member already in
   Boston, so a join is never refused; two joins of one member are kept far apart,
   so even out of order neither can be). 30 % of the slash commands come from the
   Boston channel, the rest from #general; clicks come from where the card is.
4. The fakes run in a child process (this script with `--load-process`), one fake
   per client: this process holds only the clients and the app under test, so
   their figures and a profile of this process (`--profile`) are not mixed with the
   fake's own work (building payloads, compressing frames, recording calls). The
   child keeps `--concurrency` interactions in flight: each of its workers sends
   one, waits for its callback, sends the next. Both instants are taken in the
   child (monotonic clock); an interaction whose callback is still missing after
   30 s without any callback arriving counts as lost.
5. Ours first (it creates the poll whose card the clicks carry; the bare client's
   fake is given a copy of that card), a warm-up of 100 interactions (not counted),
   its measured run, then the same mix straight into the dispatcher (the core
   alone, see below) while ours is still connected; then ours disconnects and the
   bare client connects to its own fake: warm-up, measured run. discord.py's REST
   base and gateway are process-wide settings (`point_at`), so the two clients are
   never connected at the same time. Refusals are read from the process's metrics
   (`chapterhouse_commands{platform="discord",outcome="refused"}`), crashes from
   the callbacks' text.

Reading the figures
-------------------
Both clients answer with a single callback POST once their callback returns, so
the two columns compare like with like; the difference is our work per
interaction (dispatch, database, rendering, a larger callback body) competing for
one event loop with discord.py's own (reading the gateway, building interactions,
aiohttp). With `--concurrency` interactions in flight, our time to callback is
mostly queueing behind the others: its mean is concurrency ÷ throughput (Little's
law), so at 16 in flight a p99 under 100 ms needs roughly 300 callbacks/s or more.
The bare run is short (about a second for 2,000), so one full garbage collection
of this process (some 60–70 ms with the app's heap) lands on the interactions in
flight and sets its max and, at small `-n`, its p99; our run lasts long enough to
absorb a few.

The load is a closed loop (the standard burst: `--concurrency` members each waiting
for their answer before sending the next), so it never arrives faster than the
app answers, and any rate the core cannot reach shows as queueing, not as loss.
Where our time to callback goes is printed by stage for each interaction (p50/p99):
gateway → handler (the frame read and parsed by discord.py, the interaction built,
its command found and options transformed, and any wait for the event loop), the
claim of the interaction's id (`bot.inbound.claim_first`: the first statement of
the command's own transaction, so this stage holds the wait for that transaction's
turn — on SQLite, at the one writer's gate), the rest of the dispatch (the core),
and reply → callback (rendering, the callback POST, the fake receiving it). The
core-alone phase below sends its requests without claims. The event loop's lag (how
late a 5 ms timer fires) shows stalls: synchronous work in the loop, a garbage
collection, or this process waiting for a CPU on a busy machine.

The same mix is also sent straight into the dispatcher (no gateway, no discord.py,
no rendering; the same `Request`s the adapter builds — `path` and typed `values` for
slash commands, `text` for clicks — at the same concurrency): the core's own
ceiling on this machine. "ours ÷ core" is the share of the core's speed that
survives the Discord path, which is what the adapter can be held to; the ratio
against the bare client also carries the core's cost per interaction, which no
adapter can remove. Lost callbacks must be 0, failed callbacks (a 4xx from the
fake, e.g. an interaction answered twice) must be 0, deferrals should be 0 and
refusals should be 0 for this mix (each is counted by command). On a small VM the
child's process and aiosqlite's thread share the CPUs with the app; `--cpu N` pins
this process to CPU N and the fakes to the other CPUs, and the `host` lines say
how busy the machine was. The CPU time of this process per interaction is printed
for each run (the fakes are in the child, so it is the clients' and the app's own
cost); "ours ÷ core" of it is what the Discord path adds to a command, and it stays
meaningful on a busy machine where rates do not. `--profile` is cProfile (pstats in
FILE.BACKEND.ours and FILE.BACKEND.core): it counts each resumption of a
coroutine as a call and loses its way across SQLAlchemy's greenlet switches, so read
its own times (tottime), not cumulative ones; a sampling profiler gives fairer shares.

Usage
-----
    .venv/bin/python bench/discord_e2e.py [-n 2000] [--concurrency 16] [--members 2000]
        [--users 50] [--votes buttons|commands] [--postgres URL] [--cpu N]
        [--profile FILE] [--seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import contextvars
import copy
import json
import logging
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import discord
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

import bot.dispatcher as dispatcher_module
from adapters.discord.app import DiscordAdapter, point_at
from adapters.discord.commands import as_text, option_name
from bench import chat_load
from bench.chat_load import HELP, INFO, JOIN, LIST, POLLS, PROFILE, RESULTS, STATUS, VOTE
from bench.common import ms, percentile
from bot.context import Place, Request
from bot.profilefill import PlatformProfile
from bot.registry import Registry
from bot.reply import Reply
from chapterhouse.testing.discord import (
    BOSTON_ID,
    DEFAULT_CHANNELS,
    GENERAL_ID,
    GUILD_ID,
    Call,
    FakeDiscord,
    HttpError,
)

ADMIN = 1_300_000_000_000_000_500  # HQ by configuration
USER_BASE = 1_300_000_000_200_000_000
"""Seeded member number k has the Discord id USER_BASE + k."""
BOT_TOKEN = "bench-bot-token"
GUILD_READY = 0.05
"""Seconds discord.py waits after the last GUILD_CREATE before it is ready (2 by default)."""
LABELS: dict[str, str] = {
    VOTE: "/poll vote",
    RESULTS: "/poll results",
    POLLS: "/poll list open",
    LIST: "/chapter list",
    INFO: "/chapter info",
    STATUS: "/chapter status",
    PROFILE: "/member profile",
    HELP: "/help",
    JOIN: "/member join",
}
"""The mix's kinds of interaction, as printed."""
VOTE_BUTTON = re.compile(r"run:/poll vote (\d+) 1")


# --------------------------------------------------------------------- the load


@dataclass(frozen=True)
class Action:
    """One interaction: a slash command with typed options, or a click on the poll's card."""

    kind: str
    user: int
    channel: int
    command: str
    """The group and subcommand (`poll vote`), or a top-level command alone (`help`)."""
    options: dict[str, Any] = field(default_factory=dict)
    """Discord option name → typed value (str, int, bool), as Discord sends them."""
    custom_id: str | None = None
    """A click on the button with this id, on the poll's card, instead of a command."""


@dataclass
class Answer:
    """The first callback the fake received for one interaction."""

    at: float
    kind: int | None
    status: int
    text: str


class TimedFake(FakeDiscord):
    """The fake Discord, also noting when (monotonic clock) each interaction's first
    callback POST arrived, and waking whoever waits for it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.answers: dict[int, Answer] = {}
        self.waiters: dict[int, asyncio.Future[None]] = {}
        self.last_answer = time.monotonic()

    def _callback(self, call: Call, interaction: str, token: str) -> tuple[int, Any]:
        at = time.monotonic()
        try:
            status, result = super()._callback(call, interaction, token)
        except HttpError as error:
            self._note(int(interaction), at, call, error.status)
            raise
        self._note(int(interaction), at, call, status)
        return status, result

    def _note(self, interaction: int, at: float, call: Call, status: int) -> None:
        self.last_answer = at
        if interaction in self.answers:
            return
        body = call.json if isinstance(call.json, dict) else {}
        text = json.dumps(call.data, ensure_ascii=False)
        self.answers[interaction] = Answer(at, body.get("type"), status, text)
        waiter = self.waiters.pop(interaction, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def expect(self, interaction: int) -> asyncio.Future[None]:
        waiter = asyncio.get_running_loop().create_future()
        self.waiters[interaction] = waiter
        return waiter


def payload_of(fake: FakeDiscord, action: Action, message: int | None) -> dict[str, Any]:
    if action.custom_id is not None:
        if message is None:
            raise RuntimeError("a click needs the poll's card")
        return fake.component(action.user, action.custom_id, message=message)
    name, _, sub = action.command.partition(" ")
    return fake.slash_command(
        action.user, name, sub or None, action.options, channel_id=action.channel
    )


def rest_route(call: Call) -> str:
    """A REST call's method and path with ids and tokens left out, for counting."""
    path = re.sub(r"/interactions/\d+/[^/]+/", "/interactions/{id}/{token}/", call.path)
    path = re.sub(r"/webhooks/\d+/[^/]+", "/webhooks/{app}/{token}", path)
    path = re.sub(r"/\d+", "/{id}", path)
    return f"{call.method} {path}"


async def load_phase(fake: TimedFake, order: dict[str, Any]) -> dict[str, Any]:
    """Send the interactions of one phase; the timings, relative to the phase's start."""
    actions = [Action(**a) for a in order["actions"]]
    message: int | None = order["message"]
    count = len(actions)
    sent: list[float | None] = [None] * count
    ids = [0] * count
    queue = iter(range(count))
    calls_before = len(fake.calls)
    stalled = False

    async def worker() -> None:
        nonlocal stalled
        for i in queue:
            if stalled:
                return
            payload = payload_of(fake, actions[i], message)
            ids[i] = int(payload["id"])
            waiter = fake.expect(ids[i])
            sent[i] = time.monotonic()
            await fake.send_interaction(payload)
            while not waiter.done():
                try:
                    await asyncio.wait_for(asyncio.shield(waiter), chat_load.STALL_SECONDS)
                except TimeoutError:
                    if time.monotonic() - fake.last_answer >= chat_load.STALL_SECONDS:
                        stalled = True
                        fake.waiters.pop(ids[i], None)
                        return

    start = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(order["concurrency"])))
    answers = [fake.answers.get(i) if i else None for i in ids]
    rest = Counter(rest_route(c) for c in fake.calls[calls_before:])
    return {
        "start": start,
        "ids": ids,
        "sent": [None if s is None else s - start for s in sent],
        "answered": [None if a is None else a.at - start for a in answers],
        "kinds": [None if a is None else a.kind for a in answers],
        "status": [0 if a is None else a.status for a in answers],
        "crashed": [a is not None and chat_load.CRASH_MARK in a.text for a in answers],
        "texts": [None if a is None else a.text[:2000] for a in answers] if order["texts"] else [],
        "rest": dict(rest),
    }


async def find_poll_card(fakes: dict[str, TimedFake]) -> dict[str, Any]:
    """The newest poll card posted to Boston's channel; copied to the bare client's fake."""
    ours = fakes["ours"]

    def cards() -> list[tuple[int, dict[str, Any]]]:
        found = []
        for message in ours.messages_in(BOSTON_ID):
            for row in message.get("components") or []:
                for component in row.get("components") or []:
                    match = VOTE_BUTTON.fullmatch(str(component.get("custom_id", "")))
                    if match:
                        found.append((int(match.group(1)), message))
        return found

    await ours.wait(cards, timeout=10.0)
    poll_id, message = max(cards(), key=lambda pair: (pair[0], int(pair[1]["id"])))
    fakes["bare"].messages[int(message["id"])] = copy.deepcopy(message)
    posts = sum(
        1 for c in ours.calls if c.method == "POST" and c.path == f"/channels/{BOSTON_ID}/messages"
    )
    return {"poll": poll_id, "message": int(message["id"]), "posts": posts}


async def load_process(avoid: int | None) -> int:
    """The child: the two fakes, driven by JSON lines on stdin."""
    chat_load.avoid_cpu(avoid)
    fakes: dict[str, TimedFake] = {}

    async def stop_fakes() -> None:
        for fake in fakes.values():
            await fake.stop()
        fakes.clear()

    async def obey(order: dict[str, Any]) -> dict[str, Any]:
        op = order["op"]
        if op == "fakes":
            await stop_fakes()
            members = {int(user): name for user, name in order["members"]}
            for name in ("ours", "bare"):
                fakes[name] = TimedFake(members=members)
                await fakes[name].start()
            return {
                name: {"api": fake.api_base, "gateway": fake.gateway_url}
                for name, fake in fakes.items()
            }
        if op == "run":
            return await load_phase(fakes[order["fake"]], order)
        if op == "card":
            return await find_poll_card(fakes)
        if op == "synced":
            return {name: fake.commands.get(GUILD_ID, []) for name, fake in fakes.items()}
        raise ValueError(f"unknown order {op!r}")

    try:
        await chat_load.serve_orders({"ready": True}, obey)
    finally:
        await stop_fakes()
    return 0


@dataclass
class Phase:
    """One client's run of interactions, as the child saw it (seconds from the start)."""

    actions: list[Action]
    start: float
    """The phase's start on the child's monotonic clock (the same clock as ours, on Linux)."""
    ids: list[int]
    sent: list[float | None]
    answered: list[float | None]
    kinds: list[int | None]
    status: list[int]
    crashed: list[bool]
    texts: list[str | None]
    rest: dict[str, int]

    @property
    def waits(self) -> list[float]:
        """Time to callback of each interaction that got one."""
        return [
            a - s
            for s, a in zip(self.sent, self.answered, strict=True)
            if s is not None and a is not None
        ]

    @property
    def rate(self) -> float:
        """Callbacks per second, until the last one arrived."""
        arrived = [a for a in self.answered if a is not None]
        return len(arrived) / max(arrived) if arrived else 0.0

    @property
    def duration(self) -> float:
        return max((a for a in self.answered if a is not None), default=0.0)

    @property
    def lost(self) -> int:
        return sum(a is None for a in self.answered)

    @property
    def failed(self) -> int:
        return sum(s not in (0, 200) for s in self.status)

    @property
    def deferred(self) -> int:
        return sum(k == 5 for k in self.kinds)

    @property
    def crashes(self) -> int:
        return sum(self.crashed)


class Load(chat_load.LoadProcess):
    """The child process running the fakes."""

    async def fakes(self, members: Mapping[int, str]) -> dict[str, dict[str, str]]:
        """Two fresh fakes (ours, bare) knowing these guild members; their addresses."""
        return await self.ask({"op": "fakes", "members": sorted(members.items())})

    async def run(
        self,
        fake: str,
        actions: list[Action],
        concurrency: int,
        message: int | None,
        *,
        texts: bool = False,
    ) -> Phase:
        answer = await self.ask(
            {
                "op": "run",
                "fake": fake,
                "actions": [asdict(a) for a in actions],
                "concurrency": concurrency,
                "message": message,
                "texts": texts,
            }
        )
        return Phase(actions, **answer)


# ------------------------------------------------------------------------ the mix


def discord_id(number: int) -> int:
    """Seeded member number `number`'s Discord id."""
    return USER_BASE + number


def username(user: int) -> str:
    return "hq-admin" if user == ADMIN else f"member{user - USER_BASE}"


class Mix(chat_load.CommandMix[int, Action]):
    """The mix as interactions: slash commands with typed options and, unless votes are
    sent as commands, clicks on the poll card's buttons."""

    def __init__(
        self,
        homes: dict[int, str | None],
        poll_id: int,
        rng: random.Random,
        spacing: int,
        buttons: bool,
    ) -> None:
        super().__init__(homes, poll_id, rng, spacing)
        self.buttons = buttons

    def make(self, kind: str, user: int, in_boston: bool) -> Action | None:
        rng = self.rng
        channel = BOSTON_ID if in_boston else GENERAL_ID
        if kind == VOTE:
            choice = rng.randint(1, len(chat_load.OPTIONS))
            if self.buttons:
                run = f"run:/poll vote {self.poll_id} {choice}"
                return Action(VOTE, user, BOSTON_ID, "poll vote", custom_id=run)
            typed: dict[str, Any] = {"poll_id": self.poll_id, "choices": str(choice)}
            return Action(VOTE, user, channel, "poll vote", typed)
        if kind == JOIN:
            joining = self.joiner()
            if joining is None:
                return None
            user, target = joining
            return Action(JOIN, user, channel, "member join", {"chapter": target})
        shapes: dict[str, tuple[str, dict[str, Any]]] = {
            RESULTS: ("poll results", {"poll_id": self.poll_id}),
            POLLS: ("poll list", {"open": True}),
            LIST: ("chapter list", {}),
            INFO: ("chapter info", {"chapter": "Boston"}),
            STATUS: ("chapter status", {"chapter": "Boston"}),
            PROFILE: ("member profile", {}),
            HELP: rng.choice((("help", {}), ("help", {"command": "poll"}))),
        }
        command, options = shapes[kind]
        return Action(kind, user, channel, command, options)


def request_of(registry: Registry, action: Action) -> Request:
    """The request our adapter builds for this interaction (for the core alone), with
    what the fake says of the member: its global name (the username, capitalised), which
    the adapter passes on for the profile fill, as display name and profile."""
    place = Place("discord", str(action.channel), DEFAULT_CHANNELS[action.channel])
    user, name = str(action.user), username(action.user).capitalize()
    profile = PlatformProfile(name=name)
    if action.custom_id is not None:
        text = action.custom_id.removeprefix("run:")
        return Request("discord", user, name, place, text=text, profile=profile)
    group, _, sub = action.command.partition(" ")
    spec = registry.get(group, sub or None)
    if spec is None:
        raise KeyError(action.command)
    by_option = {option_name(p): p for p in spec.params}
    values: dict[str, str | tuple[str, ...]] = {}
    for key, value in action.options.items():
        typed = as_text(by_option[key], value)
        if typed != "":
            values[by_option[key].name] = typed
    path = (spec.group, spec.name)
    return Request("discord", user, name, place, path=path, values=values, profile=profile)


# ------------------------------------------------------------------- the stages

STAGES = (
    ("gateway → handler", "sent", "handler"),
    ("claim", "handler", "claimed"),
    ("dispatch", "claimed", "dispatched"),
    ("reply → callback", "dispatched", "answered"),
)
"""Where an interaction's time to callback goes: from the fake's gateway dispatch to
our handler (the frame read and parsed by discord.py, the interaction built, its
command found and options transformed, and any wait for the event loop), the
claim of its id (on SQLite the first statement of the command's transaction, after
its turn at the gate; on PostgreSQL a statement with the others arriving meanwhile,
before the command), the rest of the core's dispatch, then the reply rendered, posted as
the callback and received by the fake."""
HERE: contextvars.ContextVar[int | None] = contextvars.ContextVar("interaction", default=None)


class Stages:
    """When each of our interactions reached each stage (monotonic clock: the child's
    instants are on the same clock), and how late the event loop ran a timer.

    The hooks are a few dictionary writes per interaction; they wrap the adapter's
    `answer`, the dispatcher's claims (`claim_first`, `first_delivery`) and its
    `handle_once`, and change
    none of them.
    """

    LAG_EVERY = 0.005

    def __init__(self) -> None:
        self.marks: dict[int, dict[str, float]] = {}
        self.lags: list[float] = []

    def mark(self, stage: str, interaction: int | None = None) -> None:
        interaction = interaction if interaction is not None else HERE.get()
        if interaction is not None:
            self.marks.setdefault(interaction, {})[stage] = time.monotonic()

    @contextlib.contextmanager
    def hooked(self, adapter: StagedAdapter) -> Iterator[None]:
        claim = dispatcher_module.claim_first
        apart = dispatcher_module.first_delivery
        handle = adapter.core.dispatcher.handle_once

        async def claim_first(
            session: Any, deliveries: Sequence[Sequence[tuple[str, Any]]], now: Any
        ) -> list[bool]:
            """Marks every interaction the statement claimed: a batch of votes is claimed
            by one statement, in the task of whichever vote started the batch."""
            firsts = await claim(session, deliveries, now)
            for claims in deliveries:
                for key, _ in claims:
                    if key.startswith("discord:"):
                        self.mark("claimed", int(key.removeprefix("discord:")))
            return firsts

        async def first_delivery(
            sessions: Any, claims: list[tuple[str, Any]], now: Any = None
        ) -> bool:
            """Marks the interaction claimed before its command (PostgreSQL's way)."""
            first = await apart(sessions, claims, now)
            interaction = HERE.get()
            if interaction is not None and "claimed" not in self.marks.get(interaction, {}):
                self.mark("claimed")  # not a refusal's claim, written after its command
            return first

        async def dispatch(request: Request) -> Reply | None:
            reply = await handle(request)
            self.mark("dispatched")
            return reply

        adapter.stages = self
        dispatcher_module.claim_first = claim_first
        dispatcher_module.first_delivery = first_delivery
        adapter.core.dispatcher.handle_once = dispatch  # type: ignore[method-assign]
        try:
            yield
        finally:
            adapter.stages = None
            dispatcher_module.claim_first = claim
            dispatcher_module.first_delivery = apart
            adapter.core.dispatcher.handle_once = handle  # type: ignore[method-assign]

    @contextlib.contextmanager
    def watching_the_loop(self) -> Iterator[None]:
        """Samples how late a timer fires: the time a ready callback waits for the loop."""

        async def sample() -> None:
            while True:
                due = time.monotonic() + self.LAG_EVERY
                await asyncio.sleep(self.LAG_EVERY)
                self.lags.append(max(0.0, time.monotonic() - due))

        self.lags = []
        sampler = asyncio.create_task(sample())
        try:
            yield
        finally:
            sampler.cancel()

    def lines(self, backend: str, phase: Phase) -> list[str]:
        rows: dict[str, list[float]] = {name: [] for name, _, _ in STAGES}
        for interaction, sent, answered in zip(phase.ids, phase.sent, phase.answered, strict=True):
            marks = self.marks.get(interaction)
            if marks is None or sent is None or answered is None:
                continue
            at = {**marks, "sent": phase.start + sent, "answered": phase.start + answered}
            for name, first, then in STAGES:
                if first in at and then in at:
                    rows[name].append(at[then] - at[first])
        parts = [
            f"{name} {ms(percentile(v, 50))}/{ms(percentile(v, 99))}"
            for name, v in rows.items()
            if v
        ]
        lines = [f"{backend:<8}  our time to callback by stage, p50/p99: " + ", ".join(parts)]
        if self.lags:
            lags = self.lags
            lines.append(
                f"{backend:<8}  event loop lag during our run (a {self.LAG_EVERY * 1000:.0f} ms "
                f"timer, {len(lags)} samples): p50 {ms(percentile(lags, 50))}, "
                f"p99 {ms(percentile(lags, 99))}, max {ms(max(lags))}"
            )
        return lines


class StagedAdapter(DiscordAdapter):
    """The production adapter, noting when each interaction reaches its handler."""

    stages: Stages | None = None

    async def answer(
        self, interaction: discord.Interaction[Any], request: Request, *, private: bool = False
    ) -> None:
        token = HERE.set(interaction.id)
        try:
            if self.stages is not None:
                self.stages.mark("handler")
            await super().answer(interaction, request, private=private)
        finally:
            HERE.reset(token)


# --------------------------------------------------------------------- the clients


class NoVoiceWarning(logging.Filter):
    """discord.py warns, once per client, that voice is unsupported: no voice here."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "voice will NOT be supported" not in record.getMessage()


logging.getLogger("discord.client").addFilter(NoVoiceWarning())


class BareRun(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"run:(?P<command>.+)"):
    """Our `run:` buttons, answered with "ok"."""

    def __init__(self, command: str) -> None:
        super().__init__(discord.ui.Button(label="…", custom_id=f"run:{command}"))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> BareRun:
        return cls(match["command"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message("ok", ephemeral=True)


class BareClient(discord.Client):
    async def setup_hook(self) -> None:
        self.add_dynamic_items(BareRun)


async def reply_ok(interaction: discord.Interaction[Any], **options: Any) -> None:
    await interaction.response.send_message("ok", ephemeral=True)


async def no_suggestions(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    return []


def bare_command(
    template: app_commands.Command[Any, ..., Any],
) -> app_commands.Command[Any, ..., Any]:
    """A command shaped like `template` (name, description, typed options, choices,
    autocomplete) whose callback only replies "ok"."""

    async def callback(interaction: discord.Interaction[Any], **options: Any) -> None:
        await reply_ok(interaction, **options)

    for attribute in (
        "__signature__",
        "__discord_app_commands_param_description__",
        "__discord_app_commands_param_choices__",
        "__discord_app_commands_param_rename__",
    ):
        if hasattr(template.callback, attribute):
            setattr(callback, attribute, getattr(template.callback, attribute))
    command: app_commands.Command[Any, ..., Any] = app_commands.Command(
        name=template.name, description=template.description, callback=callback
    )
    for python_name, parameter in template._params.items():  # keyed by Python name
        if parameter.autocomplete:
            command.autocomplete(python_name)(no_suggestions)
    return command


def bare_tree(client: discord.Client, shapes: Mapping[str, Any]) -> app_commands.CommandTree[Any]:
    """Our groups and commands (`DiscordAdapter.commands`), with callbacks that only reply."""
    tree: app_commands.CommandTree[Any] = app_commands.CommandTree(client)
    for shape in shapes.values():
        if isinstance(shape, app_commands.Group):
            group = app_commands.Group(name=shape.name, description=shape.description)
            for command in shape.commands:
                assert isinstance(command, app_commands.Command)
                group.add_command(bare_command(command))
            tree.add_command(group)
        else:
            tree.add_command(bare_command(shape))
    return tree


async def start_client(
    client: discord.Client, tree: app_commands.CommandTree[Any], where: dict[str, str]
) -> asyncio.Task[None]:
    """Point discord.py at a fake, log in, connect, sync the guild's commands."""
    point_at(where["api"], where["gateway"])
    runner = asyncio.create_task(client.start(BOT_TOKEN))
    ready = asyncio.create_task(client.wait_until_ready())
    done, _ = await asyncio.wait({runner, ready}, return_when=asyncio.FIRST_COMPLETED)
    if runner in done:
        ready.cancel()
        runner.result()
        raise RuntimeError("the Discord client stopped before it was ready")
    async with asyncio.timeout(10):
        while client.get_channel(GENERAL_ID) is None:
            await asyncio.sleep(0.01)
    guild = discord.Object(GUILD_ID)
    tree.copy_global_to(guild=guild)  # as `chapterhouse discord sync` does
    await tree.sync(guild=guild)
    return runner


async def stop_client(client: discord.Client, runner: asyncio.Task[None] | None) -> None:
    await client.close()
    if runner is not None:
        await asyncio.wait_for(runner, 10)


def shape(commands: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Synced commands without what Discord assigns (ids, versions)."""
    drop = {"id", "version", "application_id", "guild_id"}
    return sorted(
        ({k: v for k, v in c.items() if k not in drop} for c in commands), key=lambda c: c["name"]
    )


async def setup(load: Load) -> tuple[int, int]:
    """HQ binds Boston's channel and opens a society poll there; (poll id, its card's id)."""
    bind = Action("setup", ADMIN, BOSTON_ID, "chapter bind", {"chapter": "Boston"})
    create = Action(
        "setup",
        ADMIN,
        BOSTON_ID,
        "poll create",
        {
            "question": chat_load.QUESTION,
            "options": " ".join(f'"{o}"' for o in chat_load.OPTIONS),
            "audience": "society",
            "closes": "7d",
        },
    )
    phase = await load.run("ours", [bind, create], 1, None, texts=True)
    bound, created = phase.texts
    if bound is None or "now receives" not in bound:
        raise RuntimeError(f"/chapter bind Boston failed: {bound!r}")
    if created is None or "Posted to" not in created:
        raise RuntimeError(f"creating the poll failed: {created!r}")
    card = await load.ask({"op": "card"})
    return int(card["poll"]), int(card["message"])


# -------------------------------------------------------------------- a backend


async def run_backend(
    backend: str, url: str, args: argparse.Namespace, load: Load
) -> chat_load.Result[Phase]:
    core = await chat_load.start_core(backend, url, f"discord:{ADMIN}")
    adapter: StagedAdapter | None = None
    ours_runner: asyncio.Task[None] | None = None
    bare: BareClient | None = None
    bare_runner: asyncio.Task[None] | None = None
    buttons = args.votes == "buttons"
    try:
        rng = random.Random(args.seed)
        homes = await chat_load.seed_members(
            core, backend, url, args.members, rng, "Discord", discord_id
        )
        users = dict(rng.sample(sorted(homes.items()), args.users))
        fakes = await load.fakes({user: username(user) for user in [ADMIN, *users]})

        adapter = StagedAdapter(core, guild_ready_timeout=GUILD_READY)
        shapes = adapter.commands
        core.notifier.add_poster(adapter.poster)
        ours_runner = await start_client(adapter.client, adapter.tree, fakes["ours"])
        poll_id, card = await setup(load)
        spacing = 8 * args.concurrency
        mix = Mix(users, poll_id, rng, spacing, buttons)
        bare_mix = Mix(users, poll_id, random.Random(args.seed + 1), spacing, buttons)
        print(
            f"{backend:<8}  setup: /chapter bind Boston in #{DEFAULT_CHANNELS[BOSTON_ID]}, "
            f"society poll {poll_id} posted there (card {card}); {args.users} Discord users "
            f"send the mix, votes as {'clicks on its buttons' if buttons else '/poll vote'}"
        )

        warm = await load.run("ours", mix.draw(chat_load.WARM_UP), args.concurrency, card)
        await core.notifier.live.drain()
        if warm.lost or warm.failed or warm.crashes:
            raise RuntimeError(
                f"warm-up: {warm.lost} callbacks lost, {warm.failed} failed, {warm.crashes} crashed"
            )
        before = chat_load.refusals("discord")
        stages = Stages()
        cpu = chat_load.CpuMeter()
        with (
            chat_load.Profiler(args.profile, backend, "ours"),
            stages.hooked(adapter),
            stages.watching_the_loop(),
        ):
            ours = await load.run("ours", mix.draw(args.n), args.concurrency, card)
        ours_cpu = cpu.per(args.n - ours.lost)
        refused = chat_load.refused_since(before, "discord")
        requests = [request_of(core.registry, a) for a in mix.draw(args.n)]
        core_rate, core_cpu = await chat_load.core_alone(
            core, requests, args.concurrency, chat_load.Profiler(args.profile, backend, "core")
        )
        await stop_client(adapter.client, ours_runner)
        adapter = ours_runner = None

        bare = BareClient(intents=discord.Intents.default(), guild_ready_timeout=GUILD_READY)
        tree = bare_tree(bare, shapes)
        bare_runner = await start_client(bare, tree, fakes["bare"])
        synced = await load.ask({"op": "synced"})
        if shape(synced["ours"]) != shape(synced["bare"]):
            raise RuntimeError("the bare client's commands differ from ours")
        warm = await load.run("bare", bare_mix.draw(chat_load.WARM_UP), args.concurrency, card)
        if warm.lost or warm.failed:
            raise RuntimeError(f"bare warm-up: {warm.lost} callbacks lost, {warm.failed} failed")
        cpu = chat_load.CpuMeter()
        bare_phase = await load.run("bare", bare_mix.draw(args.n), args.concurrency, card)
        bare_cpu = cpu.per(args.n - bare_phase.lost)
        await stop_client(bare, bare_runner)
        bare = bare_runner = None

        result = chat_load.Result(
            backend,
            bare_phase,
            ours,
            core_rate,
            refused,
            {"bare": bare_cpu, "ours": ours_cpu, "core": core_cpu},
        )
        report(result)
        for line in stages.lines(backend, ours):
            print(line)
        return result
    finally:
        if adapter is not None:
            await stop_client(adapter.client, ours_runner)
        if bare is not None:
            await stop_client(bare, bare_runner)
        await core.close()


def report(result: chat_load.Result[Phase]) -> None:
    backend, bare, ours = result.backend, result.bare, result.ours
    ratio = ours.rate / bare.rate
    p99 = percentile(ours.waits, 99)
    print(
        f"{backend:<8}  {'client':<6} {'interactions':>12} {'callbacks/s':>11} "
        f"{'cb p50':>9} {'cb p99':>9} {'cb max':>9} {'all in':>7}"
    )
    for name, phase in (("bare", bare), ("ours", ours)):
        waits = phase.waits
        print(
            f"{backend:<8}  {name:<6} {len(phase.actions):>12} {phase.rate:>11.0f} "
            f"{ms(percentile(waits, 50)):>9} {ms(percentile(waits, 99)):>9} "
            f"{ms(max(waits)):>9} {phase.duration:>6.2f}s"
        )
    print(chat_load.goal_lines(backend, ratio, "ours ÷ bare callbacks/s", p99, "callback"))
    print(
        f"{backend:<8}  the core alone (same mix into the dispatcher): {result.core_rate:.0f} "
        f"requests/s; ours ÷ core: {ours.rate / result.core_rate:.2f}"
    )
    print(chat_load.cpu_line(backend, result.cpu, "interaction"))
    print(
        f"{backend:<8}  lost callbacks: ours {ours.lost}, bare {bare.lost} (must be 0); "
        f"failed callbacks: ours {ours.failed}, bare {bare.failed}; "
        f"deferred: {ours.deferred}; crashes: {ours.crashes}"
    )
    print(chat_load.refusals_line(backend, result.refused))
    rest = ", ".join(f"{route} {n}" for route, n in sorted(ours.rest.items())) or "none"
    print(
        f"{backend:<8}  our interactions: {chat_load.drawn(LABELS, (a.kind for a in ours.actions))}"
    )
    print(f"{backend:<8}  REST calls during our run: {rest}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    chat_load.add_load_options(
        parser,
        n="interactions per client (measured)",
        concurrency="interactions in flight",
        members="Discord members seeded",
        users="members sending the interactions",
    )
    parser.add_argument(
        "--votes",
        choices=("buttons", "commands"),
        default="buttons",
        help="votes as clicks on the poll card's buttons, or as /poll vote commands",
    )
    chat_load.add_host_options(
        parser,
        cpu="pin this process (the clients and the app) to CPU N; the fakes run on the others",
    )
    return chat_load.parse_load_args(parser, argv, "interactions")


async def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.load_process:
        return await load_process(args.avoid_cpu)
    original = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    load = await Load.start(__file__, args.cpu)
    settings = (
        f"settings  n={args.n} per client after a warm-up of {chat_load.WARM_UP}, "
        f"concurrency={args.concurrency}, {args.users} Discord users, "
        f"{args.members:,} seeded members, votes as {args.votes}, "
        f"live posts every {chat_load.LIVE_INTERVAL:.0f}s; both clients in this process, one at "
        f"a time; the fakes (gateway + REST) in a child process (pid {load.process.pid})"
    )
    try:
        return await chat_load.run_benches(
            args,
            load,
            "discord",
            settings,
            LABELS,
            lambda backend, url: run_backend(backend, url, args, load),
        )
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = original


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

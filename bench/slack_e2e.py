"""Slack end to end: signed slash commands over HTTP into our app, next to a bare Bolt app.

What it measures
----------------
`-n` slash commands (by default 2,000), signed exactly as Slack signs them and
posted over real HTTP (an aiohttp client, keep-alive, `--concurrency` requests in
flight) to `POST /slack/events` of two apps served with aiohttp on 127.0.0.1 in
this process, one after the other, in the same run:

* ours: `SlackAdapter` behind `adapters.http.build_web_app`, the way production
  serves it — acknowledge, parse, dispatch, commit, render Block Kit, post the
  reply to the command's `response_url`;
* bare: a Bolt `AsyncApp` with the same signing secret, the very same Web API
  client (pointed at the same fake Slack) and the same mode as ours
  (`process_before_response=True`: Bolt answers when the listener returns),
  whose listeners for the same slash commands only `await ack()`.

For each app: the time to ack (from sending a request to receiving its HTTP 200;
p50/p99/max per request) and throughput. Ours is done with a command when its
reply has reached the fake's `response_url`, so its handled/s runs until the last
reply arrived; the bare app has no reply, so its figure runs until the last ack.
Our acks/s is printed too. The ratio "ours handled/s ÷ bare acks/s" (goal ≥ 0.7)
and our p99 time to ack (goal < 100 ms: Slack gives up after 3 s, and a member
typing a command sees the delay) are computed from the figures of this run.

Why
---
The core benches call the dispatcher directly. What a Slack member meets is also
Bolt, HTTP, Block Kit rendering and the reply's post to `response_url`; and what
must hold under a burst (a society poll announced in every channel) is that Slack
always gets its ack at once, every command gets exactly one reply, and the whole
path stays within reach of what Bolt alone costs. The bare app is that floor,
measured on the same machine, in the same run, under the same load.

How
---
1. Build the app with `bot.bootstrap.bootstrap` (migrations applied there, live
   posts refreshed at most once a second) on a SQLite file in a temporary
   directory and, with `--postgres URL`, again on PostgreSQL after dropping and
   recreating its `public` schema. Seed the demo society (`commands.demo`) and
   `--members` more members with Slack accounts spread over its chapters (bulk
   inserts, not measured). `CHAPTERHOUSE_ADMINS` makes one Slack user HQ.
2. Through the app, as Slack would send them: HQ binds a Slack channel to Boston
   (`/chapter bind Boston`) and opens a society poll there, which is posted to
   that channel, so votes keep its live card refreshed by `chat.update`, as in
   production. (The demo's own society poll stays open beside it.)
3. A mix of commands from `--users` distinct Slack members (fixed seed): 40 %
   `/poll vote ID N`, then `/poll results ID`, `/poll list --open`, `/chapter list`,
   `/chapter info Boston`, `/chapter status Boston`, `/member profile`, `/help` and
   `/member join Boston` (another chapter for a member already in Boston, so a
   join is never refused; two joins of one member are kept far apart, so even
   out of order neither can be). Each request carries its own `response_url`.
4. The client and the fake Slack run in a child process (this script with
   `--load-process`): this process holds only the apps under test, so their
   figures and a profile of this process are not mixed with the load's own work.
   The child times each request and notes when each reply arrives (monotonic
   clock); replies still missing after 30 s without progress are counted lost.
5. A warm-up of 100 commands per app (replies awaited; not counted), then the
   bare app, then ours. Refusals are read from the process's metrics
   (`chapterhouse_commands{outcome="refused"}`), crashes from the replies' text.

Reading the figures
-------------------
Both apps answer Slack when the listener returns (`process_before_response=True`;
ours acknowledges and hands the work to a task). Bolt's other mode polls for the
ack every 10 ms, which puts a 10 ms floor under every ack. Our app acks first and
works afterwards, so under a burst its acks outpace its replies: work queues in
the process, and what is queued competes with new acks for the event loop; that
is what our p99 time to ack shows.

The same mix is also sent straight into the dispatcher (no HTTP, no Bolt, same
concurrency): the core's own ceiling on this machine. "ours handled/s ÷ core
commands/s" is the share of the core's speed that survives the Slack path, which
is what the adapter can be held to; the ratio against the bare app also carries
the core's cost per command, which no adapter can remove.
Our reply p50/p99 (send to reply
received) say how long a member waited for the answer. Lost replies must be 0;
refusals should be 0 for this mix (each is counted by command). On a small VM the
client's process and aiosqlite's thread share the CPUs with the app; `--cpu N`
pins the apps to CPU N and the load to the other CPUs, and the `host` lines say
how busy the machine was.

Usage
-----
    .venv/bin/python bench/slack_e2e.py [-n 2000] [--concurrency 16] [--members 2000]
        [--users 50] [--postgres URL] [--cpu N] [--seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from adapters.http import SLACK_PATH, build_web_app
from adapters.slack.app import SlackAdapter
from bench.common import bench_settings, fresh_postgres_schema, host_line, ms, percentile
from bot.bootstrap import App, bootstrap
from bot.context import Place, Request
from bot.metrics import COMMANDS
from commands.demo import seed_demo
from storage.engine import safe_url
from storage.models import Chapter, Identity, Member
from storage.uow import UnitOfWork
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.harness import SIGNING_SECRET, TEAM, sign

ADMIN = "U0HQADMIN"  # HQ by configuration
BOT_TOKEN = "xoxb-bench-token"
BOSTON = ("C0BOSTON", "boston")
GENERAL = ("C0GENERAL", "general")
OPTIONS = ("Lisbon", "Denver", "Osaka", "Nairobi")
WARM_UP = 100
LIVE_INTERVAL = 1.0
STALL_SECONDS = 30.0
"""Seconds without a new reply after which the missing ones count as lost."""
GOAL_RATIO = 0.7
GOAL_ACK_MS = 100.0
CRASH_MARK = "Something went wrong on our side"
SEED_CHUNK = 5_000

FIRST = (
    "Ada", "Amara", "Ben", "Chen", "Dana", "Eli", "Fatima", "Grace", "Hiro", "Ines", "Jonas",
    "Kwame", "Lena", "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma",
)  # fmt: skip
LAST = (
    "Okafor", "Nguyen", "Schmidt", "Garcia", "Kowalski", "Haddad", "Tanaka", "Silva", "Murphy",
    "Larsen", "Mensah", "Rossi", "Cohen", "Patel", "Kim", "Novak", "Dubois", "Ivanova",
)  # fmt: skip
# Where the seeded members are (the demo's chapters; None: no chapter yet), by weight.
HOMES: dict[str | None, int] = {
    "Boston": 25,
    "Washington DC": 20,
    "San Francisco": 20,
    "London": 8,
    "Chicago": 5,
    "New York": 7,
    None: 15,
}
JOIN_TARGETS = ("Boston", "London", "Chicago")
"""Boston when it can be; otherwise one the member was in neither now nor before."""

VOTE = "/poll vote ID N"
RESULTS = "/poll results ID"
POLLS = "/poll list --open"
LIST = "/chapter list"
INFO = "/chapter info Boston"
STATUS = "/chapter status Boston"
PROFILE = "/member profile"
HELP = "/help"
JOIN = "/member join Boston"
MIX: dict[str, int] = {
    VOTE: 40,
    RESULTS: 9,
    POLLS: 7,
    LIST: 6,
    INFO: 9,
    STATUS: 9,
    PROFILE: 9,
    HELP: 7,
    JOIN: 4,
}
WRITES = {VOTE, JOIN}


# --------------------------------------------------------------------- the load


@dataclass(frozen=True)
class Command:
    label: str
    user: str
    text: str
    channel: str
    channel_name: str


class TimedFake(FakeSlack):
    """The fake Slack, also noting when each `response_url` first received a reply."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: dict[str, float] = {}
        self.awaited: set[str] = set()
        self.progress = asyncio.Event()

    async def _respond(self, request: web.Request) -> web.Response:
        response = await super()._respond(request)
        token = request.match_info["token"]
        if token not in self.arrived:
            self.arrived[token] = time.perf_counter()
            self.awaited.discard(token)
            self.progress.set()
        return response


_tokens = itertools.count(1)


def command_body(fake: FakeSlack, command: Command, token: str) -> str:
    """A slash command as Slack posts it (form-encoded), as in the tests' harness."""
    name, _, rest = command.text.partition(" ")
    fields = {
        "token": "legacy-verification-token",
        "team_id": TEAM["id"],
        "team_domain": TEAM["domain"],
        "channel_id": command.channel,
        "channel_name": command.channel_name,
        "user_id": command.user,
        "user_name": command.user.lower(),
        "command": name,
        "text": rest,
        "api_app_id": "A0CHAPTERHOUSE",
        "is_enterprise_install": "false",
        "response_url": fake.response_url(token),
        "trigger_id": f"{next(_tokens)}.1.trigger{token}",
    }
    return urlencode(fields)


async def load_phase(
    fake: TimedFake, sessions: dict[str, aiohttp.ClientSession], order: dict[str, Any]
) -> dict[str, Any]:
    """Send the commands of one phase; the timings, relative to the phase's start."""
    url: str = order["url"]
    commands = [Command(**c) for c in order["commands"]]
    concurrency: int = order["concurrency"]
    tokens = [f"t{next(_tokens)}" for _ in commands]
    bodies = [command_body(fake, c, t) for c, t in zip(commands, tokens, strict=True)]
    key = f"{url} {concurrency}"
    if key not in sessions:  # one per app: its connections stay open from warm-up on
        connector = aiohttp.TCPConnector(limit=concurrency)
        sessions[key] = aiohttp.ClientSession(connector=connector)
    session = sessions[key]
    count = len(commands)
    sent, acked, status = [0.0] * count, [0.0] * count, [0] * count
    if order["replies"]:
        fake.awaited = set(tokens)
    queue = iter(range(count))
    calls_before = len(fake.calls)

    async def worker() -> None:
        for i in queue:
            stamp = int(time.time())
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": str(stamp),
                "X-Slack-Signature": sign(bodies[i], stamp),
            }
            sent[i] = time.perf_counter()
            async with session.post(url + SLACK_PATH, data=bodies[i], headers=headers) as answer:
                await answer.read()
                status[i] = answer.status
            acked[i] = time.perf_counter()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    while order["replies"] and fake.awaited:
        fake.progress.clear()
        try:
            await asyncio.wait_for(fake.progress.wait(), STALL_SECONDS)
        except TimeoutError:
            break
    replied = [fake.arrived.get(t) for t in tokens]
    texts = [
        str(fake.responses[t][0].params.get("text", ""))[:300] if t in fake.responses else None
        for t in tokens
    ]
    api = Counter(c.method for c in fake.calls[calls_before:] if c.method != "response_url")
    return {
        "sent": [s - start for s in sent],
        "acked": [a - start for a in acked],
        "status": status,
        "replied": [None if r is None else r - start for r in replied],
        "texts": texts,
        "api": dict(api),
    }


def emit(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def load_process(avoid_cpu: int | None) -> int:
    """The child: a fake Slack and the client, driven by JSON lines on stdin."""
    if avoid_cpu is not None:
        others = set(os.sched_getaffinity(0)) - {avoid_cpu}
        if others:
            os.sched_setaffinity(0, others)
    fake = TimedFake()
    await fake.start()
    sessions: dict[str, aiohttp.ClientSession] = {}
    loop = asyncio.get_running_loop()
    try:
        emit({"api_url": fake.api_url})
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                break
            order = json.loads(line)
            if order["op"] == "stop":
                break
            emit(await load_phase(fake, sessions, order))
    finally:
        for session in sessions.values():
            await session.close()
        await fake.stop()
    return 0


@dataclass
class Phase:
    """One app's run of commands, as the child saw it (seconds from the phase's start)."""

    commands: list[Command]
    sent: list[float]
    acked: list[float]
    status: list[int]
    replied: list[float | None]
    texts: list[str | None]
    api: dict[str, int]

    @property
    def acks(self) -> list[float]:
        return [a - s for s, a in zip(self.sent, self.acked, strict=True)]

    @property
    def ack_rate(self) -> float:
        return len(self.acked) / max(self.acked)

    @property
    def handled_rate(self) -> float:
        """Replies arrived per second, until the last one arrived."""
        arrived = [r for r in self.replied if r is not None]
        return len(arrived) / max(arrived) if arrived else 0.0

    @property
    def reply_waits(self) -> list[float]:
        return [r - s for s, r in zip(self.sent, self.replied, strict=True) if r is not None]

    @property
    def lost(self) -> int:
        return sum(r is None for r in self.replied)

    @property
    def failed_acks(self) -> int:
        return sum(s != 200 for s in self.status)

    @property
    def crashes(self) -> int:
        return sum(t is not None and CRASH_MARK in t for t in self.texts)


class Load:
    """The child process running the client and the fake Slack."""

    def __init__(self, process: asyncio.subprocess.Process, api_url: str) -> None:
        self.process = process
        self.api_url = api_url

    @classmethod
    async def start(cls, avoid_cpu: int | None) -> Load:
        argv = [sys.executable, str(Path(__file__).resolve()), "--load-process"]
        if avoid_cpu is not None:
            argv += ["--avoid-cpu", str(avoid_cpu)]
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=1 << 26,  # a phase's timings come back as one line
        )
        load = cls(process, "")
        load.api_url = (await load._read())["api_url"]
        return load

    async def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError("the load process exited; see its error above")
        answer: dict[str, Any] = json.loads(line)
        return answer

    async def _send(self, order: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write((json.dumps(order) + "\n").encode())
        await self.process.stdin.drain()

    async def run(
        self, url: str, commands: list[Command], concurrency: int, replies: bool
    ) -> Phase:
        await self._send(
            {
                "op": "run",
                "url": url,
                "commands": [asdict(c) for c in commands],
                "concurrency": concurrency,
                "replies": replies,
            }
        )
        answer = await self._read()
        return Phase(commands, **answer)

    async def stop(self) -> None:
        if self.process.returncode is None:
            try:
                await self._send({"op": "stop"})
                await asyncio.wait_for(self.process.wait(), 10)
            except (TimeoutError, ConnectionError):
                self.process.kill()
                await self.process.wait()


# ---------------------------------------------------------------------- seeding


def slack_id(number: int) -> str:
    return f"U0M{number:05d}"


async def seed(core: App, members: int, rng: random.Random) -> dict[str, str | None]:
    """The demo society plus `members` Slack members; each one's chapter, by Slack id."""
    async with UnitOfWork(core.sessions, core.clock.now()) as uow:
        await seed_demo(uow.session, uow.now)
        await uow.commit()
    now = datetime.now(UTC)
    homes = list(HOMES)
    weights = list(HOMES.values())
    chapter_of: dict[str, str | None] = {}
    async with core.engine.begin() as connection:
        chapter_ids = dict((await connection.execute(select(Chapter.name, Chapter.id))).all())
        first = int(await connection.scalar(select(func.max(Member.id))) or 0) + 1
        for start in range(0, members, SEED_CHUNK):
            member_rows: list[dict[str, Any]] = []
            identity_rows: list[dict[str, Any]] = []
            for number in range(start + 1, min(start + SEED_CHUNK, members) + 1):
                home = rng.choices(homes, weights)[0]
                name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
                joined = now - timedelta(days=rng.randint(3, 900))
                chapter_of[slack_id(number)] = home
                member_rows.append(
                    {
                        "id": first + number - 1,
                        "name": name,
                        "email": f"m{number}@example.org" if rng.random() < 0.6 else None,
                        "chapter_id": chapter_ids[home] if home else None,
                        "nudges": True,
                        "joined_at": joined,
                        "last_active_at": now - timedelta(hours=rng.randint(1, 2000)),
                    }
                )
                identity_rows.append(
                    {
                        "member_id": first + number - 1,
                        "platform": "slack",
                        "external_id": slack_id(number),
                        "display_name": name,
                        "created_at": joined,
                    }
                )
            await connection.execute(insert(Member), member_rows)
            await connection.execute(insert(Identity), identity_rows)
        if connection.dialect.name == "postgresql":
            # Explicit ids leave the sequence behind; the admin's registration would collide.
            await connection.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('members', 'id'), "
                "(SELECT max(id) FROM members))"
            )
    if core.engine.dialect.name == "postgresql":
        async with core.engine.connect() as maintenance:
            await maintenance.execution_options(isolation_level="AUTOCOMMIT")
            await maintenance.exec_driver_sql("VACUUM ANALYZE")
    return chapter_of


# ------------------------------------------------------------------------ the mix


class Mix:
    """Draws commands in the proportions of `MIX` from a few members; tracks their joins."""

    def __init__(
        self, homes: dict[str, str | None], poll_id: int, rng: random.Random, spacing: int
    ) -> None:
        self.rng = rng
        self.poll_id = poll_id
        self.users = list(homes)
        self.chapters = {user: [None, home] for user, home in homes.items()}
        """Each member's chapter before their last join, and now."""
        self.spacing = spacing
        self.last_join: dict[str, int] = {}
        self.drawn = 0
        self.labels = list(MIX)
        self.weights = [MIX[label] for label in self.labels]

    def draw(self, count: int) -> list[Command]:
        commands: list[Command] = []
        while len(commands) < count:
            label = self.rng.choices(self.labels, self.weights)[0]
            command = self.make(label)
            if command is not None:
                commands.append(command)
                self.drawn += 1
        return commands

    def make(self, label: str) -> Command | None:
        rng = self.rng
        channel, channel_name = BOSTON if rng.random() < 0.3 else GENERAL
        user = rng.choice(self.users)
        text = {
            VOTE: f"/poll vote {self.poll_id} {rng.randint(1, len(OPTIONS))}",
            RESULTS: f"/poll results {self.poll_id}",
            POLLS: "/poll list --open",
            LIST: "/chapter list",
            INFO: "/chapter info Boston",
            STATUS: "/chapter status Boston",
            PROFILE: "/member profile",
            HELP: rng.choice(("/help", "/help poll")),
        }.get(label)
        if text is None:
            return self._join(channel, channel_name)
        return Command(label, user, text, channel, channel_name)

    def _join(self, channel: str, channel_name: str) -> Command | None:
        """A member whose last join is far behind joins a chapter they are not in now
        and were not in before: in either order, two joins of theirs both succeed."""
        ready = [
            user
            for user in self.users
            if self.drawn - self.last_join.get(user, -self.spacing) >= self.spacing
        ]
        if not ready:
            return None
        user = self.rng.choice(ready)
        before = self.chapters[user]
        target = next(c for c in JOIN_TARGETS if c not in before)
        self.chapters[user] = [before[1], target]
        self.last_join[user] = self.drawn
        return Command(JOIN, user, f"/member join {target}", channel, channel_name)


# --------------------------------------------------------------------- the apps


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


def bare_app(adapter: SlackAdapter, groups: list[str]) -> web.Application:
    """Bolt alone: our signing secret and client, listeners that only acknowledge."""
    bolt = AsyncApp(
        client=adapter.client,
        signing_secret=SIGNING_SECRET,
        process_before_response=True,
        raise_error_for_unhandled_request=False,
    )

    async def acknowledge(ack: AsyncAck) -> None:
        await ack()

    for group in groups:
        bolt.command(f"/{group}")(acknowledge)
    app = web.Application()

    async def slack_events(request: web.Request) -> web.Response:  # as adapters/http.py
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app.router.add_post(SLACK_PATH, slack_events)
    return app


def refusals() -> Counter[str]:
    """Slack commands refused so far in this process, by command (from the metrics)."""
    counts: Counter[str] = Counter()
    for metric in COMMANDS.collect():
        for sample in metric.samples:
            labels = sample.labels
            if (
                sample.name.endswith("_total")
                and labels.get("platform") == "slack"
                and labels.get("outcome") == "refused"
            ):
                counts[labels["command"]] += int(sample.value)
    return counts


async def setup(load: Load, url: str) -> int:
    """HQ binds Boston's Slack channel and opens a society poll there; the poll's id."""
    bind = Command("setup", ADMIN, "/chapter bind Boston", *BOSTON)
    options = " ".join(f'"{o}"' for o in OPTIONS)
    create = Command(
        "setup",
        ADMIN,
        f'/poll create "Where is the next conference?" {options} --audience society --closes 7d',
        *BOSTON,
    )
    phase = await load.run(url, [bind, create], 1, replies=True)
    bound, created = phase.texts
    if bound is None or "now receives" not in bound:
        raise RuntimeError(f"/chapter bind Boston failed: {bound!r}")
    found = re.match(r"Poll (\d+) is open", created or "")
    if found is None:
        raise RuntimeError(f"creating the poll failed: {created!r}")
    if phase.api.get("chat.postMessage", 0) < 1:
        raise RuntimeError(f"the poll was not posted to Boston's channel: {phase.api}")
    return int(found.group(1))


# -------------------------------------------------------------------- a backend


@dataclass
class Result:
    backend: str
    bare: Phase
    ours: Phase
    core_rate: float
    refused: Counter[str] = field(default_factory=Counter)

    @property
    def ratio(self) -> float:
        return self.ours.handled_rate / self.bare.ack_rate

    @property
    def ack_p99(self) -> float:
        return percentile(self.ours.acks, 99)


async def run_backend(backend: str, url: str, args: argparse.Namespace, load: Load) -> Result:
    settings = bench_settings(url, f"slack:{ADMIN}")
    if backend == "postgres":
        await fresh_postgres_schema(url)
    core = await bootstrap(settings, live_interval=LIVE_INTERVAL)
    runners: list[web.AppRunner] = []
    adapter: SlackAdapter | None = None
    try:
        rng = random.Random(args.seed)
        start = time.perf_counter()
        homes = await seed(core, args.members, rng)
        print(
            f"{backend:<8}  seeded the demo society and {args.members:,} Slack members "
            f"in {time.perf_counter() - start:.1f}s (not measured)  [{safe_url(url)}]"
        )
        adapter = SlackAdapter(
            core, token=BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=load.api_url
        )
        core.notifier.add_poster(adapter.poster)
        runner, ours_url = await serve(build_web_app(core, adapter, ["slack"]))
        runners.append(runner)
        runner, bare_url = await serve(bare_app(adapter, core.registry.group_names()))
        runners.append(runner)

        poll_id = await setup(load, ours_url)
        users = dict(rng.sample(sorted(homes.items()), args.users))
        mix = Mix(users, poll_id, rng, spacing=8 * args.concurrency)
        bare_mix = Mix(users, poll_id, random.Random(args.seed + 1), spacing=8 * args.concurrency)
        print(
            f"{backend:<8}  setup: /chapter bind Boston in #{BOSTON[1]}, "
            f"society poll {poll_id} posted there; {args.users} Slack users send the mix"
        )

        await load.run(bare_url, bare_mix.draw(WARM_UP), args.concurrency, replies=False)
        warm = await load.run(ours_url, mix.draw(WARM_UP), args.concurrency, replies=True)
        await core.notifier.live.drain()
        if warm.lost or warm.failed_acks:
            raise RuntimeError(f"warm-up: {warm.lost} replies lost, {warm.failed_acks} acks failed")

        bare = await load.run(bare_url, bare_mix.draw(args.n), args.concurrency, replies=False)
        before = refusals()
        ours = await load.run(ours_url, mix.draw(args.n), args.concurrency, replies=True)
        refused = refusals()
        refused.subtract(before)
        await core.notifier.live.drain()
        core_rate = await direct(core, mix.draw(args.n), args.concurrency)
        await core.notifier.live.drain()
        result = Result(backend, bare, ours, core_rate, +refused)
        report(result)
        return result
    finally:
        for runner in runners:
            await runner.cleanup()
        if adapter is not None:
            await adapter.aclose()
        await core.close()


async def direct(core: App, commands: list[Command], concurrency: int) -> float:
    """The same mix straight into the dispatcher: commands per second, the core's ceiling."""
    pending = iter(commands)

    async def worker() -> None:
        for command in pending:
            place = Place("slack", command.channel, command.channel_name)
            request = Request("slack", command.user, command.user.lower(), place, command.text)
            await core.dispatcher.handle(request)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return len(commands) / (time.perf_counter() - start)


def report(result: Result) -> None:
    backend, bare, ours = result.backend, result.bare, result.ours
    print(
        f"{backend:<8}  {'app':<5} {'requests':>8} {'acks/s':>8} {'handled/s':>10} "
        f"{'ack p50':>9} {'ack p99':>9} {'ack max':>9} {'reply p50':>10} {'reply p99':>10}"
    )
    for name, phase in (("bare", bare), ("ours", ours)):
        acks = phase.acks
        waits = phase.reply_waits if phase is ours else []
        handled = phase.handled_rate if phase is ours else phase.ack_rate
        print(
            f"{backend:<8}  {name:<5} {len(acks):>8} {phase.ack_rate:>8.0f} {handled:>10.0f} "
            f"{ms(percentile(acks, 50)):>9} {ms(percentile(acks, 99)):>9} {ms(max(acks)):>9} "
            f"{ms(percentile(waits, 50)) if waits else '-':>10} "
            f"{ms(percentile(waits, 99)) if waits else '-':>10}"
        )
    ratio_met = "met" if result.ratio >= GOAL_RATIO else "NOT met"
    ack_met = "met" if result.ack_p99 * 1000 < GOAL_ACK_MS else "NOT met"
    print(
        f"{backend:<8}  throughput ratio (ours handled/s ÷ bare acks/s): {result.ratio:.2f} "
        f"(goal ≥ {GOAL_RATIO}) {ratio_met}"
    )
    print(
        f"{backend:<8}  our p99 time to ack: {result.ack_p99 * 1000:.0f} ms "
        f"(goal < {GOAL_ACK_MS:.0f} ms) {ack_met}"
    )
    print(
        f"{backend:<8}  the core alone (same mix into the dispatcher): {result.core_rate:.0f} "
        f"commands/s; ours handled/s ÷ core: {ours.handled_rate / result.core_rate:.2f}; "
        f"our acks/s ÷ bare acks/s: {ours.ack_rate / bare.ack_rate:.2f}"
    )
    print(
        f"{backend:<8}  our ack throughput: {ours.ack_rate:.0f} acks/s; "
        f"all {len(ours.acks)} replies in {max(r or 0.0 for r in ours.replied):.2f}s "
        f"(acks done at {max(ours.acked):.2f}s)"
    )
    print(
        f"{backend:<8}  lost replies: {ours.lost} (must be 0); failed acks: ours "
        f"{ours.failed_acks}, bare {bare.failed_acks}; crashes: {ours.crashes}"
    )
    detail = ", ".join(f"{command} {n}" for command, n in sorted(result.refused.items()))
    print(
        f"{backend:<8}  refusals: {sum(result.refused.values())} (should be 0)"
        + (f": {detail}" if detail else "")
    )
    shares = Counter(c.label for c in ours.commands)
    mix = ", ".join(f"{label} {shares[label]}" for label in MIX)
    api = ", ".join(f"{method} {n}" for method, n in sorted(ours.api.items())) or "none"
    print(f"{backend:<8}  our commands: {mix}")
    print(f"{backend:<8}  Web API calls during our run: {api}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-n", type=int, default=2_000, help="commands per app (after warm-up)")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight")
    parser.add_argument("--members", type=int, default=2_000, help="Slack members seeded")
    parser.add_argument("--users", type=int, default=50, help="members sending the commands")
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL database")
    parser.add_argument(
        "--cpu",
        type=int,
        metavar="N",
        help="pin the apps to CPU N (and aiosqlite's thread); the load runs on the others",
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed")
    parser.add_argument("--load-process", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--avoid-cpu", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.n < 1 or args.concurrency < 1 or not 3 <= args.users <= args.members:
        parser.error("need 1+ commands, 1+ in flight, and 3 to --members users")
    return args


async def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.load_process:
        return await load_process(args.avoid_cpu)
    load = await Load.start(args.cpu)
    try:
        if args.cpu is not None:
            os.sched_setaffinity(0, {args.cpu})
        print(host_line("at start"))
        shares = ", ".join(f"{label} {share}%" for label, share in MIX.items())
        reads = sum(share for label, share in MIX.items() if label not in WRITES)
        print(
            f"settings  n={args.n} per app after a warm-up of {WARM_UP}, "
            f"concurrency={args.concurrency}, {args.users} Slack users, "
            f"{args.members:,} seeded members, live posts every {LIVE_INTERVAL:.0f}s; "
            f"client and fake Slack in a child process (pid {load.process.pid})"
        )
        print(f"mix       {shares} ({reads}% read-only)")
        with tempfile.TemporaryDirectory(prefix="chapterhouse-slack-") as tmp:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
            await run_backend("sqlite", url, args, load)
        if args.postgres:
            await run_backend("postgres", args.postgres, args, load)
    finally:
        await load.stop()
    print(host_line("at end"))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

"""What the chat-platform benches (`slack_e2e.py`, `discord_e2e.py`) share.

Both measure the same thing on two platforms: our app under a burst of members'
commands, next to a bare client of the same platform library, with the core alone
(the same commands straight into the dispatcher) as the ceiling. Their figures can
be read side by side only if everything but the platform is the same, so that part
lives here, once:

* the society: the demo's chapters plus `--members` members with accounts on the
  platform, bulk-inserted (`seed`); the poll's options (`OPTIONS`);
* the mix: which kinds of command are sent, in what proportions, by whom, and how
  joins are kept from being refused (`MIX`, `CommandMix`);
* the child process holding the load (the bench's own script re-run with
  `--load-process`, off the apps' CPU, driven by JSON lines: `LoadProcess` on this
  side, `avoid_cpu`, `serve_orders` and `emit` on the child's);
* the core alone (`core_alone`), refusals read from the metrics (`refusals`), the
  shared options (`add_load_options`, `add_host_options`, `parse_load_args`) and
  the run over SQLite, then PostgreSQL (`run_benches`).

What differs stays in each bench: how a member's account id is made, what a
command looks like on the wire (`CommandMix.make`), the fakes, how a phase is run
and timed, and what is reported.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Generic, Self, TypeVar

from sqlalchemy import func, insert, select

from bench.common import (
    bench_settings,
    catch_up_sequences,
    databases,
    fresh_postgres_schema,
    host_line,
    settle_after_bulk_load,
    start_run,
)
from bot.app import App
from bot.context import Request
from bot.metrics import COMMANDS
from chapterhouse.bootstrap import bootstrap
from commands.demo import seed_demo
from storage.engine import safe_url
from storage.models import Chapter, Identity, Member
from storage.uow import UnitOfWork

OPTIONS = ("Lisbon", "Denver", "Osaka", "Nairobi")
"""The options of the society poll the members vote on."""
QUESTION = "Where is the next conference?"
WARM_UP = 100
LIVE_INTERVAL = 1.0
STALL_SECONDS = 30.0
"""Seconds without a reply arriving after which the missing ones count as lost."""
GOAL_RATIO = 0.7
"""Our throughput over the bare app's, at the least."""
GOAL_P99_MS = 100.0
"""Our p99 time to answer, at the most: both platforms give up after 3 s, and a member
waiting for an answer sees the delay."""
CRASH_MARK = "Something went wrong on our side"
SEED_CHUNK = 5_000
BOSTON_SHARE = 0.3
"""The share of commands sent from Boston's channel; the others come from #general."""

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

# The kinds of command in the mix; each bench labels them as its platform writes them.
VOTE = "vote"
RESULTS = "results"
POLLS = "polls"
LIST = "list"
INFO = "info"
STATUS = "status"
PROFILE = "profile"
HELP = "help"
JOIN = "join"
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
"""Each kind's share of the mix, in percent."""
WRITES = {VOTE, JOIN}

UserT = TypeVar("UserT")
"""A member's account id on the platform, as the bench writes it (Slack: str, Discord: int)."""
CommandT = TypeVar("CommandT")
"""One command (or interaction) as the bench sends it to its load process."""
PhaseT = TypeVar("PhaseT")


def mix_line(labels: Mapping[str, str]) -> str:
    """The `mix` line of the preamble: each kind's share, under the bench's labels."""
    shares = ", ".join(f"{labels[kind]} {share}%" for kind, share in MIX.items())
    reads = sum(share for kind, share in MIX.items() if kind not in WRITES)
    return f"mix       {shares} ({reads}% read-only)"


def drawn(labels: Mapping[str, str], kinds: Iterable[str]) -> str:
    """How many commands of each kind were sent, under the bench's labels."""
    counts = Counter(kinds)
    return ", ".join(f"{labels[kind]} {counts[kind]}" for kind in MIX)


# ---------------------------------------------------------------------- seeding


async def seed(
    core: App, members: int, rng: random.Random, platform: str, account: Callable[[int], UserT]
) -> dict[UserT, str | None]:
    """The demo society plus `members` members with an account on `platform`, member
    number k's being `account(k)`; each one's chapter, by account id."""
    async with UnitOfWork(core.sessions, core.clock.now()) as uow:
        await seed_demo(uow.session, uow.now)
        await uow.commit()
    now = datetime.now(UTC)
    homes = list(HOMES)
    weights = list(HOMES.values())
    chapter_of: dict[UserT, str | None] = {}
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
                chapter_of[account(number)] = home
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
                        "platform": platform,
                        "external_id": str(account(number)),
                        "display_name": name,
                        "created_at": joined,
                    }
                )
            await connection.execute(insert(Member), member_rows)
            await connection.execute(insert(Identity), identity_rows)
        await catch_up_sequences(connection, "members")
    await settle_after_bulk_load(core.engine)
    return chapter_of


async def start_core(backend: str, url: str, admins: str) -> App:
    """The app on a fresh database (PostgreSQL's schema dropped first), `admins` HQ."""
    settings = bench_settings(url, admins)
    if backend == "postgres":
        await fresh_postgres_schema(url)
    return await bootstrap(settings, live_interval=LIVE_INTERVAL)


async def seed_members(
    core: App,
    backend: str,
    url: str,
    members: int,
    rng: random.Random,
    platform: str,
    account: Callable[[int], UserT],
) -> dict[UserT, str | None]:
    """`seed`, saying how long it took (it is not measured). `platform` is named as
    printed ("Slack"); the accounts' platform is that name in lower case."""
    start = time.perf_counter()
    homes = await seed(core, members, rng, platform.lower(), account)
    print(
        f"{backend:<8}  seeded the demo society and {members:,} {platform} members "
        f"in {time.perf_counter() - start:.1f}s (not measured)  [{safe_url(url)}]"
    )
    return homes


# ------------------------------------------------------------------------ the mix


class CommandMix(Generic[UserT, CommandT]):
    """Draws commands in the proportions of `MIX` from a few members; tracks their joins.

    A bench says what a command of each kind is on its platform (`make`)."""

    def __init__(
        self, homes: Mapping[UserT, str | None], poll_id: int, rng: random.Random, spacing: int
    ) -> None:
        self.rng = rng
        self.poll_id = poll_id
        self.users = list(homes)
        self.chapters: dict[UserT, list[str | None]] = {
            user: [None, home] for user, home in homes.items()
        }
        """Each member's chapter before their last join, and now."""
        self.spacing = spacing
        self.last_join: dict[UserT, int] = {}
        self.drawn = 0
        self.kinds = list(MIX)
        self.weights = [MIX[kind] for kind in self.kinds]

    def draw(self, count: int) -> list[CommandT]:
        commands: list[CommandT] = []
        while len(commands) < count:
            kind = self.rng.choices(self.kinds, self.weights)[0]
            in_boston = self.rng.random() < BOSTON_SHARE
            user = self.rng.choice(self.users)
            command = self.make(kind, user, in_boston)
            if command is not None:
                commands.append(command)
                self.drawn += 1
        return commands

    def make(self, kind: str, user: UserT, in_boston: bool) -> CommandT | None:
        """A command of this kind from `user`, sent from Boston's channel or #general;
        None when none can be made now (a join when no member may join yet)."""
        raise NotImplementedError

    def joiner(self) -> tuple[UserT, str] | None:
        """A member whose last join is far behind, and a chapter they are not in now and
        were not in before: in either order, two joins of theirs both succeed. None when
        no member may join yet."""
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
        return user, target


# ------------------------------------------------------------- the load process


def emit(message: dict[str, Any]) -> None:
    """The child's answer to the parent: one JSON line on stdout."""
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def avoid_cpu(cpu: int | None) -> None:
    """Keep the child off the CPU the apps are pinned to (when there is another)."""
    if cpu is not None:
        others = set(os.sched_getaffinity(0)) - {cpu}
        if others:
            os.sched_setaffinity(0, others)


async def serve_orders(
    hello: dict[str, Any], obey: Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
) -> None:
    """The child's loop: say `hello`, then answer each order read from stdin (a JSON
    line) with `obey`'s answer, until stdin closes or the order is to stop."""
    loop = asyncio.get_running_loop()
    emit(hello)
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break
        order = json.loads(line)
        if order["op"] == "stop":
            break
        emit(await obey(order))


class LoadProcess:
    """The child process holding the load: the bench's script run with `--load-process`,
    one JSON line per order on its stdin, one per answer on its stdout."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.hello: dict[str, Any] = {}
        """The child's first line, once it is ready."""

    @classmethod
    async def start(cls, script: str, avoid_cpu: int | None) -> Self:
        argv = [sys.executable, str(Path(script).resolve()), "--load-process"]
        if avoid_cpu is not None:
            argv += ["--avoid-cpu", str(avoid_cpu)]
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=1 << 26,  # a phase's timings come back as one line
        )
        load = cls(process)
        load.hello = await load.read()
        return load

    async def read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError("the load process exited; see its error above")
        answer: dict[str, Any] = json.loads(line)
        return answer

    async def send(self, order: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write((json.dumps(order) + "\n").encode())
        await self.process.stdin.drain()

    async def ask(self, order: dict[str, Any]) -> dict[str, Any]:
        await self.send(order)
        return await self.read()

    async def stop(self) -> None:
        if self.process.returncode is None:
            try:
                await self.send({"op": "stop"})
                await asyncio.wait_for(self.process.wait(), 10)
            except (TimeoutError, ConnectionError):
                self.process.kill()
                await self.process.wait()


# -------------------------------------------------------------------- a backend


@dataclass
class Result(Generic[PhaseT]):
    """One backend's figures: both apps' measured phases, the core alone (commands
    per second) and the commands refused during our phase, by command."""

    backend: str
    bare: PhaseT
    ours: PhaseT
    core_rate: float
    refused: Counter[str] = field(default_factory=Counter)
    cpu: dict[str, float] = field(default_factory=dict)
    """CPU seconds of this process per command handled: "bare", "ours" and "core"."""


class CpuMeter:
    """CPU time of this process (all its threads: aiosqlite's too) over a stretch of work.

    The load runs in the child process, so what this process spends is the app's own
    cost; per command, it can be compared across the apps of one run even when the
    machine is too busy for wall-clock rates to mean much.
    """

    def __init__(self) -> None:
        self.start = time.process_time()

    def per(self, count: int) -> float:
        """CPU seconds per unit of work since this meter was made."""
        return (time.process_time() - self.start) / max(count, 1)


def cpu_line(backend: str, cpu: Mapping[str, float], unit: str) -> str:
    """CPU per command of each run, and ours over the core's: what the adapter adds."""
    parts = ", ".join(f"{name} {seconds * 1000:.2f} ms" for name, seconds in cpu.items())
    line = f"{backend:<8}  CPU of this process per {unit}: {parts}"
    if cpu.get("ours") and cpu.get("core"):
        line += (
            f"; ours ÷ core: {cpu['ours'] / cpu['core']:.2f}"
            f" (the adapter adds {(cpu['ours'] - cpu['core']) * 1000:.2f} ms)"
        )
    return line


class Profiler:
    """cProfile over one stretch (`--profile FILE`) in the main thread's CPU time,
    written as pstats to FILE.BACKEND.NAME."""

    def __init__(self, target: str | None, backend: str, name: str) -> None:
        self.backend = backend
        self.target = f"{target}.{backend}.{name}" if target else None
        # The main thread's CPU time, not the wall clock: on a busy machine a wall-clock
        # profile charges waiting for a CPU to whatever was running.
        self.profile = cProfile.Profile(time.thread_time) if target else None

    def __enter__(self) -> Self:
        if self.profile is not None:
            self.profile.enable()
        return self

    def __exit__(self, *_: object) -> None:
        if self.profile is not None and self.target is not None:
            self.profile.disable()
            self.profile.dump_stats(self.target)
            print(f"{self.backend:<8}  profile written: {self.target}")


def refusals(platform: str) -> Counter[str]:
    """Commands from `platform` refused so far in this process, by command (from the metrics)."""
    counts: Counter[str] = Counter()
    for metric in COMMANDS.collect():
        for sample in metric.samples:
            labels = sample.labels
            if (
                sample.name.endswith("_total")
                and labels.get("platform") == platform
                and labels.get("outcome") == "refused"
            ):
                counts[labels["command"]] += int(sample.value)
    return counts


def refused_since(before: Counter[str], platform: str) -> Counter[str]:
    """Commands from `platform` refused since `refusals(platform)` returned `before`."""
    refused = refusals(platform)
    refused.subtract(before)
    return +refused


def goal_lines(backend: str, ratio: float, ratio_of: str, p99: float, p99_of: str) -> str:
    """The two goals' lines: our throughput over the bare app's (`ratio_of`: of which
    figures) and our p99 time to `p99_of` (in seconds), each met or not."""
    ratio_met = "met" if ratio >= GOAL_RATIO else "NOT met"
    p99_met = "met" if p99 * 1000 < GOAL_P99_MS else "NOT met"
    return (
        f"{backend:<8}  throughput ratio ({ratio_of}): {ratio:.2f} "
        f"(goal ≥ {GOAL_RATIO}) {ratio_met}\n"
        f"{backend:<8}  our p99 time to {p99_of}: {p99 * 1000:.0f} ms "
        f"(goal < {GOAL_P99_MS:.0f} ms) {p99_met}"
    )


def refusals_line(backend: str, refused: Counter[str]) -> str:
    detail = ", ".join(f"{command} {n}" for command, n in sorted(refused.items()))
    return f"{backend:<8}  refusals: {sum(refused.values())} (should be 0)" + (
        f": {detail}" if detail else ""
    )


async def core_alone(
    core: App, requests: Iterable[Request], concurrency: int, profile: Profiler | None = None
) -> tuple[float, float]:
    """The same mix straight into the dispatcher: requests per second, the core's ceiling,
    and this process's CPU seconds per request.

    The live posts queued before are drained first, and those of this run after it.
    `requests` may be built lazily, as the workers take them."""
    await core.notifier.live.drain()
    pending = iter(requests)
    handled = 0

    async def worker() -> None:
        nonlocal handled
        for request in pending:
            await core.dispatcher.handle(request)
            handled += 1

    start, cpu = time.perf_counter(), CpuMeter()
    with profile or Profiler(None, "", ""):
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    rate, per = handled / (time.perf_counter() - start), cpu.per(handled)
    await core.notifier.live.drain()
    return rate, per


# ------------------------------------------------------------------ the options


def add_load_options(
    parser: argparse.ArgumentParser, *, n: str, concurrency: str, members: str, users: str
) -> None:
    """-n, --concurrency, --members and --users, with the bench's own help texts."""
    parser.add_argument("-n", type=int, default=2_000, help=n)
    parser.add_argument("--concurrency", type=int, default=16, help=concurrency)
    parser.add_argument("--members", type=int, default=2_000, help=members)
    parser.add_argument("--users", type=int, default=50, help=users)


def add_host_options(parser: argparse.ArgumentParser, *, cpu: str) -> None:
    """--postgres and --cpu, with the bench's own help text for --cpu."""
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL database")
    parser.add_argument("--cpu", type=int, metavar="N", help=cpu)
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="cProfile this process during our measured run and the core alone; "
        "pstats written to FILE.BACKEND.ours and FILE.BACKEND.core",
    )


def parse_load_args(
    parser: argparse.ArgumentParser, argv: Sequence[str] | None, unit: str
) -> argparse.Namespace:
    """--seed and the child's hidden options; the arguments, checked (`unit`: what -n counts)."""
    parser.add_argument("--seed", type=int, default=7, help="random seed")
    parser.add_argument("--load-process", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--avoid-cpu", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.n < 1 or args.concurrency < 1 or not 3 <= args.users <= args.members:
        parser.error(f"need 1+ {unit}, 1+ in flight, and 3 to --members users")
    return args


# ---------------------------------------------------------------------- the run


async def run_benches(
    args: argparse.Namespace,
    load: LoadProcess,
    platform: str,
    settings: str,
    labels: Mapping[str, str],
    run_backend: Callable[[str, str], Awaitable[object]],
) -> int:
    """Pin this process (`--cpu`), print the preamble (`settings`, the mix), run the
    bench on SQLite in a temporary directory, then on `--postgres`; stop the load."""
    try:
        start_run(args.cpu)
        print(settings)
        print(mix_line(labels))
        for backend, url in databases(platform, args.postgres):
            await run_backend(backend, url)
    finally:
        await load.stop()
    print(host_line("at end"))
    return 0

"""Slack end to end: signed slash commands over HTTP into our app, next to a bare Bolt app.

What it measures
----------------
`-n` slash commands (by default 2,000), signed exactly as Slack signs them and
posted over real HTTP (an aiohttp client, keep-alive, `--concurrency` requests in
flight) to `POST /slack/events` of two apps served with aiohttp on 127.0.0.1 in
this process, one after the other, in the same run:

* ours: `SlackAdapter` behind `adapters.http.build_web_app`, the way production
  serves it — parse, dispatch, commit, render Block Kit, and answer with the reply
  in the acknowledgement's body (or, past the adapter's budget, acknowledge empty
  and post the reply to the command's `response_url`);
* bare: a Bolt `AsyncApp` with the same signing secret, the very same Web API
  client (pointed at the same fake Slack) and the same mode as ours
  (`process_before_response=True`: Bolt answers when the listener returns),
  whose listeners for the same slash commands only `await ack()`.

For each app: the time to ack (from sending a request to receiving its HTTP 200;
p50/p99/max per request) and throughput. Ours is done with a command when Slack
has its reply (the acknowledgement's body, read as Slack reads it, or a post to
the fake's `response_url`), so its handled/s runs until the last reply arrived;
the bare app has no reply, so its figure runs until the last ack.
Our acks/s is printed too. The goals, computed from the figures of this run: ours
handled/s ÷ the core alone's commands/s (below) ≥ 0.9, and our p99 time to reply
< 1 s (a member typing a command waits for the answer, not for the ack). The
ratio "ours handled/s ÷ bare acks/s" is printed beside them.

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
1. Build the app with `chapterhouse.bootstrap.bootstrap` (migrations applied there, live
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
Both apps answer Slack when the listener returns (`process_before_response=True`).
Bolt's other mode polls for the ack every 10 ms, which puts a 10 ms floor under
every ack. Our app acknowledges a command with its reply, so its time to ack is
the command's own time (up to the adapter's budget, well within Slack's 3 s), not
Bolt's alone; the line saying how many replies came in the acknowledgement and how
many through `response_url` says whether the budget held.

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

The CPU time of this process per command is printed for each run (bare: per ack;
ours: per reply; the core alone: per command). The load is in the child, so it is
the apps' own cost, all threads included; on a shared machine it is steadier than
any rate, and "ours ÷ core" of it is what the Slack path adds to a command.
`--profile FILE` writes cProfile's pstats of this process during our run and the
core alone (FILE.BACKEND.ours, FILE.BACKEND.core); cProfile counts each resumption
of a coroutine as a call, so read its own times (tottime).

Usage
-----
    .venv/bin/python bench/slack_e2e.py [-n 2000] [--concurrency 16] [--members 2000]
        [--users 50] [--postgres URL] [--cpu N] [--profile FILE] [--seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from adapters.http import SLACK_PATH, build_web_app
from adapters.slack.app import SlackAdapter
from bench import chat_load
from bench.chat_load import HELP, INFO, JOIN, LIST, POLLS, PROFILE, RESULTS, STATUS, VOTE
from bench.common import ms, percentile
from bot.context import Place, Request
from chapterhouse.testing.slack import SIGNING_SECRET, TEAM, FakeSlack, sign
from chapterhouse.testing.slack.fake import ack_message

ADMIN = "U0HQADMIN"  # HQ by configuration
BOT_TOKEN = "xoxb-bench-token"
BOSTON = ("C0BOSTON", "boston")
GENERAL = ("C0GENERAL", "general")
LABELS: dict[str, str] = {
    VOTE: "/poll vote ID N",
    RESULTS: "/poll results ID",
    POLLS: "/poll list --open",
    LIST: "/chapter list",
    INFO: "/chapter info Boston",
    STATUS: "/chapter status Boston",
    PROFILE: "/member profile",
    HELP: "/help",
    JOIN: "/member join Boston",
}
"""The mix's kinds of command, as printed."""


# --------------------------------------------------------------------- the load


@dataclass(frozen=True)
class Command:
    kind: str
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
        self._arrived(request.match_info["token"])
        return response

    async def acknowledged(self, token: str, message: Mapping[str, Any]) -> None:
        await super().acknowledged(token, message)
        self._arrived(token)

    def _arrived(self, token: str) -> None:
        if token not in self.arrived:
            self.arrived[token] = time.perf_counter()
            self.awaited.discard(token)
            self.progress.set()


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
                data = await answer.read()
                status[i] = answer.status
            acked[i] = time.perf_counter()
            message = ack_message(data, answer.content_type) if answer.status == 200 else None
            if message is not None and order["replies"]:  # Slack shows it as the reply
                await fake.acknowledged(tokens[i], message)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    while order["replies"] and fake.awaited:
        fake.progress.clear()
        try:
            await asyncio.wait_for(fake.progress.wait(), chat_load.STALL_SECONDS)
        except TimeoutError:
            break
    replied = [fake.arrived.get(t) for t in tokens]
    texts = [
        str(fake.responses[t][0].params.get("text", ""))[:300] if t in fake.responses else None
        for t in tokens
    ]
    api = Counter(c.method for c in fake.calls[calls_before:])
    in_ack, posted = api.pop("ack", 0), api.pop("response_url", 0)
    return {
        "sent": [s - start for s in sent],
        "acked": [a - start for a in acked],
        "status": status,
        "replied": [None if r is None else r - start for r in replied],
        "texts": texts,
        "api": dict(api),
        "in_ack": in_ack,
        "posted": posted,
    }


async def load_process(avoid: int | None) -> int:
    """The child: a fake Slack and the client, driven by JSON lines on stdin."""
    chat_load.avoid_cpu(avoid)
    fake = TimedFake()
    await fake.start()
    sessions: dict[str, aiohttp.ClientSession] = {}
    try:
        await chat_load.serve_orders(
            {"api_url": fake.api_url}, lambda order: load_phase(fake, sessions, order)
        )
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
    in_ack: int
    """Replies given in the acknowledgement's body."""
    posted: int
    """Replies posted to a `response_url`."""

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
        return sum(t is not None and chat_load.CRASH_MARK in t for t in self.texts)


class Load(chat_load.LoadProcess):
    """The child process running the client and the fake Slack."""

    @property
    def api_url(self) -> str:
        """Where the fake Slack's Web API listens."""
        return str(self.hello["api_url"])

    async def run(
        self, url: str, commands: list[Command], concurrency: int, replies: bool
    ) -> Phase:
        answer = await self.ask(
            {
                "op": "run",
                "url": url,
                "commands": [asdict(c) for c in commands],
                "concurrency": concurrency,
                "replies": replies,
            }
        )
        return Phase(commands, **answer)


# ------------------------------------------------------------------------ the mix


def slack_id(number: int) -> str:
    """Seeded member number `number`'s Slack id."""
    return f"U0M{number:05d}"


class Mix(chat_load.CommandMix[str, Command]):
    """The mix as slash commands, each with its text as a member types it."""

    def make(self, kind: str, user: str, in_boston: bool) -> Command | None:
        rng = self.rng
        channel, channel_name = BOSTON if in_boston else GENERAL
        text = {
            VOTE: f"/poll vote {self.poll_id} {rng.randint(1, len(chat_load.OPTIONS))}",
            RESULTS: f"/poll results {self.poll_id}",
            POLLS: "/poll list --open",
            LIST: "/chapter list",
            INFO: "/chapter info Boston",
            STATUS: "/chapter status Boston",
            PROFILE: "/member profile",
            HELP: rng.choice(("/help", "/help poll")),
        }.get(kind)
        if text is not None:
            return Command(kind, user, text, channel, channel_name)
        joining = self.joiner()
        if joining is None:
            return None
        user, target = joining
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


async def setup(load: Load, url: str) -> int:
    """HQ binds Boston's Slack channel and opens a society poll there; the poll's id."""
    bind = Command("setup", ADMIN, "/chapter bind Boston", *BOSTON)
    options = " ".join(f'"{o}"' for o in chat_load.OPTIONS)
    create = Command(
        "setup",
        ADMIN,
        f'/poll create "{chat_load.QUESTION}" {options} --audience society --closes 7d',
        *BOSTON,
    )
    # One after the other: a command slower than the adapter's budget is acknowledged
    # before it is done, so a poll sent in the same phase could be created before the
    # binding has committed.
    [bound] = (await load.run(url, [bind], 1, replies=True)).texts
    phase = await load.run(url, [create], 1, replies=True)
    [created] = phase.texts
    if bound is None or "now receives" not in bound:
        raise RuntimeError(f"/chapter bind Boston failed: {bound!r}")
    found = re.match(r"Poll (\d+) is open", created or "")
    if found is None:
        raise RuntimeError(f"creating the poll failed: {created!r}")
    if phase.api.get("chat.postMessage", 0) < 1:
        raise RuntimeError(f"the poll was not posted to Boston's channel: {phase.api}")
    return int(found.group(1))


# -------------------------------------------------------------------- a backend


async def run_backend(
    backend: str, url: str, args: argparse.Namespace, load: Load
) -> chat_load.Result[Phase]:
    core = await chat_load.start_core(backend, url, f"slack:{ADMIN}")
    runners: list[web.AppRunner] = []
    adapter: SlackAdapter | None = None
    try:
        rng = random.Random(args.seed)
        homes = await chat_load.seed_members(
            core, backend, url, args.members, rng, "Slack", slack_id
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

        await load.run(bare_url, bare_mix.draw(chat_load.WARM_UP), args.concurrency, replies=False)
        warm = await load.run(ours_url, mix.draw(chat_load.WARM_UP), args.concurrency, replies=True)
        await core.notifier.live.drain()
        if warm.lost or warm.failed_acks:
            raise RuntimeError(f"warm-up: {warm.lost} replies lost, {warm.failed_acks} acks failed")

        cpu = chat_load.CpuMeter()
        bare = await load.run(bare_url, bare_mix.draw(args.n), args.concurrency, replies=False)
        bare_cpu = cpu.per(args.n)
        before = chat_load.refusals("slack")
        cpu = chat_load.CpuMeter()
        with chat_load.Profiler(args.profile, backend, "ours"):
            ours = await load.run(ours_url, mix.draw(args.n), args.concurrency, replies=True)
        ours_cpu = cpu.per(args.n - ours.lost)
        refused = chat_load.refused_since(before, "slack")
        core_rate, core_cpu = await chat_load.core_alone(
            core,
            (request_of(c) for c in mix.draw(args.n)),
            args.concurrency,
            chat_load.Profiler(args.profile, backend, "core"),
        )
        result = chat_load.Result(
            backend,
            bare,
            ours,
            core_rate,
            refused,
            {"bare": bare_cpu, "ours": ours_cpu, "core": core_cpu},
        )
        report(result)
        return result
    finally:
        for runner in runners:
            await runner.cleanup()
        if adapter is not None:
            await adapter.aclose()
        await core.close()


def request_of(command: Command) -> Request:
    """The request our adapter builds for this slash command (for the core alone)."""
    place = Place("slack", command.channel, command.channel_name)
    return Request("slack", command.user, command.user.lower(), place, command.text)


GOAL_CORE_RATIO = 0.9
"""Ours handled/s over the core alone's commands/s, at the least."""
GOAL_REPLY_P99_MS = 1000.0
"""Our p99 time from sending a command to its reply, at the most."""


def goal_lines(backend: str, core_ratio: float, waits: list[float]) -> str:
    """The goals' lines (see the top), each met or not."""
    p99 = percentile(waits, 99) * 1000 if waits else float("inf")
    ratio_met = "met" if core_ratio >= GOAL_CORE_RATIO else "NOT met"
    p99_met = "met" if p99 < GOAL_REPLY_P99_MS else "NOT met"
    return (
        f"{backend:<8}  throughput ratio (ours handled/s ÷ core commands/s): {core_ratio:.2f} "
        f"(goal ≥ {GOAL_CORE_RATIO}) {ratio_met}\n"
        f"{backend:<8}  our p99 time to reply: {p99:.0f} ms "
        f"(goal < {GOAL_REPLY_P99_MS:.0f} ms) {p99_met}"
    )


def report(result: chat_load.Result[Phase]) -> None:
    backend, bare, ours = result.backend, result.bare, result.ours
    ratio = ours.handled_rate / bare.ack_rate
    ack_p99 = percentile(ours.acks, 99)
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
    print(goal_lines(backend, ours.handled_rate / result.core_rate, ours.reply_waits))
    print(
        f"{backend:<8}  ours handled/s ÷ bare acks/s: {ratio:.2f}; our p99 time to ack "
        f"(the reply rides on it): {ack_p99 * 1000:.0f} ms (Slack waits 3000 ms)"
    )
    print(
        f"{backend:<8}  the core alone (same mix into the dispatcher): {result.core_rate:.0f} "
        f"commands/s; ours handled/s ÷ core: {ours.handled_rate / result.core_rate:.2f}; "
        f"our acks/s ÷ bare acks/s: {ours.ack_rate / bare.ack_rate:.2f}"
    )
    print(chat_load.cpu_line(backend, result.cpu, "command (bare: per ack)"))
    print(
        f"{backend:<8}  our ack throughput: {ours.ack_rate:.0f} acks/s; "
        f"all {len(ours.acks)} replies in {max(r or 0.0 for r in ours.replied):.2f}s "
        f"(acks done at {max(ours.acked):.2f}s)"
    )
    print(
        f"{backend:<8}  lost replies: {ours.lost} (must be 0); failed acks: ours "
        f"{ours.failed_acks}, bare {bare.failed_acks}; crashes: {ours.crashes}"
    )
    print(chat_load.refusals_line(backend, result.refused))
    api = ", ".join(f"{method} {n}" for method, n in sorted(ours.api.items())) or "none"
    print(f"{backend:<8}  our commands: {chat_load.drawn(LABELS, (c.kind for c in ours.commands))}")
    print(f"{backend:<8}  Web API calls during our run: {api}")
    print(
        f"{backend:<8}  our replies: {ours.in_ack} in the acknowledgement, "
        f"{ours.posted} posted to response_url"
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    chat_load.add_load_options(
        parser,
        n="commands per app (after warm-up)",
        concurrency="requests in flight",
        members="Slack members seeded",
        users="members sending the commands",
    )
    chat_load.add_host_options(
        parser, cpu="pin the apps to CPU N (and aiosqlite's thread); the load runs on the others"
    )
    return chat_load.parse_load_args(parser, argv, "commands")


async def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.load_process:
        return await load_process(args.avoid_cpu)
    load = await Load.start(__file__, args.cpu)
    settings = (
        f"settings  n={args.n} per app after a warm-up of {chat_load.WARM_UP}, "
        f"concurrency={args.concurrency}, {args.users} Slack users, "
        f"{args.members:,} seeded members, live posts every {chat_load.LIVE_INTERVAL:.0f}s; "
        f"client and fake Slack in a child process (pid {load.process.pid})"
    )
    return await chat_load.run_benches(
        args,
        load,
        "slack",
        settings,
        LABELS,
        lambda backend, url: run_backend(backend, url, args, load),
    )


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

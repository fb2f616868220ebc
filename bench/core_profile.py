"""Where the core's own CPU goes: many commands of one kind under a deterministic profile.

What it measures
----------------
Seeds the same society as bench/core_latency.py, then runs `--commands` commands of
one kind (`--kind`, a label of its mix such as "/help" or "/chapter info") one at a
time under cProfile and prints the functions that spent the most time in their own
code (tottime) and, with `--cumulative`, the heaviest call trees. It also prints the
wall time per command with and without the profiler, and the statements per command.

Why
---
bench/core_latency.py says how far the core is from what its queries cost (the
overhead ratio); this says where the rest goes. cProfile charges time spent waiting
for the driver's thread to whichever coroutine is resumed, so read tottime of
synchronous functions, not the cumulative time of coroutines.

Usage
-----
    .venv/bin/python bench/core_profile.py [--kind "/help"] [--commands 2000]
        [--members 10000] [--top 40] [--cumulative] [--postgres URL] [--cpu N] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from bench.common import bench_settings, databases, fresh_postgres_schema, start_run
from bench.core_latency import ADMIN, MIX, PLATFORM, Mix, seed, sequential
from bench.replay import attach, counts
from chapterhouse.bootstrap import bootstrap


async def run_backend(backend: str, url: str, args: argparse.Namespace) -> None:
    settings = bench_settings(url, f"{PLATFORM}:{ADMIN}")
    if backend == "postgres":
        await fresh_postgres_schema(url)
    app = await bootstrap(settings)
    try:
        rng = random.Random(args.seed)
        world = await seed(app, args.members, args.chapters, rng)
        mix = Mix(world, rng)
        await sequential(app, mix.warm_up())
        plain = [mix.make(args.kind) for _ in range(args.commands)]
        profiled = [mix.make(args.kind) for _ in range(args.commands)]
        capture = attach(app.engine)
        start, cpu = time.perf_counter(), time.thread_time()
        phase = await sequential(app, plain, capture)
        bare = (time.perf_counter() - start) / len(plain)
        busy = (time.thread_time() - cpu) / len(plain)
        refused = sum(not s.ok for s in phase.samples)
        statements = sum(counts(steps).sql for steps in capture.commands) / len(plain)
        profile = cProfile.Profile()
        start = time.perf_counter()
        profile.enable()
        await sequential(app, profiled)
        profile.disable()
        under = (time.perf_counter() - start) / len(profiled)
        print(
            f"{backend:<8}  {args.kind}  n={len(plain)}  {bare * 1000:.2f} ms/command "
            f"({1 / bare:.0f}/s), event loop's thread CPU {busy * 1000:.2f} ms/command, "
            f"{under * 1000:.2f} ms under the profiler, "
            f"sql/cmd={statements:.1f}, refused={refused}"
        )
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        areas(backend, stats, len(profiled))
        stats.sort_stats(args.sort).print_stats(args.match, args.top)
        if args.callers:
            stats.print_callers(args.callers)
        if args.cumulative:
            stats.sort_stats("cumulative").print_stats(args.match, args.top)
        print(out.getvalue())
    finally:
        await app.close()


def area(filename: str) -> str:
    """Who owns a profiled function: one of our packages, a library, or the runtime."""
    if filename.startswith(("~", "<")):
        return "builtins (C)"
    parts = Path(filename).parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].split(".")[0]
    root = Path(__file__).resolve().parent.parent
    if filename.startswith(str(root)):
        return Path(filename).relative_to(root).parts[0] + "/" + Path(filename).stem
    return "stdlib " + Path(filename).stem


def areas(backend: str, stats: pstats.Stats, commands: int) -> None:
    """Own time per module (ms per command), heaviest first: where to look."""
    totals: dict[str, float] = {}
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for (filename, _, name), (_, _, tottime, _, _) in raw.items():
        key = area(filename)
        if key == "builtins (C)":
            key = f"C {name}" if "put_nowait" in name or "poll" in name else key
        totals[key] = totals.get(key, 0.0) + tottime
    for key, seconds in sorted(totals.items(), key=lambda kv: -kv[1])[:25]:
        print(f"{backend:<8}    {seconds / commands * 1000:7.3f} ms/command  {key}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--kind", default="/help", choices=list(MIX), help="command kind")
    parser.add_argument("--commands", type=int, default=2000)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--chapters", type=int, default=40)
    parser.add_argument("--top", type=int, default=40, help="functions printed")
    parser.add_argument(
        "--match", default="", help="print only functions whose file matches (a regex)"
    )
    parser.add_argument("--callers", metavar="REGEX", help="also who calls these functions")
    parser.add_argument("--cumulative", action="store_true", help="also by cumulative time")
    parser.add_argument(
        "--sort",
        default="tottime",
        choices=("tottime", "ncalls", "cumulative"),
        help="order of the functions printed; ncalls does not depend on the machine's load",
    )
    parser.add_argument("--seed", type=int, default=20261123, help="random seed")
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL database")
    parser.add_argument("--cpu", type=int, metavar="N", help="pin this process to CPU N")
    parser.add_argument("--quick", action="store_true", help="500 commands")
    args = parser.parse_args(argv)
    if args.quick:
        args.commands = 500
    return args


async def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    start_run(args.cpu)
    for backend, url in databases("profile", args.postgres):
        await run_backend(backend, url, args)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

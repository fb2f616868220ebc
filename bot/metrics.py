"""What an operator graphs and alerts on, exposed at `GET /metrics` (Prometheus format).

One registry for the process, so several apps in one process (tests) add up
instead of clashing; labels are command paths and platforms, never members.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

REGISTRY = CollectorRegistry(auto_describe=True)

COMMANDS = Counter(
    "chapterhouse_commands",
    "Commands handled, by command and outcome (ok or refused).",
    ["platform", "command", "outcome"],
    registry=REGISTRY,
)
COMMAND_SECONDS = Histogram(
    "chapterhouse_command_seconds",
    "Time from a parsed request to its reply, by command.",
    ["command"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
    registry=REGISTRY,
)
DELIVERIES = Counter(
    "chapterhouse_deliveries",
    "Posts to chat platforms, by platform and result (sent or failed).",
    ["platform", "result"],
    registry=REGISTRY,
)
INBOUND = Counter(
    "chapterhouse_inbound",
    "Requests from chat platforms, by platform and kind (command, action, view, event).",
    ["platform", "kind"],
    registry=REGISTRY,
)
DUPLICATES = Counter(
    "chapterhouse_duplicates",
    "Re-deliveries and double clicks that were dropped, by platform and reason.",
    ["platform", "reason"],
    registry=REGISTRY,
)

RESTARTS = Counter(
    "chapterhouse_platform_restarts",
    "Connections to a platform started again, by platform and kind (client: the "
    "supervised client task ended and was restarted; gateway: the library reconnected).",
    ["platform", "kind"],
    registry=REGISTRY,
)
DROPPED_PAYLOADS = Counter(
    "chapterhouse_dropped_payloads",
    "Platform payloads that could not be read and were dropped, by platform and event.",
    ["platform", "event"],
    registry=REGISTRY,
)


@cache
def command_counted(platform: str, command: str, outcome: str) -> Any:
    """The `COMMANDS` child for these labels; kept, since `labels()` takes a lock and
    builds a key on every call and a command is counted on every command."""
    return COMMANDS.labels(platform, command, outcome)


@cache
def command_timed(command: str) -> Any:
    """The `COMMAND_SECONDS` child for a command, kept as `command_counted`'s."""
    return COMMAND_SECONDS.labels(command)


def exposition() -> bytes:
    return generate_latest(REGISTRY)

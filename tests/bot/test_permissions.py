"""The permission matrix, generated from the registry: every privileged command ×
every kind of member, refused or allowed exactly as declared; a refusal writes nothing.

Commands added later join the matrix through their declaration and first example.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.declarations import CommandSpec
from bot.parser import ParseEnv, parse
from bot.permissions import Given, Role
from commands import build_registry
from commands.events.demo import seed_demo_events
from storage.models import ChapterEvent
from tests.support import START, TestBot

REGISTRY = build_registry()
PRIVILEGED = [spec for spec in REGISTRY if spec.access.privileged]
# Who each demo member is, and what they hold.
PEOPLE = {
    "grace": set(),  # a plain member of Boston
    "bob": {Role.MEMBER},
    "carol": {Role.MEMBER},
    "dan": {Role.MODERATOR},
    "alice": {Role.HQ},
}
# Who owns what the examples name, in the demo society: (owner kind, value) → person.
OWNERS = {
    ("chapter", "boston"): "bob",
    ("chapter", "washington dc"): "carol",
    ("chapter-or-any", "boston"): "bob",
    ("meeting", "1"): "bob",  # the demo's first meeting is Boston's
    ("audience", "chapter:boston"): "bob",
    ("poll", "1"): "dan",  # the demo's society poll
    ("workgroup", "mentoring"): "grace",  # the demo's active workgroup
    ("group", "boston"): "bob",  # /update: a chapter's president or a workgroup's lead
    ("group", "mentoring"): "grace",
    ("event", "3"): "carol",  # the demo's third event: Washington DC's reading group
    ("event_host", "boston"): "bob",
}
EVENTS_NOT_OVER = {"event credit", "event recap"}
"""Their examples act on an event that has not happened yet: an allowed member passes
the permission check and is then told the event is not over, which is not a refusal
of who they are."""
BIND_CHANNEL = "fresh-room"  # an unbound channel, so /chapter bind can succeed


def expected_allowed(spec: CommandSpec, who: str) -> bool:
    held = PEOPLE[who]
    if Role.HQ in held or held & spec.access.roles:
        return True
    owner = spec.access.owner
    if owner is None:
        return False
    _, args = parse(REGISTRY, spec.examples[0], ParseEnv("console", START, START.tzinfo))  # type: ignore[arg-type]
    return OWNERS.get((owner.kind, str(args[owner.param]).lower())) == who


def test_every_privileged_command_has_an_example() -> None:
    assert PRIVILEGED, "no privileged commands found"
    for spec in PRIVILEGED:
        assert spec.examples, f"/{spec.path} needs an example for the permission matrix"


@pytest.mark.parametrize("who", list(PEOPLE))
@pytest.mark.parametrize("spec", PRIVILEGED, ids=lambda s: s.path.replace(" ", "-"))
async def test_permission_matrix(demo: TestBot, spec: CommandSpec, who: str) -> None:
    command = spec.examples[0]
    if spec.group == "event":
        async with demo.uow() as uow:
            await seed_demo_events(uow.session, uow.now)
            await uow.commit()
    if spec.path == "workgroup unbind":  # its example unbinds the channel it is typed in
        await demo.ok("/workgroup bind Mentoring", as_="grace", channel=BIND_CHANNEL)
    before = await demo.snapshot()
    reply = await demo.send(command, as_=who, channel=BIND_CHANNEL)
    if expected_allowed(spec, who) and spec.path in EVENTS_NOT_OVER:
        assert not reply.text.startswith("Only "), f"{who} should pass: {reply.text}"
    elif expected_allowed(spec, who):
        assert reply.ok, f"{who} should be allowed {command!r}: {reply.text}"
    else:
        assert not reply.ok
        assert reply.text == f"Only {spec.access.describe()} may use /{spec.path}."
        assert await demo.snapshot() == before, "a refused command wrote something"


def test_refusal_names_the_role_needed() -> None:
    spec = REGISTRY.get("chapter", "meeting")
    assert spec is not None
    assert spec.access.describe() == "the president of that chapter or HQ"
    create = REGISTRY.get("chapter", "create")
    assert create is not None and create.access.describe() == "HQ"


GIVEN = [(spec, rule) for spec in REGISTRY for rule in spec.given]
"""Access that depends on the arguments: each rule × every kind of member, driven by
the first example that brings it into force."""
OWNERS[("event_door", "3")] = "carol"  # the demo's third event's organiser; no helpers yet


def _applying(spec: CommandSpec, rule: Given) -> tuple[str, dict[str, Any]]:
    env = ParseEnv("console", START, START.tzinfo)  # type: ignore[arg-type]
    for example in spec.examples:
        _, args = parse(REGISTRY, example, env)
        if rule.applies(args):
            return example, args
    raise AssertionError(f"/{spec.path} needs an example that uses {rule.params}")


def test_every_given_rule_has_an_example() -> None:
    assert GIVEN, "no command declares access that depends on its arguments"
    for spec, rule in GIVEN:
        _applying(spec, rule)


@pytest.mark.parametrize("who", list(PEOPLE))
@pytest.mark.parametrize(
    ("spec", "rule"), GIVEN, ids=lambda v: v.path.replace(" ", "-") if hasattr(v, "path") else ""
)
async def test_given_rule_matrix(demo: TestBot, spec: CommandSpec, rule: Given, who: str) -> None:
    command, args = _applying(spec, rule)
    if spec.group == "event":
        async with demo.uow() as uow:
            await seed_demo_events(uow.session, uow.now)
            await uow.commit()
            event = await uow.session.get(ChapterEvent, args["event_id"])
            assert event is not None
        demo.clock.set(event.starts_at)  # inside its check-in window
    before = await demo.snapshot()
    reply = await demo.send(command, as_=who)
    held = PEOPLE[who]
    owner = rule.access.owner
    allowed = Role.HQ in held or bool(held & rule.access.roles)
    if owner is not None and not allowed:
        allowed = OWNERS.get((owner.kind, str(args[owner.param]).lower())) == who
    if allowed:
        assert reply.ok, f"{who} should be allowed {command!r}: {reply.text}"
    else:
        assert not reply.ok
        assert reply.text == f"Only {rule.access.describe()} may {rule.refused(args)}."
        assert await demo.snapshot() == before, "a refused command wrote something"

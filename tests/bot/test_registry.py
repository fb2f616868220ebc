"""Command declarations: a handler's signature is its spec, and the registry keeps them honest.

The last tests walk the real registry, so commands added later are held to the same
rules (a summary, examples, and examples that actually parse) without new tests.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import Context
from bot.declarations import Arg, ChannelRef, CommandSpec, Kind, MemberRef, Opt, Param, When
from bot.parser import ParseEnv, parse
from bot.permissions import ANYONE, lead_of, president_of
from bot.registry import Registry, Router
from bot.reply import Reply
from commands import ROUTERS, build_registry
from storage.models import Member
from tests.support import START

REGISTRY = build_registry()
ENVS = [ParseEnv(platform, START, ZoneInfo("UTC")) for platform in ("console", "slack")]


async def nobody(context: Context, value: object) -> set[int]:
    return set()


async def no_choices(session: AsyncSession, typed: str) -> list[str]:
    return []


def event_router() -> Router:
    """A throwaway feature using every kind of parameter."""
    router = Router("events")

    @router.command(
        "event",
        "plan",
        access=president_of("chapter"),
        examples=["/event plan Boston talk tuesday @bob --for 2h", "/event plan Boston social"],
        confirm=True,
    )
    async def plan(
        context: Context,
        chapter: Annotated[str, Arg("the chapter", complete="chapters")],
        kind: Annotated[Literal["talk", "social"], Arg("what sort of event")],
        day: Annotated[date, Arg("when it was agreed", past=True, metavar="DATE")],
        host: Annotated[Member, Arg("who hosts it")],
        notes: Annotated[tuple[str, ...], Arg("anything else")] = (),
        *,
        seats: Annotated[int | None, Opt("how many fit", metavar="N")] = None,
        public: Annotated[bool, Opt("list it for everyone")] = False,
        for_: Annotated[timedelta, Opt("how long it runs")],
        remind: Annotated[When | None, Opt("when to remind people")] = None,
        where: Annotated[ChannelRef | None, Opt("where to announce it")] = None,
        cohost: Annotated[MemberRef | None, Opt("who helps")] = None,
    ) -> Reply:
        """Plan an event.

        It goes on the chapter's calendar
        once the president approves.
        """
        return Reply.private("planned")

    router.owner("chapter")(nobody)
    router.completer("chapters")(no_choices)
    return router


def plan_spec() -> CommandSpec:
    (spec,) = event_router().specs
    return spec


def one_command(group: str, name: str | None = None, router_name: str = "r") -> Router:
    router = Router(router_name)

    @router.command(group, name)
    async def handler(context: Context) -> Reply:
        """Do a thing."""
        return Reply.private("done")

    return router


# --- specs from signatures ---------------------------------------------------------------


def test_usage_is_derived_from_the_signature() -> None:
    assert plan_spec().usage() == (
        "/event plan CHAPTER talk|social DATE @member [NOTES…] [--seats N] [--public] "
        "--for FOR [--remind REMIND] [--where WHERE] [--cohost @member]"
    )


def test_params_are_derived_from_the_signature() -> None:
    spec = plan_spec()
    by_name = {p.name: p for p in spec.params}
    assert {name: p.kind for name, p in by_name.items()} == {
        "chapter": Kind.TEXT,
        "kind": Kind.CHOICE,
        "day": Kind.DATE,
        "host": Kind.MEMBER,
        "notes": Kind.TEXT,
        "seats": Kind.INT,
        "public": Kind.FLAG,
        "for_": Kind.DURATION,
        "remind": Kind.WHEN,
        "where": Kind.CHANNEL,
        "cohost": Kind.MEMBER,
    }
    assert list(by_name) == [p.name for p in spec.params], "declaration order is kept"
    assert [p.name for p in spec.positionals] == ["chapter", "kind", "day", "host", "notes"]
    assert list(spec.options) == ["--seats", "--public", "--for", "--remind", "--where", "--cohost"]
    assert by_name["chapter"] == Param(
        name="chapter",
        kind=Kind.TEXT,
        help="the chapter",
        positional=True,
        required=True,
        complete="chapters",
    )
    assert by_name["kind"].choices == ("talk", "social")
    assert by_name["day"].past and by_name["day"].metavar == "DATE"
    assert by_name["notes"].variadic and not by_name["notes"].required
    assert by_name["notes"].default == ()
    assert by_name["seats"].default is None and not by_name["seats"].required
    assert by_name["public"].default is False and not by_name["public"].required
    assert by_name["for_"].required and by_name["for_"].flag == "--for"
    assert by_name["host"].metavar == "@member"


def test_summary_description_examples_access_and_confirm_come_from_the_declaration() -> None:
    spec = plan_spec()
    assert spec.path == "event plan"
    assert spec.summary == "Plan an event."
    assert spec.description == "It goes on the chapter's calendar\nonce the president approves."
    assert spec.examples == (
        "/event plan Boston talk tuesday @bob --for 2h",
        "/event plan Boston social",
    )
    assert spec.access == president_of("chapter")
    assert spec.confirm is True


def test_defaults_when_a_command_declares_little() -> None:
    (spec,) = one_command("ping").specs
    assert (spec.path, spec.params, spec.examples) == ("ping", (), ())
    assert spec.access == ANYONE and spec.confirm is False
    assert spec.summary == "Do a thing." and spec.description == ""
    assert spec.usage() == "/ping"


def test_a_declared_command_parses_into_its_handlers_arguments() -> None:
    registry = Registry().include(event_router())
    spec, values = parse(
        registry,
        "/event plan Boston TALK tuesday <@U1|bob> bring snacks --for 2h --public --seats=30",
        ParseEnv("slack", START, ZoneInfo("UTC")),
    )
    assert spec.path == "event plan"
    assert values == {
        "chapter": "Boston",
        "kind": "talk",
        "day": date(2026, 6, 9),  # past=True: the Tuesday before Monday 15 June
        "host": MemberRef("slack", "U1", "bob"),
        "notes": ("bring", "snacks"),
        "seats": 30,
        "public": True,
        "for_": timedelta(hours=2),
        "remind": None,
        "where": None,
        "cohost": None,
    }


def test_optional_member_and_underscored_option_names() -> None:
    router = Router("r")

    @router.command("gift")
    async def gift(
        context: Context,
        to: Annotated[Member | None, Arg("who gets it")] = None,
        *,
        dry_run: Annotated[bool, Opt("only say what would happen")] = False,
        class_: Annotated[str | None, Opt("which kind")] = None,
    ) -> Reply:
        """Give a gift."""
        return Reply.private("given")

    (spec,) = router.specs
    assert spec.usage() == "/gift [@member] [--dry-run] [--class CLASS]"
    assert spec.options["--dry-run"].name == "dry_run"
    assert spec.options["--class"].name == "class_"


# --- refusals at declaration -------------------------------------------------------------


def test_handler_parameter_without_a_marker_is_refused() -> None:
    router = Router("r")
    with pytest.raises(TypeError, match=r"parameter 'name' needs Annotated\[T, Arg"):

        @router.command("bad")
        async def bad(context: Context, name: str) -> Reply:
            """Bad."""
            return Reply.private("")

    with pytest.raises(TypeError, match="parameter 'name' has no Arg"):

        @router.command("bad")
        async def also_bad(context: Context, name: Annotated[str, "just a note"]) -> Reply:
            """Bad."""
            return Reply.private("")

    assert router.specs == []


@pytest.mark.parametrize(
    "doc",
    [
        None,
        "",
        "   \n   ",
    ],
)
def test_handler_without_a_docstring_is_refused(doc: str | None) -> None:
    async def quiet(context: Context) -> Reply:
        return Reply.private("")

    quiet.__doc__ = doc
    with pytest.raises(TypeError, match="docstring is its help"):
        Router("r").command("quiet")(quiet)


def test_unsupported_parameter_types_are_refused() -> None:
    router = Router("r")
    with pytest.raises(TypeError, match="unsupported type"):

        @router.command("bad")
        async def floaty(context: Context, ratio: Annotated[float, Arg("a ratio")]) -> Reply:
            """Bad."""
            return Reply.private("")

    with pytest.raises(TypeError, match=r"only `T \| None` unions"):

        @router.command("bad")
        async def either(context: Context, x: Annotated[int | str, Arg("either")]) -> Reply:
            """Bad."""
            return Reply.private("")

    with pytest.raises(TypeError, match="flag 'loud' must be an Opt"):

        @router.command("bad")
        async def flag_arg(context: Context, loud: Annotated[bool, Arg("shout")] = False) -> Reply:
            """Bad."""
            return Reply.private("")


def test_positional_order_rules_are_enforced() -> None:
    router = Router("r")
    with pytest.raises(TypeError, match="only the last positional may be variadic"):

        @router.command("bad")
        async def greedy(
            context: Context,
            words: Annotated[tuple[str, ...], Arg("words")],
            last: Annotated[str, Arg("last")],
        ) -> Reply:
            """Bad."""
            return Reply.private("")

    with pytest.raises(TypeError, match="required 'b' follows an optional positional"):

        @router.command("bad")
        async def holes(
            context: Context,
            a: Annotated[str | None, Arg("a")] = None,
            *,
            b: Annotated[str, Arg("b")],
        ) -> Reply:
            """Bad."""
            return Reply.private("")


# --- refusals at include time ------------------------------------------------------------


def test_duplicate_command_across_routers_is_refused() -> None:
    first = one_command("chapter", "list", "first")
    second = one_command("chapter", "list", "second")
    with pytest.raises(ValueError, match=r"command /chapter list is declared twice \(second\)"):
        Registry().include(first, second)


def test_duplicate_command_within_one_router_is_refused() -> None:
    router = one_command("ping")
    router.specs += one_command("ping").specs
    with pytest.raises(ValueError, match="command /ping is declared twice"):
        Registry().include(router)


def test_including_a_router_twice_is_refused() -> None:
    router = one_command("ping")
    registry = Registry().include(router)
    with pytest.raises(ValueError, match="declared twice"):
        registry.include(router)


def test_clash_with_a_real_command_is_refused() -> None:
    with pytest.raises(ValueError, match="command /chapter list is declared twice"):
        Registry().include(*ROUTERS, one_command("chapter", "list"))


def test_scoped_access_without_an_owner_resolver_is_refused() -> None:
    router = event_router()
    del router.owners["chapter"]
    with pytest.raises(ValueError, match="/event plan is scoped to a chapter, which has no owner"):
        Registry().include(router)
    # The resolver may come from another router: features share owners.
    elsewhere = Router("owners")
    elsewhere.owner("chapter")(nobody)
    assert len(Registry().include(router, elsewhere)) == 1


def test_scoped_access_naming_a_missing_parameter_is_refused() -> None:
    router = Router("r")

    @router.command("wg", "close", access=lead_of("workgroup"))
    async def close(context: Context, name: Annotated[str, Arg("the workgroup")]) -> Reply:
        """Close a workgroup."""
        return Reply.private("")

    router.owner("workgroup")(nobody)
    with pytest.raises(ValueError, match="scope parameter 'workgroup' is missing"):
        Registry().include(router)


@pytest.mark.parametrize("what", ["owner", "announcer", "completer"])
def test_owner_announcer_and_completer_declared_twice_are_refused(what: str) -> None:
    routers = Router("a"), Router("b")
    for router in routers:
        if what == "owner":
            router.owner("chapter")(nobody)
        elif what == "announcer":
            router.announcer("chapter")(nobody)
        else:
            router.completer("chapter")(no_choices)
    with pytest.raises(ValueError, match=r"'chapter' is declared twice \(b\)"):
        Registry().include(*routers)


def test_parameter_naming_an_undeclared_completer_is_refused() -> None:
    router = event_router()
    del router.completers["chapters"]
    with pytest.raises(ValueError, match="/event plan: no completer for 'chapters'"):
        Registry().include(router)


def test_a_name_cannot_be_both_a_command_and_a_group() -> None:
    with pytest.raises(ValueError, match="/event is both a command and a group"):
        Registry().include(one_command("event", None, "a"), one_command("event", "list", "b"))


def test_registry_lists_commands_in_order_and_by_group() -> None:
    registry = Registry().include(
        one_command("zeta", None, "z"),
        one_command("alpha", "two", "a2"),
        one_command("alpha", "one", "a1"),
    )
    assert [s.path for s in registry] == ["alpha one", "alpha two", "zeta"]
    assert len(registry) == 3
    assert {g: [s.path for s in specs] for g, specs in registry.groups().items()} == {
        "alpha": ["alpha one", "alpha two"],
        "zeta": ["zeta"],
    }
    assert [s.path for s in registry.subcommands("alpha")] == ["alpha one", "alpha two"]
    assert registry.subcommands("zeta") == []
    assert registry.get("alpha", "one") is not None
    assert registry.get("alpha", None) is None
    assert registry.get("nope", "one") is None


# --- the real command set ----------------------------------------------------------------

SPECS = list(REGISTRY)


def test_the_real_registry_has_the_core_commands() -> None:
    paths = {spec.path for spec in SPECS}
    for path in ("help", "audit", "chapter list", "chapter meeting", "member join", "role grant"):
        assert path in paths


@pytest.mark.parametrize("spec", SPECS, ids=[s.path for s in SPECS])
def test_every_command_has_a_one_line_summary_and_helpful_params(spec: CommandSpec) -> None:
    assert spec.summary, f"/{spec.path} has no summary for /help"
    assert "\n" not in spec.summary
    assert spec.summary[0].isupper() and spec.summary.endswith("."), spec.summary
    for param in spec.params:
        assert param.help.strip(), f"/{spec.path}: {param.name} has no help"


@pytest.mark.parametrize("spec", SPECS, ids=[s.path for s in SPECS])
def test_every_command_has_examples_that_parse_as_that_command(spec: CommandSpec) -> None:
    assert spec.examples, f"/{spec.path} has no example for /help"
    for example in spec.examples:
        assert example.startswith(f"/{spec.path}"), example
        for env in ENVS:
            found, values = parse(REGISTRY, example, env)
            assert found is spec, f"{example!r} parsed as /{found.path}"
            assert set(values) == {p.name for p in spec.params}


@pytest.mark.parametrize("spec", SPECS, ids=[s.path for s in SPECS])
def test_help_can_name_every_command(spec: CommandSpec) -> None:
    found, values = parse(REGISTRY, f"/help {spec.path}", ENVS[0])
    assert found.path == "help"
    assert values == {"command": tuple(spec.path.split())}

"""The `chapterhouse` command line.

Exit codes for `exec` (and every subcommand): 0 success, 1 refused or invalid
(the one-line reason printed), 2 the command line itself is wrong.
"""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from bot.app import App
from bot.config import ConfigError, Settings, load_settings
from bot.formatting import plural
from chapterhouse.bootstrap import bootstrap

T = TypeVar("T")

cli = typer.Typer(
    help="Chapterhouse: run a volunteer society from Slack, Discord or this console.",
    no_args_is_help=False,
    add_completion=False,
)
db_cli = typer.Typer(help="Database maintenance.")
members_cli = typer.Typer(help="Member administration.")
slack_cli = typer.Typer(help="Setting Chapterhouse up in a Slack workspace.")
discord_cli = typer.Typer(help="Setting Chapterhouse up on Discord.")
cli.add_typer(db_cli, name="db")
cli.add_typer(members_cli, name="members")
cli.add_typer(slack_cli, name="slack")
cli.add_typer(discord_cli, name="discord")

DEFAULT_USER = "alice"


def settle_heap() -> None:
    """Move start-up's objects out of the collector's sight before serving.

    Tens of thousands of long-lived objects (ORM, migrations, settings) otherwise
    make every full collection a pause of tens of milliseconds in some command.
    """
    gc.collect()
    gc.freeze()


def _fail(message: str, code: int = 1) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as error:
        _fail(f"Configuration error: {error}", 2)
        raise  # pragma: no cover


def _with_app(work: Callable[[App], Awaitable[T]]) -> T:
    settings = _settings()

    async def run() -> T:
        try:
            app = await bootstrap(settings)
        except ConfigError as error:
            _fail(f"Configuration error: {error}", 2)
            raise  # pragma: no cover
        try:
            return await work(app)
        finally:
            await app.close()

    return asyncio.run(run())


async def _ensure_demo(app: App) -> str | None:
    from commands.demo import NotEmpty, seed_demo
    from commands.events.demo import seed_demo_events
    from storage.uow import UnitOfWork

    async with UnitOfWork(app.sessions, app.clock.now()) as uow:
        try:
            message = await seed_demo(uow.session, uow.now)
        except NotEmpty:
            return None
        message += " Also " + await seed_demo_events(uow.session, uow.now)
        await uow.commit()
        return message


async def _set_up_admin(app: App) -> str | None:
    """After `chapterhouse init`, the bare console opens as that society's admin."""
    from commands.society import console_admin
    from storage.uow import UnitOfWork

    async with UnitOfWork(app.sessions, app.clock.now()) as uow:
        return await console_admin(uow.session)


@cli.callback(invoke_without_command=True)
def main_callback(ctx: typer.Context) -> None:
    """With no subcommand: the console on the demo society (no tokens set)."""
    if ctx.invoked_subcommand is not None:
        return
    settings = _settings()
    if settings.slack_enabled or settings.discord_enabled:
        serve()
        return
    _interactive(None, None, seed=True)


@cli.command()
def serve() -> None:
    """Serve Slack and/or Discord, whichever tokens are set, with the scheduler and HTTP."""
    from chapterhouse.serve import check_settings
    from chapterhouse.serve import serve as run

    try:
        check_settings(_settings())
    except ConfigError as error:
        _fail(f"Configuration error: {error}", 2)

    async def work(app: App) -> None:
        settle_heap()
        await run(app)

    _with_app(work)


@slack_cli.command("manifest")
def slack_manifest(
    url: Annotated[
        str | None,
        typer.Option(help="the public HTTPS address of /slack/events, for HTTP mode"),
    ] = None,
    socket_mode: Annotated[
        bool, typer.Option("--socket-mode", help="use Socket Mode (no public address)")
    ] = False,
    name: Annotated[str, typer.Option(help="the app's name in the workspace")] = "Chapterhouse",
) -> None:
    """Print the Slack app manifest (YAML) to paste into api.slack.com/apps."""
    from adapters.slack.manifest import manifest_yaml
    from commands import build_registry

    if url and socket_mode:
        _fail("Give --url for HTTP mode or --socket-mode, not both.", 2)
    if url and not url.startswith("https://"):
        _fail(f"--url must be an https:// address that Slack can reach, got {url!r}.", 2)
    typer.echo(
        manifest_yaml(build_registry(), name=name, request_url=url, socket_mode=socket_mode),
        nl=False,
    )


@cli.command()
def console(
    user: Annotated[
        str | None,
        typer.Option("--as", help="who you are in the console (default: the society's admin)"),
    ] = None,
    channel: Annotated[str | None, typer.Option(help="the channel you type in")] = None,
) -> None:
    """Interactive console with history and /help."""
    _interactive(user, channel, seed=False)


def _interactive(user: str | None, channel: str | None, *, seed: bool) -> None:
    from adapters.console.repl import run_repl

    async def work(app: App) -> None:
        if seed:
            message = await _ensure_demo(app)
            if message:
                typer.echo(message)
        who = user or await _set_up_admin(app) or DEFAULT_USER
        settle_heap()
        await run_repl(app, who, channel)

    _with_app(work)


@cli.command("exec")
def exec_command(
    text: Annotated[str, typer.Argument(help='the command, e.g. "/chapter list"')],
    user: Annotated[str, typer.Option("--as", help="who runs it")],
    channel: Annotated[str | None, typer.Option(help="the channel it is typed in")] = None,
) -> None:
    """Run one command and print its reply as plain text."""
    from adapters.console.adapter import ConsolePoster, ConsoleSession
    from adapters.console.render import render

    async def work(app: App) -> bool:
        app.notifier.add_poster(ConsolePoster(typer.echo, save_in=Path.cwd()))
        reply = await ConsoleSession(app, user, channel).send(text)
        typer.echo(render(reply, save_in=Path.cwd()), err=not reply.ok)
        return reply.ok

    if not _with_app(work):
        raise typer.Exit(1)


@cli.command()
def init(
    admin: Annotated[
        str,
        typer.Option(
            prompt="First HQ admin (console:NAME, slack:USER_ID or discord:USER_ID)",
            help="the first HQ admin: console:NAME, slack:USER_ID or discord:USER_ID",
        ),
    ],
    name: Annotated[str, typer.Option(prompt="The society's name", help="the society's name")],
    tz: Annotated[
        str,
        typer.Option(
            "--tz",
            prompt="Its default time zone (e.g. Europe/Berlin)",
            help="its default time zone, an IANA name such as Europe/Berlin",
        ),
    ],
    admin_name: Annotated[
        str, typer.Option(help="the admin's display name (default: the NAME or id)")
    ] = "",
    chapter: Annotated[
        list[str] | None,
        typer.Option(
            "--chapter",
            metavar="NAME[,REGION[,ZONE]]",
            help="a first chapter (repeat for more); zone defaults to --tz",
        ),
    ] = None,
    interactive: Annotated[
        bool | None,
        typer.Option(
            "--interactive/--no-interactive",
            help="ask for the first chapters when no --chapter is given "
            "(default: when typing at a terminal)",
        ),
    ] = None,
) -> None:
    """Set up a real society on an empty database: its name, zone, HQ admin, chapters."""
    from bot.errors import UserError
    from commands.society import initialise, next_steps
    from storage.uow import UnitOfWork

    chapters = list(chapter or [])
    if not chapters and (sys.stdin.isatty() if interactive is None else interactive):
        from bot.zones import zone

        try:
            home_zone = zone(tz).key  # a wrong zone is said before the chapters are asked
        except UserError as error:
            _fail(str(error))
            return
        chapters = _ask_chapters(home_zone)

    async def work(app: App) -> list[str]:
        async with UnitOfWork(app.sessions, app.clock.now()) as uow:
            lines = await initialise(
                uow, admin=admin, admin_name=admin_name, name=name, timezone=tz, chapters=chapters
            )
            await uow.commit()
        return lines

    try:
        lines = _with_app(work)
    except UserError as error:
        _fail(str(error))
        return
    typer.echo("\n".join([*lines, *next_steps(admin, chapters)]))


def _ask_chapters(home_zone: str) -> list[str]:
    """The first chapters, asked one by one (name, then zone); a blank name stops."""
    from bot.errors import UserError
    from commands.society import read_chapter

    typer.echo("The first chapters: a name and a time zone each; leave the name blank to stop.")
    chapters: list[str] = []
    while True:
        name = " ".join(typer.prompt("Chapter name", default="", show_default=False).split())
        if not name:
            return chapters
        if "," in name:
            typer.echo("A chapter's name has no commas; try again.", err=True)
            continue
        if any(c.split(",")[0].casefold() == name.casefold() for c in chapters):
            typer.echo(f"{name} is already on the list; give another name.", err=True)
            continue
        while True:
            zone = typer.prompt(f"{name}'s time zone", default=home_zone).strip()
            try:
                read_chapter(f"{name},,{zone}", home_zone)
            except UserError as error:
                typer.echo(str(error).replace("--chapter ", "", 1), err=True)
                continue
            chapters.append(f"{name},,{zone}")
            break


@cli.command()
def demo() -> None:
    """Seed the demo society into an empty database."""

    async def work(app: App) -> str | None:
        return await _ensure_demo(app)

    message = _with_app(work)
    if message is None:
        _fail("The database already has chapters or members; the demo needs an empty one.")
    typer.echo(message)


@cli.command()
def report(
    month: Annotated[str | None, typer.Option(help="the month reported on, as YYYY-MM")] = None,
    quarter: Annotated[str | None, typer.Option(help="the quarter reported on, as YYYY-Qn")] = None,
    as_markdown: Annotated[bool, typer.Option("--markdown", help="print it as Markdown")] = False,
) -> None:
    """The society's monthly or quarterly report: HQ's update (or its draft) and every
    group's, one line each."""
    from adapters.console.render import render
    from commands.updates.periods import Period
    from commands.updates.periods import month as month_period
    from commands.updates.periods import quarter as quarter_period
    from commands.updates.summary import markdown, society_report
    from storage.uow import UnitOfWork

    if (month is None) == (quarter is None):
        _fail("Give one of --month YYYY-MM or --quarter YYYY-Qn, e.g. --quarter 2027-Q1.", 2)
    period: Period
    try:
        period = month_period(month) if month is not None else quarter_period(quarter or "")
    except ValueError:
        if month is not None:
            _fail(f"--month {month!r} is not a month; give it as YYYY-MM, e.g. 2027-01.", 2)
        _fail(f"--quarter {quarter!r} is not a quarter; give it as YYYY-Qn, e.g. 2027-Q1.", 2)
        raise  # pragma: no cover

    async def work(app: App) -> str:
        async with UnitOfWork(app.sessions, app.clock.now()) as uow:
            reply = await society_report(uow.session, period, app.settings.tz)
        return markdown(reply) if as_markdown else render(reply) + "\n"

    typer.echo(_with_app(work), nl=False)


@cli.command()
def stats(
    as_csv: Annotated[
        bool, typer.Option("--csv", help="every figure as CSV: section,chapter,metric,value")
    ] = False,
    file: Annotated[
        Path | None, typer.Argument(help="write to this file instead of the screen")
    ] = None,
) -> None:
    """The society's figures, as /stats shows HQ; --csv for every figure of every chapter."""
    from adapters.console.render import render
    from commands.stats import society_stats, stats_reply
    from storage.uow import UnitOfWork

    async def work(app: App) -> str:
        async with UnitOfWork(app.sessions, app.clock.now()) as uow:
            figures = await society_stats(uow.session, uow.now, app.settings)
        return figures.to_csv() if as_csv else render(stats_reply(figures, app.settings)) + "\n"

    output = _with_app(work)
    if file is None:
        typer.echo(output, nl=False)
        return
    try:
        file.write_text(output, encoding="utf-8")
    except OSError as error:
        _fail(f"Cannot write {file}: {error.strerror or error}.", 2)
    typer.echo(f"Wrote the society's figures to {file}.")


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations (also done at every start)."""
    from storage.migrate import current_revision

    async def work(app: App) -> str | None:
        return await current_revision(app.engine)

    typer.echo(f"Database is at revision {_with_app(work)}.")


@members_cli.command("import")
def members_import(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV: name,email,chapter,slack id,discord id"
            " [,title,company,city,timezone,skills,interests]"
        ),
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="report only; change nothing")] = False,
) -> None:
    """Import members from a CSV file, de-duplicated by email and platform id."""
    from commands.importer import import_members, read_rows
    from storage.uow import UnitOfWork

    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        _fail(f"{file} is not UTF-8 text; save it as 'CSV UTF-8' and import again.")
    except OSError as error:
        _fail(f"Cannot read {file}: {error.strerror or error}.", 2)
    try:
        rows, unknown = read_rows(text)
    except ValueError as error:
        _fail(f"{file}: {error}")
        return

    async def work(app: App) -> str:
        async with UnitOfWork(app.sessions, app.clock.now()) as uow:
            report = await import_members(uow.session, rows, uow.now)
            if not dry_run:
                await uow.commit()
        lines = [*report.notes]
        if unknown:
            lines.insert(0, f"ignored columns: {', '.join(unknown)}")
        prefix = "dry run, nothing written: would have " if dry_run else ""
        lines.append(f"{prefix}{report.summary()}")
        return "\n".join(lines)

    typer.echo(_with_app(work))


@members_cli.command("export")
def members_export(
    file: Annotated[Path | None, typer.Argument(help="where to write; default: print it")] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="as CSV (the only format)")] = True,
) -> None:
    """Write every member, profile columns included (hidden members too: this is HQ's list)."""
    from commands.profiles.export import export_members
    from storage.uow import UnitOfWork

    async def work(app: App) -> str:
        async with UnitOfWork(app.sessions, app.clock.now()) as uow:
            return await export_members(uow.session)

    text = _with_app(work)
    if file is None:
        typer.echo(text, nl=False)
        return
    file.write_text(text, encoding="utf-8")
    typer.echo(f"Wrote {plural(max(text.count(chr(10)) - 1, 0), 'member')} to {file}.")


@discord_cli.command("sync")
def discord_sync() -> None:
    """Publish the slash commands to DISCORD_GUILD_ID (instant) or globally."""
    from adapters.discord.sync import sync_commands
    from commands import build_registry

    settings = _settings()
    try:
        where, names = asyncio.run(sync_commands(settings, build_registry()))
    except ConfigError as error:
        _fail(f"Configuration error: {error}", 2)
        return
    typer.echo(f"Synced {len(names)} commands to {where}: {', '.join('/' + n for n in names)}.")


nudges_cli = typer.Typer(help="Scheduled work (closes, reminders, digests, nudges) on demand.")
cli.add_typer(nudges_cli, name="nudges")
AtOption = Annotated[
    str | None,
    typer.Option(
        "--at",
        metavar="WHEN",
        help="a duration from now (48h) or a date/time (2026-03-14T09:00, society's zone); "
        "default now",
    ),
]


AT_RANGE = timedelta(days=36_525)
"""How far `--at` may reach: the due jobs add days and weeks to it, and 9999-12-31
plus a week is past the end of the calendar."""


def _nudges(at: str | None, *, preview: bool) -> None:
    from datetime import UTC, datetime

    from adapters.console.adapter import ConsolePoster
    from bot.errors import BadArgument
    from bot.scheduler import run_due
    from bot.timeparse import parse_when

    settings = _settings()
    when = datetime.now(UTC)
    if at is not None:
        try:
            when = parse_when(at, when, settings.tz, "--at")
        except BadArgument as error:
            _fail(str(error), 2)
        if abs(when - datetime.now(UTC)) > AT_RANGE:
            _fail(f"--at must be within 100 years of now, got {at!r}.", 2)

    async def work(app: App) -> bool:
        if not preview:
            app.notifier.add_poster(ConsolePoster(typer.echo))
        report = await run_due(app, when, preview=preview)
        typer.echo("\n".join(report.lines(settings.tz)))
        return not report.failed

    if not _with_app(work):
        raise typer.Exit(1)


@nudges_cli.command("preview")
def nudges_preview(at: AtOption = None) -> None:
    """List what would be sent as of WHEN, where and why; sends and writes nothing."""
    _nudges(at, preview=True)


@nudges_cli.command("run")
def nudges_run(at: AtOption = None) -> None:
    """Process the work due as of WHEN and print what was done (exit 1 if a job failed)."""
    _nudges(at, preview=False)


@cli.command("backup")
def backup_command(
    file: Annotated[Path, typer.Argument(help="the new file to write the copy to")],
) -> None:
    """Copy the database to FILE while the bot runs (SQLite; PostgreSQL: pg_dump)."""
    from storage.backup import BackupError, backup, pg_dump_command, sqlite_file
    from storage.engine import normalise_url

    url = normalise_url(_settings().database_url).render_as_string(hide_password=False)
    database = sqlite_file(url)
    if database is None:
        _fail(
            "On PostgreSQL, back up with pg_dump (it asks for the password, or reads "
            f"PGPASSWORD):\n  {pg_dump_command(url, file)}"
        )
        return
    try:
        found = backup(database, file)
    except BackupError as error:
        _fail(f"Cannot back up: {error}.")
        return
    typer.echo(f"Backed up {database} to {file}: {found.summary()}.")


@cli.command("restore")
def restore_command(
    file: Annotated[Path, typer.Argument(help="a file written by `chapterhouse backup`")],
    force: Annotated[
        bool, typer.Option("--force", help="replace a database that already holds a society")
    ] = False,
) -> None:
    """Put a backup in place of the database (SQLite), then bring it up to date."""
    from storage.backup import BackupError, contents, is_empty, pg_restore_command, restore
    from storage.backup import sqlite_file as file_of
    from storage.engine import create_engine, normalise_url
    from storage.migrate import current_revision, upgrade

    url = normalise_url(_settings().database_url).render_as_string(hide_password=False)
    database = file_of(url)
    if database is None:
        _fail(
            "On PostgreSQL, restore a pg_dump backup with pg_restore:\n  "
            + pg_restore_command(url, file)
        )
        return
    try:
        contents(file)
    except BackupError as error:
        _fail(f"Cannot restore: {error}.")
    if not force and not is_empty(database):
        _fail(
            f"Cannot restore: {database} already holds a society; "
            "add --force to replace it with the backup."
        )
    try:
        found = restore(file, database)
    except BackupError as error:
        _fail(f"Cannot restore: {error}.")
        return

    async def bring_up_to_date() -> str | None:
        engine = create_engine(url)
        try:
            await upgrade(engine)
            return await current_revision(engine)
        finally:
            await engine.dispose()

    revision = asyncio.run(bring_up_to_date())
    typer.echo(f"Restored {file} into {database}: {found.summary()}; now at revision {revision}.")


def main() -> None:
    try:
        cli()
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()

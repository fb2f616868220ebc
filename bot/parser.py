"""The shared text grammar: `/group subcommand positional… --flag --option value`.

Slack and the console send text; this turns it into a spec and typed arguments, or
one line saying what was wrong and what would be right. Every failure is a
`UserError`: no input text can raise anything else (a property test holds us to it).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.errors import BadArgument
from bot.mentions import strip_tokens
from bot.registry import ChannelRef, CommandSpec, Kind, MemberRef, Param, Registry
from bot.timeparse import parse_date, parse_duration, parse_when

OPENING_QUOTES = {'"': '"', "“": "”", "”": "”", "„": "“", "«": "»", "'": "'", "‘": "’"}
MAX_TEXT = 4000
_SLACK_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|([^>]*))?>$")
_SLACK_CHANNEL = re.compile(r"^<#([CGD][A-Z0-9]+)(?:\|([^>]*))?>$")
_DISCORD_USER = re.compile(r"^<@!?(\d{5,25})>$")
_DISCORD_CHANNEL = re.compile(r"^<#(\d{5,25})>$")
_AT_NAME = re.compile(r"^@([\w.\-]{1,64})$")


@dataclass(frozen=True)
class Token:
    text: str
    quoted: bool = False


def tokenize(text: str) -> list[Token]:
    """Split on whitespace, honouring straight and typographic quotes.

    A quote opens only at the start of a word, so apostrophes inside words
    ("Women's", “don’t”) stay literal.
    """
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        if text[i] in OPENING_QUOTES:
            closing = OPENING_QUOTES[text[i]]
            closers = {closing, '"'} if text[i] != "'" else {"'", "’"}
            if text[i] in "“”„":
                closers |= {"”", "“", '"'}
            end = next((j for j in range(i + 1, n) if text[j] in closers), -1)
            if end == -1:
                raise BadArgument(
                    f"Unclosed quote starting at {text[i : i + 20]!r}: add the closing {closing}."
                )
            tokens.append(Token(text[i + 1 : end], quoted=True))
            i = end + 1
            continue
        j = i
        while j < n and not text[j].isspace():
            j += 1
        tokens.append(Token(text[i:j]))
        i = j
    return tokens


def closest(word: str, candidates: list[str]) -> str | None:
    matches = difflib.get_close_matches(word.lower(), candidates, n=1, cutoff=0.6)
    return matches[0] if matches else None


def _did_you_mean(word: str, candidates: list[str]) -> str:
    suggestion = closest(word, candidates)
    return f" Did you mean {suggestion}?" if suggestion else ""


@dataclass(frozen=True)
class ParseEnv:
    """What conversion needs to know about the request: its platform and its clock."""

    platform: str
    now: datetime
    tz: ZoneInfo


def find_spec(registry: Registry, tokens: list[Token]) -> tuple[CommandSpec, list[Token]]:
    if not tokens or tokens[0].quoted:
        raise BadArgument("Type a command such as /help or /chapter list.")
    group = tokens[0].text.lstrip("/").lower()
    groups = registry.groups()
    if group not in groups:
        hint = _did_you_mean(group, list(groups))
        raise BadArgument(f"Unknown command /{group}.{hint} Type /help for the list.")
    top = registry.get(group, None)
    if top is not None:
        return top, tokens[1:]
    subs = registry.subcommands(group)
    names = [s.name or "" for s in subs]
    if len(tokens) < 2 or tokens[1].text.startswith("--"):
        raise BadArgument(f"/{group} needs a subcommand: {', '.join(names)}.")
    name = tokens[1].text.lower()
    spec = registry.get(group, name)
    if spec is None:
        hint = _did_you_mean(name, names)
        raise BadArgument(
            f"/{group} has no subcommand {name!r}.{hint} Choose one of: {', '.join(names)}."
        )
    return spec, tokens[2:]


def parse(registry: Registry, text: str, env: ParseEnv) -> tuple[CommandSpec, dict[str, Any]]:
    if len(text) > MAX_TEXT:
        raise BadArgument(f"That command is {len(text)} characters long; at most {MAX_TEXT}.")
    spec, rest = find_spec(registry, tokenize(strip_tokens(text)))
    return spec, bind(spec, rest, env)


def bind(spec: CommandSpec, tokens: list[Token], env: ParseEnv) -> dict[str, Any]:
    """Assign tokens to the spec's parameters and convert each to its type."""
    usage = f"Usage: {spec.usage()}"
    options = spec.options
    raw: dict[str, list[str]] = {}
    positional: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.quoted or not token.text.startswith("--") or token.text == "--":
            positional.append(token.text)
            i += 1
            continue
        flag, eq, inline = token.text.partition("=")
        flag = flag.lower()
        param = options.get(flag)
        if param is None:
            known = ", ".join(options) or "none"
            hint = _did_you_mean(flag, list(options))
            raise BadArgument(f"/{spec.path} has no option {flag}.{hint} Options: {known}.")
        if flag in raw:
            raise BadArgument(f"{flag} is given twice; give it once.")
        if param.kind is Kind.FLAG:
            if eq:
                raise BadArgument(f"{flag} is a switch and takes no value. {usage}")
            raw[flag] = []
            i += 1
            continue
        if eq:
            raw[flag] = [inline]
            i += 1
            continue
        if i + 1 >= len(tokens) or (
            not tokens[i + 1].quoted and tokens[i + 1].text.startswith("--")
        ):
            raise BadArgument(f"{flag} needs a value ({param.metavar}). {usage}")
        raw[flag] = [tokens[i + 1].text]
        i += 2

    values: dict[str, Any] = {}
    params = spec.positionals
    for param in params:
        if param.variadic:
            taken, positional = positional, []
            if param.required and not taken:
                raise BadArgument(f"Missing {param.metavar}. {usage}")
            values[param.name] = tuple(convert(param, t, env) for t in taken)
            continue
        if not positional:
            if param.required:
                raise BadArgument(f"Missing {param.metavar}. {usage}")
            values[param.name] = param.default
            continue
        if param is params[-1] and param.kind is Kind.TEXT and len(positional) > 1:
            # The last text parameter takes the rest: /chapter info Washington DC
            positional = [" ".join(positional)]
        values[param.name] = convert(param, positional.pop(0), env)
    if positional:
        raise BadArgument(f"Unexpected {positional[0]!r}. {usage}")
    for flag, param in options.items():
        if flag not in raw:
            if param.required:
                raise BadArgument(f"Missing {flag} {param.metavar}. {usage}")
            values[param.name] = param.default
        elif param.kind is Kind.FLAG:
            values[param.name] = True
        else:
            values[param.name] = convert(param, raw[flag][0], env)
    return values


def bind_values(spec: CommandSpec, given: Mapping[str, str], env: ParseEnv) -> dict[str, Any]:
    """Typed-option platforms (Discord) send values by name; convert them the same way."""
    tokens: list[Token] = []
    by_name = {p.name: p for p in spec.params}
    for name in given:
        if name not in by_name:
            raise BadArgument(f"/{spec.path} has no option {name!r}.")
    for param in spec.positionals:
        if param.name in given:
            values = given[param.name]
            parts = tokenize(values) if param.variadic else [Token(values, quoted=True)]
            tokens.extend(Token(t.text, quoted=True) for t in parts)
    for param in spec.params:
        if param.positional or param.name not in given:
            continue
        if param.kind is Kind.FLAG:
            if str(given[param.name]).lower() in ("true", "1", "yes"):
                tokens.append(Token(param.flag))
        else:
            tokens += [Token(param.flag), Token(str(given[param.name]), quoted=True)]
    return bind(spec, tokens, env)


def _label(param: Param) -> str:
    return param.flag if not param.positional else param.metavar


def convert(param: Param, text: str, env: ParseEnv) -> Any:
    label = _label(param)
    text = text.strip()
    if param.kind is not Kind.TEXT and not text:
        raise BadArgument(f"{label} is empty; give a value.")
    try:
        return _convert(param, text, env, label)
    except (ValueError, OverflowError):
        raise BadArgument(f"{label}: {text[:40]!r} is out of range.") from None


def _convert(param: Param, text: str, env: ParseEnv, label: str) -> Any:
    match param.kind:
        case Kind.TEXT:
            if not text:
                raise BadArgument(f"{label} is empty; give some text.")
            return text
        case Kind.INT:
            if not re.fullmatch(r"[+-]?\d{1,9}", text):
                raise BadArgument(f"{label} expects a whole number, got {text[:40]!r}.")
            return int(text)
        case Kind.CHOICE:
            lowered = text.lower()
            if lowered not in param.choices:
                hint = _did_you_mean(lowered, list(param.choices))
                raise BadArgument(
                    f"{label} must be {' or '.join(param.choices)}, got {text[:40]!r}.{hint}"
                )
            return lowered
        case Kind.DATE:
            return parse_date(text, env.now.astimezone(env.tz).date(), past=param.past, what=label)
        case Kind.WHEN:
            return parse_when(text, env.now, env.tz, what=label)
        case Kind.DURATION:
            return parse_duration(text, what=label)
        case Kind.MEMBER:
            return parse_member(text, env.platform, label)
        case Kind.CHANNEL:
            return parse_channel(text, env.platform, label)
        case Kind.FLAG:  # pragma: no cover - flags never reach conversion
            return True


def parse_member(text: str, platform: str, label: str = "@member") -> MemberRef:
    if m := _SLACK_USER.match(text):
        return MemberRef("slack", m.group(1), m.group(2) or "")
    if m := _DISCORD_USER.match(text):
        return MemberRef("discord", m.group(1))
    if m := _AT_NAME.match(text):
        return MemberRef(platform if platform == "console" else "name", m.group(1).lower())
    raise BadArgument(f"{label} expects a mention like @alice, got {text[:40]!r}.")


def parse_channel(text: str, platform: str, label: str = "#channel") -> ChannelRef:
    if m := _SLACK_CHANNEL.match(text):
        return ChannelRef("slack", m.group(1), m.group(2) or "")
    if m := _DISCORD_CHANNEL.match(text):
        return ChannelRef("discord", m.group(1))
    if text.startswith("#") and re.fullmatch(r"#[\w.\-]{1,80}", text):
        return ChannelRef(platform, text[1:].lower(), text[1:])
    raise BadArgument(f"{label} expects a channel like #boston, got {text[:40]!r}.")

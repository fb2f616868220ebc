"""The shared text grammar: `/group subcommand positional… --flag --option value`.

Slack and the console send text; this turns it into a spec and typed arguments, or
one line saying what was wrong and what would be right. Every failure is a
`UserError`: no input text can raise anything else (a property test holds us to it).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from bot.declarations import ChannelRef, CommandSpec, Kind, MemberRef, Param
from bot.errors import BadArgument
from bot.mentions import strip_tokens
from bot.registry import Registry
from bot.timeparse import parse_date, parse_duration, parse_when

_DOUBLE = frozenset('"“”')
OPENING_QUOTES = {'"': '"', "“": "”", "”": "”", "„": "“", "«": "»", "'": "'", "‘": "’"}
"""Each opening quote and the closing quote named in the unclosed-quote hint."""
_CLOSERS = {
    '"': _DOUBLE,
    "“": _DOUBLE,
    "”": _DOUBLE,
    "„": _DOUBLE,
    "«": frozenset('»"'),
    "'": frozenset("'’"),
    "‘": frozenset("'’"),
}
_SINGLE = frozenset("'’")
_DASHES = ("—", "–")
"""Phones and smart-punctuation keyboards turn a typed `--` into an em or en dash."""
_INLINE_OPTION = re.compile(r"[^\s=]+=")
MAX_TEXT = 4000
_SLACK_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|([^>]*))?>$")
_SLACK_CHANNEL = re.compile(r"^<#([CGD][A-Z0-9]+)(?:\|([^>]*))?>$")
_DISCORD_USER = re.compile(r"^<@!?(\d{5,25})(?:\|([^>]*))?>$")
"""Discord's `<@123>`; its adapter adds `|name` from the option's user, as Slack does."""
_DISCORD_CHANNEL = re.compile(r"^<#(\d{5,25})>$")
_NAMED_MENTION = re.compile(r"<[@#]!?[A-Za-z0-9]+\|[^<>\n]*>")
_AT_NAME = re.compile(r"^@([\w.\-]{1,64})$")


@dataclass(frozen=True)
class Token:
    text: str
    quoted: bool = False


def tokenize(text: str) -> list[Token]:
    """Split on whitespace, honouring straight and typographic quotes.

    A quote opens only at the start of a word, so apostrophes inside words
    ("Women's", “don’t”) stay literal, and inside a single-quoted phrase an
    apostrophe between two letters does not close it ('Women's night').
    `--option="a value"` keeps its quoted value. A leading em or en dash
    (what phones make of `--`) reads as `--`.
    """
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        if text[i] in OPENING_QUOTES:
            inner, i = _quoted(text, i)
            tokens.append(Token(inner, quoted=True))
            continue
        if text.startswith("--", i):
            name = i + 2
        elif text[i] in _DASHES and i + 1 < n and text[i + 1].isalpha():
            name = i + 1
        else:
            name = -1
        inline = _INLINE_OPTION.match(text, name) if name > i else None
        if inline and inline.end() < n and text[inline.end()] in OPENING_QUOTES:
            value, i = _quoted(text, inline.end())
            tokens.append(Token(f"--{inline.group()}{value}"))
            continue
        j = i
        if named := _NAMED_MENTION.match(text, i):
            j = named.end()  # a mention's name may hold spaces: `<@U123|Klaus Becker>`
        while j < n and not text[j].isspace():
            j += 1
        tokens.append(Token("--" + text[name:j] if name > i else text[i:j]))
        i = j
    return tokens


def _quoted(text: str, start: int) -> tuple[str, int]:
    """The phrase opened by the quote at `start`, and the index just past its close."""
    opening = text[start]
    closers = _CLOSERS[opening]
    for j in range(start + 1, len(text)):
        if text[j] not in closers:
            continue
        apostrophe = (
            text[j] in _SINGLE
            and j + 1 < len(text)
            and text[j - 1].isalnum()
            and text[j + 1].isalnum()
        )
        if not apostrophe:
            return text[start + 1 : j], j + 1
    raise BadArgument(
        f"Unclosed quote starting at {text[start : start + 20]!r}: "
        f"add the closing {OPENING_QUOTES[opening]}."
    )


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
    if not registry.has_group(group):
        hint = _did_you_mean(group, registry.group_names())
        shown = " ".join(group.split())[:40]  # `--x="a\nb"` is one word with a line break
        raise BadArgument(f"Unknown command /{shown}.{hint} Type /help for the list.")
    top = registry.get(group, None)
    if top is not None:
        return top, tokens[1:]
    name = tokens[1].text.lower() if len(tokens) > 1 else ""
    if len(tokens) > 2 and not tokens[2].quoted:
        # Two-word subcommands (`/chapter meeting edit 12`) before their one-word parent.
        longer = registry.get(group, f"{name} {tokens[2].text.lower()}")
        if longer is not None:
            return longer, tokens[3:]
    spec = registry.get(group, name) if not name.startswith("--") else None
    if spec is None:
        names = [s.name or "" for s in registry.subcommands(group)]
        if not name or name.startswith("--"):
            raise BadArgument(f"/{group} needs a subcommand: {', '.join(names)}.")
        hint = _did_you_mean(name, names)
        raise BadArgument(
            f"/{group} has no subcommand {name!r}.{hint} Choose one of: {', '.join(names)}."
        )
    return spec, tokens[2:]


@lru_cache(maxsize=1024)
def _located(registry: Registry, text: str) -> tuple[CommandSpec, tuple[Token, ...]]:
    spec, rest = find_spec(registry, tokenize(strip_tokens(text)))
    return spec, tuple(rest)


def locate(registry: Registry, text: str) -> tuple[CommandSpec, list[Token]]:
    """The command a text names and the words after it; raises `BadArgument`.

    Adapters look a command up before they hand it over (to open a form or a
    confirmation), and the dispatcher reads the same text again: the tokens and the
    spec are pure functions of the text, so the second reading is a cache hit.
    Only the binding, which depends on the clock, runs again.
    """
    if len(text) > MAX_TEXT:
        raise BadArgument(f"That command is {len(text)} characters long; at most {MAX_TEXT}.")
    spec, rest = _located(registry, text)
    return spec, list(rest)


def parse(registry: Registry, text: str, env: ParseEnv) -> tuple[CommandSpec, dict[str, Any]]:
    spec, rest = locate(registry, text)
    return spec, bind(spec, rest, env)


def bind(spec: CommandSpec, tokens: list[Token], env: ParseEnv) -> dict[str, Any]:
    """Assign tokens to the spec's parameters and convert each to its type."""
    options = spec.options
    raw: dict[str, str] = {}
    positional: list[str] = []
    runs: list[int] = []
    """For each positional word, which run of words it belongs to: options split runs."""
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.quoted or not token.text.startswith("--") or token.text == "--":
            positional.append(token.text)
            runs.append(len(raw))
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
                raise BadArgument(f"{flag} is a switch and takes no value. {_usage(spec)}")
            raw[flag] = ""
            i += 1
            continue
        if eq:
            raw[flag] = inline
            i += 1
            continue
        if i + 1 >= len(tokens) or (
            not tokens[i + 1].quoted and tokens[i + 1].text.startswith("--")
        ):
            raise BadArgument(f"{flag} needs a value ({param.metavar}). {_usage(spec)}")
        raw[flag] = tokens[i + 1].text
        i += 2

    slots: dict[str, list[str]] = {}
    params = spec.positionals
    for index, param in enumerate(params):
        if not positional:
            break
        if param.spare and len(positional) <= sum(p.required for p in params[index + 1 :]):
            continue  # no word to spare: the required ones after it take them all
        if param.variadic:
            slots[param.name], positional = positional, []
        elif param is params[-1] and param.kind is Kind.TEXT and len(positional) > 1:
            # The last text parameter takes the rest: /chapter info Washington DC.
            # Only words typed together: words after an option's value are most
            # likely the rest of that value (--chapters Washington DC), not this text.
            if len(set(runs[-len(positional) :])) > 1:
                raise BadArgument(
                    f"Unexpected {positional[-1]!r}: quote a value that has spaces, "
                    f'e.g. --option "two words". {_usage(spec)}'
                )
            slots[param.name], positional = [" ".join(positional)], []
        else:
            slots[param.name] = [positional.pop(0)]
    return _convert_all(spec, slots, raw, env, extra=positional[0] if positional else None)


def bind_values(
    spec: CommandSpec, given: Mapping[str, str | Sequence[str]], env: ParseEnv
) -> dict[str, Any]:
    """Typed-option platforms (Discord, forms) send values by name; convert them the same way.

    Values are matched to parameters by name, never by position, so a missing
    value is reported as missing rather than shifting the others along. A variadic
    parameter takes a list (one form line per option) or one string to tokenize.
    """
    by_name = {p.name: p for p in spec.params}
    for name in given:
        if name not in by_name:
            raise BadArgument(f"/{spec.path} has no option {name!r}.")
    slots: dict[str, list[str]] = {}
    raw: dict[str, str] = {}
    for name, value in given.items():
        param = by_name[name]
        if not isinstance(value, str):
            items = [strip_tokens(v).strip() for v in value]
            items = [item for item in items if item]
            if param.variadic:
                slots[name] = items
                continue
            value = " ".join(items)
        text = strip_tokens(str(value))
        if param.positional:
            slots[name] = [t.text for t in tokenize(text)] if param.variadic else [text]
        elif param.kind is not Kind.FLAG:
            raw[param.flag] = text
        elif text.strip().lower() in ("true", "1", "yes"):
            raw[param.flag] = ""
    return _convert_all(spec, slots, raw, env)


def _convert_all(
    spec: CommandSpec,
    slots: Mapping[str, list[str]],
    raw: Mapping[str, str],
    env: ParseEnv,
    extra: str | None = None,
) -> dict[str, Any]:
    """Convert what each parameter was given, in declaration order; report what is missing."""
    values: dict[str, Any] = {}
    for param in spec.positionals:
        texts = slots.get(param.name, [])
        if not texts and param.required:
            raise BadArgument(f"Missing {param.metavar}. {_usage(spec)}")
        if param.variadic:
            values[param.name] = tuple(convert(param, t, env) for t in texts)
        else:
            values[param.name] = convert(param, texts[0], env) if texts else param.default
    if extra is not None:
        raise BadArgument(f"Unexpected {extra!r}. {_usage(spec)}")
    for flag, param in spec.options.items():
        if flag not in raw:
            if param.required:
                raise BadArgument(f"Missing {flag} {param.metavar}. {_usage(spec)}")
            values[param.name] = param.default
        elif param.kind is Kind.FLAG:
            values[param.name] = True
        else:
            values[param.name] = convert(param, raw[flag], env)
    return values


def _usage(spec: CommandSpec) -> str:
    """Only for error lines: building it for every command that parses costs a burst."""
    return f"Usage: {spec.usage()}"


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
        return MemberRef("discord", m.group(1), m.group(2) or "")
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

"""A Reply is data: blocks plus a plain-text fallback and a visibility.

Adapters render it (Block Kit, Discord embeds, console text) and own the platform
limits; handlers never think about them. Replies are JSON-serialisable because a
post may be queued in the delivery ledger and sent by another process.
"""

from __future__ import annotations

import base64
import enum
import re
from collections.abc import Callable, Mapping
from copy import deepcopy
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.mentions import Person


class Visibility(enum.StrEnum):
    EPHEMERAL = "ephemeral"
    PUBLIC = "public"


@dataclass(frozen=True)
class Header:
    text: str
    type: Literal["header"] = "header"


@dataclass(frozen=True)
class Section:
    """Markdown-ish text: *bold*, _italic_, `code`, bullet lines."""

    text: str
    type: Literal["section"] = "section"


@dataclass(frozen=True)
class Fields:
    pairs: tuple[tuple[str, str], ...]
    type: Literal["fields"] = "fields"


@dataclass(frozen=True)
class Progress:
    label: str
    value: float
    target: float
    note: str = ""
    type: Literal["progress"] = "progress"
    unit: str = ""
    """What is counted, in the plural (`chapters`); shown after the target."""

    @property
    def fraction(self) -> float:
        if self.target <= 0:
            return 1.0
        return max(0.0, self.value / self.target)


@dataclass(frozen=True)
class Ask:
    """Input a button gathers before it runs: a pick among options, or a ranking.

    Each chosen option's value is appended to the button's command, in the order
    chosen, so `/poll vote 12` with a ranking becomes `/poll vote 12 3 1 2`.
    Platforms show it as they can: a modal of ordered selects, a select menu.
    """

    options: tuple[tuple[str, str], ...]
    """(label shown, value appended to the command)."""
    most: int = 1
    ordered: bool = False
    title: str = ""


@dataclass(frozen=True)
class Button:
    label: str
    action: str
    """The command text the button runs, e.g. `/poll vote 12 2`."""
    style: Literal["default", "primary", "danger"] = "default"
    ask: Ask | None = None


@dataclass(frozen=True)
class Actions:
    buttons: tuple[Button, ...]
    type: Literal["actions"] = "actions"


@dataclass(frozen=True)
class Image:
    url: str
    alt: str
    type: Literal["image"] = "image"


@dataclass(frozen=True)
class Note:
    """Small print under a card (a hint, a footnote).

    Its wire tag stays `context`, Slack's name for the block: replies stored in the
    delivery ledger before it was renamed still read back.
    """

    text: str
    type: Literal["context"] = "context"


@dataclass(frozen=True)
class File:
    """A file for the user to keep (a CSV export, a chart): uploaded, attached or saved.

    Replies are JSON, so binary content (an image) travels base64-encoded; `data`
    gives the bytes either way.
    """

    name: str
    content: str
    media_type: str = "text/csv"
    encoding: Literal["text", "base64"] = "text"
    type: Literal["file"] = "file"

    @classmethod
    def binary(cls, name: str, data: bytes, media_type: str) -> File:
        return cls(name, base64.b64encode(data).decode("ascii"), media_type, "base64")

    @property
    def data(self) -> bytes:
        if self.encoding == "base64":
            return base64.b64decode(self.content)
        return self.content.encode()

    @property
    def is_text(self) -> bool:
        return self.encoding == "text"


@dataclass(frozen=True)
class FormField:
    """One pre-filled field of a `Form`: the parameter it fills, and what it starts with."""

    name: str
    """The command's parameter (its Python name: `asked`, `next_`)."""
    label: str
    default: str = ""
    max_length: int = 500
    blank: str = ""
    """What the field stands for when left empty (a profile's `-` clears it); by default
    an empty field is left out of the submission."""


@dataclass(frozen=True)
class Form:
    """A form for the member to complete before the command runs, its fields pre-filled.

    A handler returns it (with the blocks people without forms see instead) when it
    wants a person's words and can offer a first draft of them: platforms with forms
    open it (a Slack modal, a Discord modal, console prompts), and its submission runs
    the command `path` with `fixed` plus the fields as filled in. Renderers skip it.
    """

    title: str
    path: tuple[str, str | None]
    fixed: tuple[tuple[str, str], ...]
    fields: tuple[FormField, ...]
    type: Literal["form"] = "form"

    def values(self, filled: Mapping[str, str]) -> dict[str, str | tuple[str, ...]]:
        """The by-name values a submission runs with: the fixed ones, and fields not blank."""
        values: dict[str, str | tuple[str, ...]] = dict(self.fixed)
        for field_ in self.fields:
            if field_.name not in filled:
                continue  # not shown (a Discord modal holds five fields)
            text = (filled[field_.name] or "").strip() or field_.blank
            if text:
                values[field_.name] = text
        return values


Block = Header | Section | Fields | Progress | Actions | Image | Note | File | Form
_BLOCK_TYPES: dict[str, type[Any]] = {
    "form": Form,
    "file": File,
    "header": Header,
    "section": Section,
    "fields": Fields,
    "progress": Progress,
    "actions": Actions,
    "image": Image,
    "context": Note,
}


def _strings(value: object) -> list[str]:
    found: list[str] = []
    _gather_strings(value, found)
    return found


def _gather_strings(value: object, found: list[str]) -> None:
    if isinstance(value, str):
        found.append(value)
    elif isinstance(value, tuple):
        for item in value:
            _gather_strings(item, found)
    elif isinstance(value, File) and not value.is_text:
        found.append(value.name)
    elif hasattr(value, "__dataclass_fields__"):
        for name in _field_names(type(value)):
            _gather_strings(getattr(value, name), found)


_FIELD_NAMES: dict[type[Any], tuple[str, ...]] = {}


def _field_names(kind: type[Any]) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(kind)
    if names is None:
        names = _FIELD_NAMES[kind] = tuple(f.name for f in fields(kind))
    return names


def _plain(value: Any) -> Any:
    """What `dataclasses.asdict` makes of a value, without its generic deep copies.

    Blocks hold strings, numbers, tuples and other blocks; the scheduler serialises
    hundreds of replies a tick into the delivery ledger, so this is worth a fast path.
    """
    if value is None or isinstance(value, str | int | float):
        return value
    kind = type(value)
    if hasattr(kind, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name)) for name in _field_names(kind)}
    if kind is tuple or kind is list:
        return kind(_plain(item) for item in value)
    if kind is dict:
        return {_plain(key): _plain(item) for key, item in value.items()}
    return deepcopy(value)


def _button(data: Mapping[str, Any]) -> Button:
    values = dict(data)
    if values.get("ask") is not None:
        ask = dict(values["ask"])
        ask["options"] = tuple(tuple(pair) for pair in ask["options"])
        values["ask"] = Ask(**ask)
    return Button(**values)


@dataclass(frozen=True)
class Reply:
    text: str
    blocks: tuple[Block, ...] = ()
    visibility: Visibility = Visibility.EPHEMERAL
    ok: bool = True
    people: Mapping[int, Person] = field(default_factory=dict)
    reader_tz: str | None = None
    """The one reader's own zone, when known: a renderer without native time tokens
    (the console) shows `stamp`s in it. Channel posts have many readers and none."""

    @classmethod
    def error(cls, line: str) -> Reply:
        return cls(text=line, ok=False)

    @classmethod
    def public(cls, text: str, *blocks: Block) -> Reply:
        return cls(text=text, blocks=blocks, visibility=Visibility.PUBLIC)

    @classmethod
    def private(cls, text: str, *blocks: Block) -> Reply:
        return cls(text=text, blocks=blocks)

    @property
    def form(self) -> Form | None:
        """The form this reply asks the member to complete, if any."""
        return next((b for b in self.blocks if isinstance(b, Form)), None)

    def for_reader(self, zone: str | None) -> Reply:
        """This reply addressed to one reader in `zone` (ignored unless a real zone)."""
        if not zone or zone == self.reader_tz:
            return self
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            return self
        return replace(self, reader_tz=zone)

    def all_text(self) -> str:
        """Every string a renderer may show, for finding mentions."""
        return "\n".join([self.text, *(s for block in self.blocks for s in _strings(block))])

    def to_json(self) -> dict[str, Any]:
        """As `dataclasses.asdict` writes it, people keyed by strings (JSON's keys)."""
        people = {
            str(key): {"name": p.name, "handles": dict(p.handles)} for key, p in self.people.items()
        }
        return {
            name: people if name == "people" else _plain(getattr(self, name))
            for name in _field_names(Reply)
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Reply:
        blocks: list[Block] = []
        for raw in data.get("blocks", ()):
            kind = _BLOCK_TYPES[raw["type"]]
            values = dict(raw)
            if kind is Fields:
                values["pairs"] = tuple(tuple(pair) for pair in values["pairs"])
            if kind is Actions:
                values["buttons"] = tuple(_button(b) for b in values["buttons"])
            if kind is Form:
                values["path"] = tuple(values["path"])
                values["fixed"] = tuple(tuple(pair) for pair in values["fixed"])
                values["fields"] = tuple(FormField(**f) for f in values["fields"])
            blocks.append(kind(**values))
        people = {
            int(key): Person(p["name"], p.get("handles", {}))
            for key, p in data.get("people", {}).items()
        }
        return cls(
            text=data["text"],
            blocks=tuple(blocks),
            visibility=Visibility(data.get("visibility", "ephemeral")),
            ok=data.get("ok", True),
            people=people,
            reader_tz=data.get("reader_tz"),
        )


# Times for readers: a neutral token each renderer writes its own way, so each reader
# sees their own zone where the platform can (Discord `<t:…>`, Slack `<!date^…>`).
# The zone travels with it for the fallback; the private-use delimiters are the
# mention tokens' own, which the parser strips from typed text.
_STAMP = re.compile("\ue000t(\\d+)@([A-Za-z0-9_/+\\-]+)\ue001")


def stamp(at: datetime, zone: str) -> str:
    """`at` as a token: rendered in the reader's zone where the platform knows it."""
    return f"\ue000t{int(at.timestamp())}@{zone}\ue001"


def stamp_fallback(unix: int, zone: str) -> str:
    """The token as plain text in its zone: `Thu 18 Jun 16:00 EDT`."""
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    local = datetime.fromtimestamp(unix, tz)
    return f"{local:%a %d %b %Y %H:%M} {local.tzname() or zone}"


def render_stamps(text: str, write: Callable[[int, str], str] = stamp_fallback) -> str:
    """Replace each time token by `write(unix seconds, zone)`; plain text by default."""
    return _STAMP.sub(lambda m: write(int(m.group(1)), m.group(2)), text)

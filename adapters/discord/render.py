"""A Reply as a Discord message: content, embeds and component rows. Discord's limits live here.

Discord rejects a whole message when one embed field is too long, a count is over,
or the embeds together pass 6,000 characters, so every limit is met by cutting,
splitting or dropping, never by raising: a long report should arrive shortened
rather than not at all. Components and modal fields come out as plain data, so the
adapter builds the `discord.ui` objects and tests can read them without a client.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import discord

from adapters.text import progress_bar, split_lines
from bot.formatting import of_target, percentage
from bot.mentions import CLOSE, OPEN, TOKEN, Person, render_mentions, strip_tokens
from bot.reply import (
    Actions,
    Ask,
    Block,
    Button,
    Fields,
    File,
    Header,
    Image,
    Note,
    Progress,
    Reply,
    Section,
    render_stamps,
    stamp_fallback,
)

MAX_CONTENT = 2000
MAX_TITLE = 256
MAX_DESCRIPTION = 4096
MAX_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER = 2048
MAX_EMBED_TOTAL = 6000
"""Discord counts this over all of a message's embeds together, not per embed."""
MAX_EMBEDS = 10
MAX_ROWS = 5
MAX_ROW_BUTTONS = 5
MAX_BUTTON_LABEL = 80
MAX_CUSTOM_ID = 100
MAX_OPTIONS = 25
MAX_OPTION_TEXT = 100
MAX_PLACEHOLDER = 150
MAX_FILES = 10
MAX_MODAL_COMPONENTS = 5
MAX_MODAL_LABEL = 45
MAX_MODAL_TITLE = 45
MAX_URL = 2048
ELLIPSIS = "…"
BLANK = "\u200b"
"""Discord rejects an empty field name or value; a zero-width space shows nothing."""
BRAND_COLOUR = 0x4A6FA5
ERROR_COLOUR = 0xD83C3E
NOTE_ROOM = 24
"""Footer room kept for " · …and N more", which is known only once everything is placed."""
MIN_PARTIAL = 40
"""Below this, a cut paragraph would be a stub; the note says what is missing instead."""
INLINE_NAME = 32
INLINE_VALUE = 48
PLACEHOLDER = "Choose…"
ORDINALS = ("1st", "2nd", "3rd", "4th", "5th")
KINDS = ("run", "ask", "pick")

ButtonStyle = Literal["primary", "secondary", "danger"]


@dataclass(frozen=True)
class ButtonComponent:
    """A button as data: the adapter makes the `discord.ui.Button`, tests read this."""

    label: str
    custom_id: str
    style: ButtonStyle = "secondary"


@dataclass(frozen=True)
class SelectComponent:
    """A select menu as data; a select fills a whole action row on Discord."""

    custom_id: str
    options: list[tuple[str, str]]
    """(label shown, value sent back)."""
    min_values: int = 1
    max_values: int = 1
    placeholder: str = PLACEHOLDER


Component = ButtonComponent | SelectComponent


@dataclass(frozen=True)
class ModalSelect:
    """One modal row: a `discord.ui.Label` wrapping a select of the Ask's options."""

    label: str
    custom_id: str
    options: list[tuple[str, str]]
    min_values: int
    max_values: int
    required: bool
    placeholder: str = PLACEHOLDER


@dataclass(frozen=True)
class Rendered:
    """Everything one `send` needs, already within Discord's limits."""

    content: str
    embeds: list[discord.Embed]
    components: list[list[Component]]
    """Action rows, in order; each holds up to five buttons or exactly one select."""
    ephemeral: bool
    files: list[File]
    """The Reply's File blocks, for the adapter to attach as `discord.File`."""
    asks: dict[str, tuple[str, Ask]]
    """custom_id → (command, Ask): the adapter opens a modal instead of running the command."""
    dropped: int
    """Items that could not be sent at all; the message ends with "…and N more"."""


# Text


def _name(person: Person) -> str:
    """Titles, field names and names without a Discord account cannot ping; a name must not try."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(person.name))


def write_person(person: Person) -> str:
    """A real mention notifies the member; someone without a Discord account gets a name."""
    discord_id = person.handles.get("discord", "")
    if discord_id.isascii() and discord_id.isdigit():
        return f"<@{discord_id}>"
    return _name(person)


_HIDE_OPEN = "\ue002"
_HIDE_CLOSE = "\ue003"
_CODE = re.compile(r"```.*?```|``[^`]+?``|`[^`]+`", re.DOTALL)
_HIDDEN = re.compile(f"{_HIDE_OPEN}(\\d+){_HIDE_CLOSE}")
_BOLD = re.compile(r"(?<![*\\\w])\*([^*\s](?:[^*\n]*[^*\s])?)\*(?![*\w])")


def bold(text: str) -> str:
    """Slack's `*bold*` is italics on Discord, so it doubles; code spans keep their asterisks.

    Code spans are swapped for private-use placeholders first so a bold phrase may
    still contain one; stray placeholder characters in the input are removed so
    typed text cannot smuggle a span back in.
    """
    if "*" not in text and _HIDE_OPEN not in text and _HIDE_CLOSE not in text:
        return text  # nothing to double and nothing to clean: most text, on every reply
    spans: list[str] = []

    def hide(match: re.Match[str]) -> str:
        spans.append(match.group())
        return f"{_HIDE_OPEN}{len(spans) - 1}{_HIDE_CLOSE}"

    cleaned = text.replace(_HIDE_OPEN, "").replace(_HIDE_CLOSE, "")
    doubled = _BOLD.sub(r"**\1**", _CODE.sub(hide, cleaned))
    return _HIDDEN.sub(lambda match: spans[int(match.group(1))], doubled)


def _format(
    text: str,
    reply: Reply,
    write: Callable[[Person], str],
    when: Callable[[int, str], str] = stamp_fallback,
) -> str:
    """Typed mentions are defused before ours go in, so only ours can ping.

    Each step is skipped where the text has nothing for it (no `@`, no token), as
    most of a reply's text has not: rendering runs on the event loop, for every reply.
    """
    defused = bold(discord.utils.escape_mentions(text) if "@" in text else text)
    if OPEN not in defused and CLOSE not in defused:
        return defused
    return strip_tokens(render_mentions(render_stamps(defused, when), reply.people, write))


def write_stamp(unix: int, zone: str) -> str:
    """Discord shows each reader the time in their own zone, and how far off it is."""
    return f"<t:{unix}:F> (<t:{unix}:R>)"


def markdown(text: str, reply: Reply) -> str:
    """Content, descriptions and field values: the places where Discord renders a mention."""
    return _format(text, reply, write_person, write_stamp)


def titled(text: str, reply: Reply) -> str:
    """Titles and field names render Markdown but show `<@…>` raw, so mentions become names."""
    return " ".join(_format(text, reply, _name).split())


def plain(text: str, reply: Reply) -> str:
    """Footers, labels and options show markup literally, so mentions are names and markers go."""
    if OPEN not in text and CLOSE not in text:
        return text.replace("*", "").replace("`", "")
    named = render_mentions(render_stamps(text), reply.people, lambda person: person.name)
    return strip_tokens(named).replace("*", "").replace("`", "")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _blank(text: str) -> bool:
    """Discord trims a byte-order mark as well as whitespace before checking for empty."""
    return not text.replace("\ufeff", "").strip()


_MENTION_TAIL = re.compile(r"<@[!&]?\d*$")


def _cut(text: str, limit: int) -> str:
    """Shortens with an ellipsis, never leaving half a `<@123>` behind to show raw."""
    if len(text) <= limit:
        return text
    if limit <= 0:
        return ""
    head = text[: limit - 1]
    tail = _MENTION_TAIL.search(head)
    if tail is not None:
        head = head[: tail.start()]
    return head.rstrip() + ELLIPSIS


def _split(text: str, limit: int) -> list[str]:
    return split_lines(text, limit, _cut)


def _finite_fraction(progress: Progress) -> float:
    """NaN and infinity come from bad data; they must not crash a whole message."""
    fraction = progress.fraction
    if math.isnan(fraction):
        return 0.0
    return min(fraction, 1e6)


_URL = re.compile(r"https?://[^\s/]+\S*")


def _valid_url(url: str) -> bool:
    """Discord rejects the whole message over one malformed image URL."""
    return len(url) <= MAX_URL and _URL.fullmatch(url) is not None


# Components


def parse_custom_id(custom_id: str) -> tuple[str, str] | None:
    """Custom ids come back from Discord untrusted, so the shape is checked, not assumed."""
    kind, colon, command = custom_id.partition(":")
    if not colon or kind not in KINDS or not command.strip():
        return None
    return kind, command


def _option_label(label: str, value: str) -> str:
    return _cut(_one_line(label), MAX_OPTION_TEXT) or value


def _options(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Values must come back exactly, so one too long to send is left out, never cut.

    Discord also refuses two options with one value; the first wins.
    """
    seen: set[str] = set()
    options: list[tuple[str, str]] = []
    for label, value in pairs:
        if _blank(value) or len(value) > MAX_OPTION_TEXT or value in seen:
            continue
        seen.add(value)
        options.append((_option_label(label, value), value))
        if len(options) == MAX_OPTIONS:
            break
    return options


def _ask_options(ask: Ask) -> list[tuple[str, str]]:
    """An Ask has no Reply to name people with, so mention tokens are dropped from labels."""
    return _options([(strip_tokens(TOKEN.sub("", label)), value) for label, value in ask.options])


def modal_title(ask: Ask) -> str:
    return _cut(_one_line(strip_tokens(TOKEN.sub("", ask.title))), MAX_MODAL_TITLE) or "Choose"


def modal_fields(ask: Ask) -> list[ModalSelect]:
    """The selects a modal shows for an Ask; the adapter wraps each in a `discord.ui.Label`.

    A ranking is one select per place ("1st choice"…), since a Discord select has no
    order; a modal holds at most five components, so a ranking stops at fifth place
    and only the first place is required. A plain pick is one select of up to `most`.
    The chosen values are appended to the command in field order.
    """
    options = _ask_options(ask)
    if not options:
        return []
    most = max(ask.most, 1)
    if not ask.ordered:
        label = modal_title(ask) if ask.title.strip() else "Choose"
        return [
            ModalSelect(
                label=_cut(label, MAX_MODAL_LABEL),
                custom_id="pick",
                options=options,
                min_values=1,
                max_values=min(most, len(options)),
                required=True,
            )
        ]
    places = min(MAX_MODAL_COMPONENTS, most, len(options))
    return [
        ModalSelect(
            label=f"{ORDINALS[place]} choice",
            custom_id=f"rank:{place + 1}",
            options=options,
            min_values=1 if place == 0 else 0,
            max_values=1,
            required=place == 0,
        )
        for place in range(places)
    ]


# Embeds


@dataclass(frozen=True)
class _Text:
    text: str


@dataclass(frozen=True)
class _Field:
    name: str
    value: str
    inline: bool


@dataclass(frozen=True)
class _Picture:
    url: str


_Item = _Text | _Field | _Picture


@dataclass
class _Page:
    """One embed being filled."""

    texts: list[str] = field(default_factory=list)
    fields: list[_Field] = field(default_factory=list)
    image: str | None = None

    @property
    def description(self) -> str:
        return "\n\n".join(self.texts)

    def empty(self) -> bool:
        return not (self.texts or self.fields or self.image)


_STYLES: dict[str, ButtonStyle] = {"primary": "primary", "danger": "danger"}


class _Renderer:
    """One message's rendering: ids, rows and dropped items span all of its blocks."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.title = ""
        self.items: list[_Item] = []
        self.footer: list[str] = []
        self.files: list[File] = []
        self.rows: list[list[Component]] = []
        self.asks: dict[str, tuple[str, Ask]] = {}
        self.seen: set[str] = set()
        self.pictured = False
        self.dropped = 0

    def block(self, block: Block) -> None:
        reply = self.reply
        match block:
            case Header(text=text):
                line = titled(text, reply)
                if _blank(line):
                    return
                if not self.title:
                    self.title = _cut(line, MAX_TITLE)
                else:
                    self.paragraph(f"**{line}**")
            case Section(text=text):
                self.paragraph(markdown(text, reply))
            case Fields(pairs=pairs):
                for key, value in pairs:
                    self.field(key, value)
            case Progress():
                self.progress(block)
            case Actions(buttons=buttons):
                self.actions(buttons)
            case Image(url=url, alt=alt):
                self.image(url, alt)
            case Note(text=text):
                line = plain(text, reply).strip()
                if not _blank(line):
                    self.footer.append(line)
            case File(name=name):
                if len(self.files) == MAX_FILES:
                    self.dropped += 1
                    return
                self.files.append(block)
                shown = discord.utils.escape_markdown(_one_line(plain(name, reply))) or "a file"
                self.paragraph(f"📎 {discord.utils.escape_mentions(shown)} (attached)")

    def paragraph(self, text: str) -> None:
        self.items += [_Text(chunk) for chunk in _split(text, MAX_DESCRIPTION)]

    def field(self, key: str, value: str) -> None:
        name = _cut(titled(key, self.reply), MAX_FIELD_NAME)
        body = _cut(markdown(value, self.reply).strip(), MAX_FIELD_VALUE)
        if _blank(name) and _blank(body):
            return
        inline = len(name) <= INLINE_NAME and len(body) <= INLINE_VALUE and "\n" not in body
        self.items.append(
            _Field(BLANK if _blank(name) else name, BLANK if _blank(body) else body, inline)
        )

    def progress(self, progress: Progress) -> None:
        fraction = _finite_fraction(progress)
        label = _one_line(markdown(progress.label, self.reply))
        note = markdown(progress.note, self.reply)
        line = (
            f"`{progress_bar(fraction)}` "
            f"{of_target(progress.value, progress.target, progress.unit)} "
            f"({percentage(fraction * 100)}) {note}"
        ).rstrip()
        self.paragraph(f"**{label}**\n{line}" if label else line)

    def image(self, url: str, alt: str) -> None:
        if not _valid_url(url):
            self.dropped += 1
            return
        if not self.pictured:
            self.pictured = True
            self.items.append(_Picture(url))
            return
        shown = plain(alt, self.reply).replace("[", "").replace("]", "")
        described = _cut(discord.utils.escape_markdown(_one_line(shown)), 200) or "image"
        link = url.replace("(", "%28").replace(")", "%29")
        self.paragraph(f"🖼 [{discord.utils.escape_mentions(described)}]({link})")

    def actions(self, buttons: tuple[Button, ...]) -> None:
        """Each Actions block starts its own rows; whole rows past the fifth are dropped.

        A button that asks for a pick of several options (an unordered `Ask`, like a
        multi-choice poll's "Choose up to 2") is shown as a select menu in the
        message itself, since Discord can; it takes a row of its own.
        """
        rows: list[list[Component]] = []
        made: list[Component] = []
        asks: dict[str, tuple[str, Ask]] = {}
        for button in buttons:
            if button.ask is not None and not button.ask.ordered:
                select = self.select(button.action, button.ask)
                if select is not None:
                    rows.append([select])
                continue
            component = self.button(button)
            if component is None:
                continue
            made.append(component)
            if button.ask is not None:
                asks[component.custom_id] = (button.action, button.ask)
        rows += [
            made[start : start + MAX_ROW_BUTTONS] for start in range(0, len(made), MAX_ROW_BUTTONS)
        ]
        for row in rows:
            if len(self.rows) == MAX_ROWS:
                self.dropped += len(row)
                continue
            self.rows.append(row)
            for placed in row:
                if placed.custom_id in asks:
                    self.asks[placed.custom_id] = asks[placed.custom_id]

    def claim(self, custom_id: str) -> bool:
        """Discord refuses a message with two equal custom ids; a repeat adds nothing anyway."""
        if custom_id in self.seen:
            return False
        self.seen.add(custom_id)
        return True

    def button(self, button: Button) -> ButtonComponent | None:
        kind = "run" if button.ask is None else "ask"
        custom_id = f"{kind}:{button.action}"
        if _blank(button.action) or len(custom_id) > MAX_CUSTOM_ID:
            self.dropped += 1
            return None
        if not self.claim(custom_id):
            return None
        label = _one_line(plain(button.label, self.reply)) or _one_line(button.action)
        return ButtonComponent(
            label=_cut(label, MAX_BUTTON_LABEL) or "Go",
            custom_id=custom_id,
            style=_STYLES.get(button.style, "secondary"),
        )

    def select(self, command: str, ask: Ask) -> SelectComponent | None:
        """A pick of up to `ask.most` options; the values chosen are appended to `command`."""
        custom_id = f"pick:{command}"
        options = _ask_options(ask)
        if _blank(command) or len(custom_id) > MAX_CUSTOM_ID or not options:
            self.dropped += 1
            return None
        if not self.claim(custom_id):
            return None
        return SelectComponent(
            custom_id=custom_id,
            options=options,
            min_values=1,
            max_values=max(1, min(ask.most, len(options))),
            placeholder=_cut(_one_line(plain(ask.title, self.reply)), 150) or PLACEHOLDER,
        )

    def embeds(self) -> list[discord.Embed]:
        """Items fill embeds in reading order until the message's 6,000 are spent.

        Text after fields opens a new embed, since an embed always shows its
        description above its fields. Once something does not fit, everything after
        it is left out too (so nothing appears out of order) and counted.
        """
        footer = _cut(" · ".join(self.footer), MAX_FOOTER - NOTE_ROOM)
        budget = MAX_EMBED_TOTAL - len(self.title) - len(footer) - NOTE_ROOM
        pages = [_Page()]
        full = False
        for item in self.items:
            if full:
                self.dropped += 1
                continue
            page = pages[-1]
            if isinstance(item, _Picture):
                page.image = item.url
                continue
            if isinstance(item, _Text):
                gap = 2 if page.texts else 0
                grown = len(page.description) + gap + len(item.text)
                turn = bool(page.fields) or grown > MAX_DESCRIPTION
                if turn:
                    gap = 0
                text = item.text
                if gap + len(text) > budget:
                    full = True
                    room = budget - gap
                    if room < MIN_PARTIAL:
                        self.dropped += 1
                        continue
                    text = _cut(text, room)
            else:
                turn = len(page.fields) == MAX_FIELDS
                gap = 0
                if len(item.name) + len(item.value) > budget:
                    full = True
                    self.dropped += 1
                    continue
            if turn and not page.empty():
                if len(pages) == MAX_EMBEDS:
                    full = True
                    self.dropped += 1
                    continue
                page = _Page()
                pages.append(page)
            if isinstance(item, _Text):
                page.texts.append(text)
                budget -= gap + len(text)
            else:
                page.fields.append(item)
                budget -= len(item.name) + len(item.value)
        if not (self.title or footer or any(not page.empty() for page in pages)):
            return []
        note = f"…and {self.dropped} more" if self.dropped else ""
        colour = BRAND_COLOUR if self.reply.ok else ERROR_COLOUR
        embeds: list[discord.Embed] = []
        for number, page in enumerate(pages):
            embed = discord.Embed(
                colour=colour,
                title=self.title if number == 0 and self.title else None,
                description=page.description or None,
            )
            for shown in page.fields:
                embed.add_field(name=shown.name, value=shown.value, inline=shown.inline)
            if page.image:
                embed.set_image(url=page.image)
            embeds.append(embed)
        closing = " · ".join(part for part in (footer, note) if part)
        if closing:
            embeds[-1].set_footer(text=closing)
        return embeds


def render(reply: Reply) -> Rendered:
    """Embeds carry a reply with blocks; a reply without (an error line) is plain content.

    Components are placed before the embeds so buttons that could not be sent are
    counted in the embed footer's note.
    """
    renderer = _Renderer(reply)
    for block in reply.blocks:
        renderer.block(block)
    embeds = renderer.embeds()
    content = ""
    if not embeds:
        note = f"…and {renderer.dropped} more" if renderer.dropped else ""
        room = MAX_CONTENT - (len(note) + 1 if note else 0)
        text = _cut(markdown(reply.text, reply).strip(), room)
        content = "\n".join(part for part in (text, note) if part) or ELLIPSIS
    return Rendered(
        content=content,
        embeds=embeds,
        components=renderer.rows,
        ephemeral=reply.visibility != "public",
        files=renderer.files,
        asks=renderer.asks,
        dropped=renderer.dropped,
    )

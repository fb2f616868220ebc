"""A Reply as Slack Block Kit. Slack's limits live here, and only here.

Slack rejects a whole message when any one field is too long, empty, or over a
count, so every limit is enforced by shortening, splitting or dropping, never by
raising: a long report should arrive shortened rather than not at all. Handlers
stay platform-neutral and never see these numbers.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from adapters.text import progress_bar, split_lines
from bot.formatting import of_target, percentage
from bot.mentions import Person, render_mentions, strip_tokens
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

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
"""Modals and the App Home tab allow twice as many blocks as a message."""

MAX_HEADER = 150
MAX_SECTION = 3000
MAX_FIELD = 2000
MAX_FIELDS = 10
MAX_ELEMENTS = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ALT = 2000
MAX_IMAGE_URL = 3000
MAX_CONTEXT = 3000
MAX_CONFIRM_TEXT = 300
MAX_TEXT = 3000
ELLIPSIS = "…"

SlackBlock = dict[str, Any]
Confirm = Callable[[str], str | None]


def escape(text: str) -> str:
    """Slack reads `<…>` as links or mentions and `&` as an entity; user text must not."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Slack escapes slash-command text; `&amp;` goes last so `&amp;lt;` stays `&lt;`."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def write_person(person: Person) -> str:
    """A real mention notifies the member; someone without a Slack account gets a name."""
    slack_id = person.handles.get("slack")
    return f"<@{slack_id}>" if slack_id else escape(person.name)


def write_stamp(unix: int, zone: str) -> str:
    """Slack shows each reader the time in their own zone; the fallback is the event's."""
    return f"<!date^{unix}^{{date_long_pretty}} {{time}}|{escape(stamp_fallback(unix, zone))}>"


def mrkdwn(text: str, reply: Reply) -> str:
    """Escaping first keeps user `<`/`&` inert while the `<@U…>` written after survives."""
    stamped = render_stamps(escape(text), write_stamp)
    return strip_tokens(render_mentions(stamped, reply.people, write_person))


def plain(text: str, reply: Reply) -> str:
    """plain_text shows markup literally, so mentions become names and markers go."""
    named = render_mentions(render_stamps(text), reply.people, lambda person: person.name)
    return strip_tokens(named).replace("*", "").replace("`", "")


def files(reply: Reply) -> list[File]:
    """Block Kit cannot carry a file; the poster uploads these beside the message."""
    return [block for block in reply.blocks if isinstance(block, File)]


def _cut_plain(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    if limit <= 0:
        return ""
    return text[: limit - 1].rstrip() + ELLIPSIS


def _cut(text: str, limit: int) -> str:
    """Like `_cut_plain`, but never leaves half an `&amp;` or half a `<@U…>` behind.

    Escaped mrkdwn has no literal `&` or `<`, so each one opens an entity or a mention.
    """
    if len(text) <= limit:
        return text
    if limit <= 0:
        return ""
    head = text[: limit - 1]
    amp = head.rfind("&")
    if amp != -1 and ";" not in head[amp:]:
        head = head[:amp]
    bracket = head.rfind("<")
    if bracket != -1 and ">" not in head[bracket:]:
        head = head[:bracket]
    return head.rstrip() + ELLIPSIS


def _split(text: str, limit: int) -> list[str]:
    return split_lines(text, limit, _cut)


def _sections(text: str) -> list[SlackBlock]:
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": chunk}}
        for chunk in _split(text, MAX_SECTION)
    ]


def _plain_text(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _context(text: str) -> SlackBlock:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _cut(text, MAX_CONTEXT)}]}


def _finite_fraction(progress: Progress) -> float:
    """NaN and infinity come from bad data; they must not crash a whole message."""
    fraction = progress.fraction
    if math.isnan(fraction):
        return 0.0
    return min(fraction, 1e6)


def _encode_ask(action: str, ask: Ask, label_limit: int | None, title: str) -> str:
    options = [
        [label if label_limit is None else _cut_plain(label, label_limit), value]
        for label, value in ask.options
    ]
    data = {
        "action": action,
        "ask": {"options": options, "most": ask.most, "ordered": ask.ordered, "title": title},
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _ask_value(action: str, ask: Ask) -> str | None:
    """The longest option labels that fit; labels are display-only, values are not.

    If even empty labels do not fit, the title goes too; if that fails, the values
    themselves are too long and the button cannot be sent.
    """
    whole = _encode_ask(action, ask, None, ask.title)
    if len(whole) <= MAX_BUTTON_VALUE:
        return whole
    longest = max((len(label) for label, _ in ask.options), default=0)
    for title in (ask.title, ""):
        if len(_encode_ask(action, ask, 0, title)) > MAX_BUTTON_VALUE:
            continue
        fits, too_long = 0, longest + 1
        while too_long - fits > 1:
            middle = (fits + too_long) // 2
            if len(_encode_ask(action, ask, middle, title)) <= MAX_BUTTON_VALUE:
                fits = middle
            else:
                too_long = middle
        return _encode_ask(action, ask, fits, title)
    return None


def ask_from_value(value: str) -> tuple[str, Ask] | None:
    """Button values come back from Slack untrusted, so the shape is checked, not assumed."""
    try:
        data = json.loads(value)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    action, ask = data.get("action"), data.get("ask")
    if not isinstance(action, str) or not isinstance(ask, dict):
        return None
    raw_options = ask.get("options")
    most = ask.get("most", 1)
    ordered = ask.get("ordered", False)
    title = ask.get("title", "")
    if not isinstance(raw_options, list):
        return None
    options: list[tuple[str, str]] = []
    for option in raw_options:
        if not (
            isinstance(option, list)
            and len(option) == 2
            and all(isinstance(part, str) for part in option)
        ):
            return None
        options.append((option[0], option[1]))
    if isinstance(most, bool) or not isinstance(most, int):
        return None
    if not isinstance(ordered, bool) or not isinstance(title, str):
        return None
    return action, Ask(options=tuple(options), most=most, ordered=ordered, title=title)


class _Renderer:
    """One message's rendering: button numbers and dropped items span all its blocks."""

    def __init__(self, reply: Reply, confirm: Confirm | None) -> None:
        self.reply = reply
        self.confirm = confirm
        self.buttons = 0
        self.dropped = 0

    def block(self, block: Block) -> list[SlackBlock]:
        reply = self.reply
        match block:
            case Header(text=text):
                title = _cut_plain(plain(text, reply).strip(), MAX_HEADER)
                return [{"type": "header", "text": _plain_text(title)}] if title else []
            case Section(text=text):
                return _sections(mrkdwn(text, reply))
            case Fields(pairs=pairs):
                return self.fields(pairs)
            case Progress():
                return self.progress(block)
            case Actions(buttons=buttons):
                return self.actions(buttons)
            case Image(url=url, alt=alt):
                if not url.strip() or len(url) > MAX_IMAGE_URL:
                    self.dropped += 1
                    return []
                described = _cut_plain(plain(alt, reply).strip(), MAX_ALT) or "image"
                return [{"type": "image", "image_url": url, "alt_text": described}]
            case Note(text=text):
                line = mrkdwn(text, reply)
                return [_context(line)] if line.strip() else []
            case File(name=name):
                shown = escape(name.strip()) or "a file"
                return [_context(f"📎 {shown} (sent as a file)")]
        return []

    def fields(self, pairs: tuple[tuple[str, str], ...]) -> list[SlackBlock]:
        shown: list[dict[str, str]] = []
        for key, value in pairs:
            name = mrkdwn(key, self.reply).strip()
            body = mrkdwn(value, self.reply)
            text = _cut(f"*{name}*\n{body}" if name else body, MAX_FIELD)
            if text.strip():
                shown.append({"type": "mrkdwn", "text": text})
        return [
            {"type": "section", "fields": shown[start : start + MAX_FIELDS]}
            for start in range(0, len(shown), MAX_FIELDS)
        ]

    def progress(self, progress: Progress) -> list[SlackBlock]:
        fraction = _finite_fraction(progress)
        label = mrkdwn(progress.label, self.reply).strip()
        note = mrkdwn(progress.note, self.reply)
        line = (
            f"`{progress_bar(fraction)}` "
            f"{of_target(progress.value, progress.target, progress.unit)} "
            f"({percentage(fraction * 100)}) {note}"
        ).rstrip()
        return _sections(f"*{label}*\n{line}" if label else line)

    def actions(self, buttons: tuple[Button, ...]) -> list[SlackBlock]:
        elements = [element for button in buttons if (element := self.button(button))]
        return [
            {"type": "actions", "elements": elements[start : start + MAX_ELEMENTS]}
            for start in range(0, len(elements), MAX_ELEMENTS)
        ]

    def button(self, button: Button) -> SlackBlock | None:
        value: str | None
        if button.ask is None:
            kind = "run"
            fits = 0 < len(button.action) <= MAX_BUTTON_VALUE
            value = button.action if fits else None
        else:
            kind, value = "ask", _ask_value(button.action, button.ask)
        if value is None:
            self.dropped += 1
            return None
        label = plain(button.label, self.reply).strip() or plain(button.action, self.reply).strip()
        element: SlackBlock = {
            "type": "button",
            "text": _plain_text(_cut_plain(label, MAX_BUTTON_TEXT) or "Go"),
            "action_id": f"{kind}:{self.buttons}",
            "value": value,
        }
        self.buttons += 1
        if button.style in ("primary", "danger"):
            element["style"] = button.style
        prompt = self.confirm(button.action) if self.confirm else None
        if prompt and prompt.strip():
            element["confirm"] = {
                "title": {"type": "plain_text", "text": "Are you sure?"},
                "text": {
                    "type": "mrkdwn",
                    "text": _cut(mrkdwn(prompt, self.reply), MAX_CONFIRM_TEXT),
                },
                "confirm": {"type": "plain_text", "text": "Yes, go ahead"},
                "deny": {"type": "plain_text", "text": "Cancel"},
                "style": "danger",
            }
        return element


def _within(blocks: list[SlackBlock], max_blocks: int, dropped: int = 0) -> list[SlackBlock]:
    """The closing note takes the last slot, so a reader knows something is missing."""
    limit = max(1, max_blocks)
    if len(blocks) <= limit and not dropped:
        return blocks
    kept = blocks[: min(len(blocks), limit - 1)]
    left_out = len(blocks) - len(kept) + dropped
    return [*kept, _context(f"…and {left_out} more")]


def render_blocks(
    reply: Reply, *, max_blocks: int = MAX_MESSAGE_BLOCKS, confirm: Confirm | None = None
) -> list[SlackBlock]:
    """Everything is rendered first so the closing note counts what was really left out."""
    renderer = _Renderer(reply, confirm)
    blocks = [rendered for block in reply.blocks for rendered in renderer.block(block)]
    return _within(blocks, max_blocks, renderer.dropped)


def render_text(reply: Reply) -> str:
    """Notifications and clients without Block Kit show only this."""
    return _cut(mrkdwn(reply.text, reply), MAX_TEXT)


def render_message(reply: Reply, *, confirm: Confirm | None = None) -> dict[str, Any]:
    """Slack rejects an empty `blocks` list, so a text-only reply has none."""
    message: dict[str, Any] = {"text": render_text(reply)}
    blocks = render_blocks(reply, confirm=confirm)
    if blocks:
        message["blocks"] = blocks
    return message


def render_view_blocks(reply: Reply, *, confirm: Confirm | None = None) -> list[SlackBlock]:
    """A view has no fallback `text`, so a reply without blocks shows its text instead."""
    blocks = render_blocks(reply, max_blocks=MAX_VIEW_BLOCKS, confirm=confirm)
    if blocks:
        return blocks
    return _within(_sections(mrkdwn(reply.text, reply)), MAX_VIEW_BLOCKS)

"""Slack modals generated from command declarations, and their submissions read back.

No command has a hand-written form: each `CommandSpec` parameter becomes one input
block whose element follows the parameter's kind, and whose `block_id` is the
parameter's Python name. A submission is turned back into the by-name strings that
`bot.parser.bind_values` takes, so a form and a typed command are converted, checked
and reported by the same code. Slack's limits (title length, block count, option
text) are kept here, so handlers never think about them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.declarations import CommandSpec, Kind, Param
from bot.reply import Ask, Form

ACTION_ID = "value"
"""Every input's `action_id`: the block_id already names the parameter."""
CHOICES_BLOCK = "choices"
"""The block_id of an unordered `Ask`'s one multi-select."""

MAX_TITLE = 24
MAX_BUTTON = 24
MAX_LABEL = 2000
MAX_HINT = 2000
MAX_PLACEHOLDER = 150
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_OPTIONS = 100
MAX_BLOCKS = 100
MAX_METADATA = 3000
MAX_CALLBACK_ID = 255
MAX_SECTION_TEXT = 3000

WHEN_PLACEHOLDER = "48h, 3d or 2026-12-01 18:00"
DURATION_PLACEHOLDER = "90m, 48h, 3d, 2w"
_LONG_TEXT = frozenset({"statement", "purpose", "summary", "description", "body", "message"})
"""Free-text parameters that read better in a multi-line box; judged by name alone."""
_IN_QUOTES = re.compile(r",?\s*(?:each\s+)?in quotes\b", re.IGNORECASE)
"""Help written for the typed grammar ("the question, in quotes") says nothing in a form."""


def _clip(text: str, limit: int) -> str:
    """Slack rejects a whole view over one long string; shorten it visibly instead."""
    text = " ".join(text.split()) if "\n" not in text else text
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": _clip(text, limit), "emoji": True}


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": _plain(text, MAX_OPTION_TEXT), "value": value[:MAX_OPTION_VALUE]}


def _check_ids(callback_id: str, metadata: str) -> None:
    """Metadata carries what the submission needs (a channel, a command); never cut it."""
    if len(metadata) > MAX_METADATA:
        raise ValueError(f"private_metadata is {len(metadata)} characters; at most {MAX_METADATA}")
    if not callback_id or len(callback_id) > MAX_CALLBACK_ID:
        raise ValueError(f"callback_id must be 1 to {MAX_CALLBACK_ID} characters")


def _modal(
    title: str, submit: str, blocks: list[dict[str, Any]], *, callback_id: str, metadata: str
) -> dict[str, Any]:
    _check_ids(callback_id, metadata)
    if len(blocks) > MAX_BLOCKS:
        raise ValueError(f"a modal holds at most {MAX_BLOCKS} blocks, not {len(blocks)}")
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": metadata,
        "title": _plain(title, MAX_TITLE),
        "submit": _plain(submit, MAX_BUTTON),
        "close": _plain("Cancel", MAX_BUTTON),
        "blocks": blocks,
    }


def readable(param: Param) -> str:
    """A label from the Python name: `poll_id` reads "Poll ID", `open_` reads "Open"."""
    words = param.name.strip("_").split("_")
    words = ["ID" if w == "id" else w for w in words]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def form_help(param: Param) -> str:
    """The parameter's help, less advice that only makes sense when typing a command."""
    text = _IN_QUOTES.sub("", param.help).strip()
    if param.variadic and param.kind is Kind.TEXT:
        text = f"{text}; one per line" if text else "One per line"
    return text


def _element(param: Param) -> dict[str, Any]:
    """The Block Kit element that lets a person give this kind of value without typing it."""
    element: dict[str, Any]
    match param.kind:
        case Kind.INT:
            element = {"type": "number_input", "is_decimal_allowed": False}
        case Kind.FLAG:
            element = {"type": "checkboxes", "options": [_option(form_help(param), "true")]}
        case Kind.CHOICE:
            options = [_option(c, c) for c in param.choices[:MAX_OPTIONS]]
            element = {"type": "static_select", "options": options}
        case Kind.DATE:
            element = {"type": "datepicker"}
        case Kind.WHEN:
            element = {"type": "plain_text_input", "placeholder": _plain(WHEN_PLACEHOLDER, 150)}
        case Kind.DURATION:
            element = {"type": "plain_text_input", "placeholder": _plain(DURATION_PLACEHOLDER, 150)}
        case Kind.MEMBER:
            element = {"type": "users_select"}
        case Kind.CHANNEL:
            element = {"type": "conversations_select", "default_to_current_conversation": True}
        case _:
            element = {"type": "plain_text_input"}
            if param.variadic or param.name.strip("_") in _LONG_TEXT:
                element["multiline"] = True
            elif param.metavar_override:
                # e.g. "here|society|chapter:NAME|workgroup:NAME": the accepted shapes.
                element["placeholder"] = _plain(param.metavar_override, MAX_PLACEHOLDER)
    element["action_id"] = ACTION_ID
    return element


def _input(param: Param) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": param.name,
        "label": _plain(readable(param), MAX_LABEL),
        "element": _element(param),
        "optional": not param.required,
    }
    help_text = form_help(param)
    # A checkbox already shows its help as the option's text, unless that had to be cut.
    if help_text and (param.kind is not Kind.FLAG or len(help_text) > MAX_OPTION_TEXT):
        block["hint"] = _plain(help_text, MAX_HINT)
    return block


def form_title(spec: CommandSpec) -> str:
    """The command as a person would say it: "Poll create" for `/poll create`."""
    return _clip(spec.path[:1].upper() + spec.path[1:], MAX_TITLE)


def form_view(spec: CommandSpec, *, callback_id: str, metadata: str) -> dict[str, Any]:
    """A `views.open` modal asking for every parameter of `spec`, one input each.

    The summary heads the form so the person knows what they are about to run;
    required parameters are required inputs, so Slack itself refuses a blank one.
    """
    blocks: list[dict[str, Any]] = [
        {"type": "context", "elements": [_plain(spec.summary or f"/{spec.path}", 2000)]}
    ]
    blocks.extend(_input(param) for param in spec.params)
    return _modal(form_title(spec), "Run", blocks, callback_id=callback_id, metadata=metadata)


def _entry(
    state: Mapping[str, Mapping[str, Mapping[str, Any]]], block_id: str
) -> Mapping[str, Any]:
    """The submitted state of one input; empty when Slack sent nothing for it."""
    block = state.get(block_id) or {}
    entry = block.get(ACTION_ID)
    if entry is None and len(block) == 1:
        entry = next(iter(block.values()))
    return entry if isinstance(entry, Mapping) else {}


def _text(entry: Mapping[str, Any], key: str) -> str:
    value = entry.get(key)
    return value.strip() if isinstance(value, str) else ""


def _selected(entry: Mapping[str, Any]) -> str:
    option = entry.get("selected_option")
    return _text(option, "value") if isinstance(option, Mapping) else ""


def _selected_all(entry: Mapping[str, Any]) -> list[str]:
    options = entry.get("selected_options")
    if not isinstance(options, list):
        return []
    values = [_text(o, "value") for o in options if isinstance(o, Mapping)]
    return [v for v in values if v]


def form_values(
    spec: CommandSpec, state: Mapping[str, Mapping[str, Mapping[str, Any]]]
) -> dict[str, str | tuple[str, ...]]:
    """A `view_submission`'s `view.state.values` as the by-name strings `bind_values` takes.

    Blank optional inputs are left out so the parameter keeps its default; blank
    required ones too, so the parser reports them missing in its usual words.
    Members and channels come back in Slack's escaped form, which the parser reads.
    """
    values: dict[str, str | tuple[str, ...]] = {}
    for param in spec.params:
        entry = _entry(state, param.name)
        value: str | tuple[str, ...] = ""
        match param.kind:
            case Kind.FLAG:
                value = "true" if "true" in _selected_all(entry) else ""
            case Kind.CHOICE:
                value = _selected(entry)
            case Kind.DATE:
                value = _text(entry, "selected_date")
            case Kind.MEMBER:
                user = _text(entry, "selected_user")
                value = f"<@{user}>" if user else ""
            case Kind.CHANNEL:
                channel = _text(entry, "selected_conversation")
                value = f"<#{channel}>" if channel else ""
            case Kind.TEXT if param.variadic:
                lines = (line.strip() for line in _text(entry, "value").splitlines())
                value = tuple(line for line in lines if line)
            case _:
                value = _text(entry, "value")
        if value:
            values[param.name] = value
    return values


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th … 11th, 12th, 13th … 21st: the labels of a ranking."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _ranks(ask: Ask) -> int:
    """How many rank selects: no more than there are options to rank, nor Slack allows."""
    return max(1, min(ask.most, len(ask.options), MAX_BLOCKS))


def ask_view(ask: Ask, *, callback_id: str, metadata: str) -> dict[str, Any]:
    """A modal for a button's `Ask`: a select per rank, or one multi-select.

    A ranking is a column of ordered selects, each offering every option, because
    Slack has no drag-to-order element; only the first rank is required, so a voter
    may rank as few as they like.
    """
    options = [_option(label, value) for label, value in ask.options[:MAX_OPTIONS]]
    blocks: list[dict[str, Any]] = []
    if ask.ordered:
        for rank in range(1, _ranks(ask) + 1):
            blocks.append(
                {
                    "type": "input",
                    "block_id": f"rank_{rank}",
                    "label": _plain(f"{ordinal(rank)} choice", MAX_LABEL),
                    "element": {
                        "type": "static_select",
                        "action_id": ACTION_ID,
                        "options": options,
                    },
                    "optional": rank > 1,
                }
            )
    else:
        most = max(1, min(ask.most, len(options)))
        label = "Choose one" if most == 1 else f"Choose up to {most}"
        blocks.append(
            {
                "type": "input",
                "block_id": CHOICES_BLOCK,
                "label": _plain(label, MAX_LABEL),
                "element": {
                    "type": "multi_static_select",
                    "action_id": ACTION_ID,
                    "options": options,
                    "max_selected_items": most,
                },
                "optional": False,
            }
        )
    title = ask.title or "Choose"
    return _modal(title, "Submit", blocks, callback_id=callback_id, metadata=metadata)


def ask_values(ask: Ask, state: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> list[str]:
    """The chosen option values, first choice first, to append to the button's command.

    Blank ranks are skipped; a value ranked twice is kept twice so that the core,
    not the form, says what is wrong with the ballot.
    """
    if ask.ordered:
        chosen = (_selected(_entry(state, f"rank_{r}")) for r in range(1, _ranks(ask) + 1))
        return [value for value in chosen if value]
    picked = _selected_all(_entry(state, CHOICES_BLOCK))
    order = {value: index for index, (_, value) in enumerate(ask.options)}
    return sorted(picked, key=lambda value: order.get(value, len(order)))


def confirm_view(text: str, *, command: str, callback_id: str, metadata: str) -> dict[str, Any]:
    """A small "are you sure?" modal before a destructive command runs.

    The command itself is shown so the person sees exactly what "Yes" will do.
    """
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text, MAX_SECTION_TEXT)}},
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": _clip(f"Runs {command}", 2000)}],
        },
    ]
    return _modal(
        "Are you sure?", "Yes, run it", blocks, callback_id=callback_id, metadata=metadata
    )


def _mentions(param: Param) -> list[re.Pattern[str]]:
    """The ways an error line may name a parameter: its flag, its metavar, its name."""
    words = {param.name, param.name.strip("_"), param.name.strip("_").replace("_", " ")}
    if param.name.strip("_").endswith("s"):
        words.add(param.name.strip("_")[:-1])  # "Option 'Tea' is given twice" names options
    patterns = [re.compile(rf"(?<![\w-]){re.escape(param.flag)}(?![\w-])", re.IGNORECASE)]
    patterns.append(re.compile(rf"(?<![\w|]){re.escape(param.metavar)}(?![\w|])"))
    patterns.extend(re.compile(rf"\b{re.escape(w)}\b", re.IGNORECASE) for w in words if w)
    return patterns


def error_block(spec: CommandSpec, message: str) -> str:
    """The block_id to hang an error from the core on, for `response_action: errors`.

    Slack shows a modal's errors under an input, so the error goes under the
    parameter it names first (by flag, metavar or name); failing that, the first
    required input, else the first. The usage line the parser appends names every
    parameter, so it is ignored.
    """
    if not spec.params:
        raise ValueError(f"/{spec.path} has no parameters, so its form has no inputs")
    text = message.split("Usage:", 1)[0]
    best: tuple[int, int] | None = None
    for index, param in enumerate(spec.params):
        found = [m.start() for p in _mentions(param) if (m := p.search(text))]
        if found and (best is None or (min(found), index) < best):
            best = (min(found), index)
    if best is not None:
        return spec.params[best[1]].name
    required = [p for p in spec.params if p.required]
    return (required or list(spec.params))[0].name


def prefilled_view(form: Form, *, callback_id: str, metadata: str) -> dict[str, Any]:
    """A modal for a `Form` a command returned: one multi-line input per field, each
    starting from the handler's draft, all optional (the core says what is missing)."""
    blocks: list[dict[str, Any]] = []
    for field in form.fields:
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": ACTION_ID,
            "multiline": True,
            "max_length": min(field.max_length, 3000),
        }
        if field.default:
            element["initial_value"] = field.default[: field.max_length]
        blocks.append(
            {
                "type": "input",
                "block_id": field.name,
                "label": _plain(field.label, MAX_LABEL),
                "element": element,
                "optional": True,
            }
        )
    return _modal(form.title, "Post", blocks, callback_id=callback_id, metadata=metadata)


def prefilled_values(
    form: Form, state: Mapping[str, Mapping[str, Mapping[str, Any]]]
) -> dict[str, str]:
    """A pre-filled modal's submission: each field's text as the person left it."""
    return {field.name: _text(_entry(state, field.name), "value") for field in form.fields}

"""How updates look: the short card posted to a group's channels, the draft, the list."""

from __future__ import annotations

from collections.abc import Sequence

from bot.mentions import mention
from bot.reply import Block, Fields, Form, FormField, Header, Note, Reply, Section
from commands.charters.group import Group
from commands.updates.draft import Draft
from commands.updates.fields import MAX_FIELD, MAX_LONG_FIELD, long_form
from commands.updates.periods import Period
from commands.updates.status import Standing
from storage.models import StatusUpdate

STATE_MARKS = {
    "current": "✅ current",
    "skipped": "⏭ skipped",
    "due": "🕒 due",
    "overdue": "⚠️ overdue",
    "away": "🌴 away",
    "new": "🌱 new",
}


def field_sections(asked: str, got: str, next_: str, highlights: str = "") -> list[Block]:
    parts = [("Highlights", highlights), ("Asked", asked), ("Got", got), ("Next", next_)]
    return [Section(f"*{label}*\n{text}") for label, text in parts if text]


def update_card(update: StatusUpdate, group: Group, period: Period | None = None) -> Reply:
    """The one short card a group's channels get (and `/update show`)."""
    when = period.describe() if period else update.period
    title = f"{group.name} — update for {when}"
    if update.skipped:
        line = f"{group.name} skipped its update for {when}: {update.reason}"
        return Reply.public(line, Header(title), Section(f"Skipped: {update.reason}"))
    blocks: list[Block] = [
        Header(title),
        *field_sections(update.asked, update.got, update.next_steps, update.highlights or ""),
    ]
    if update.metrics:
        pairs = tuple((name, f"{value:g}") for name, value in update.metrics.items())
        blocks.append(Fields(pairs))
    by = mention(update.author_id) if update.author_id else "a former member"
    replaced = " (replaces an earlier update for this period)" if update.replaced else ""
    blocks.append(Note(f"#{update.id} · by {by}{replaced} · /update show {update.id}"))
    said = (update.asked or "—", update.got or "—", update.next_steps or "—")
    text = f"{title}. Asked: {said[0]} Got: {said[1]} Next: {said[2]}"
    if update.highlights:
        text = f"{title}. Highlights: {update.highlights} " + text.removeprefix(f"{title}. ")
    return Reply.public(text, *blocks)


def draft_form(group: Group, period: Period, draft: Draft) -> Form:
    """The update's form, pre-filled with the draft; submitting it posts the update.

    Owned metrics the lead sets by hand come as a fourth field, `NAME=VALUE` lines.
    """
    metrics = "\n".join(f"{name}={value:g}" for name, value in draft.metrics.items())
    extra: tuple[FormField, ...] = (
        (FormField("metrics", "Metrics: NAME=VALUE, one a line", metrics, 1000),) if metrics else ()
    )
    limit = MAX_FIELD
    if long_form(group.kind, period.cadence):  # HQ's quarterly report: the longer form
        limit = MAX_LONG_FIELD
        extra += (FormField("highlights", "Highlights: what stood out", draft.highlights, limit),)
    return Form(
        title=f"Update: {group.name}"[:40],
        path=("update", "post"),
        fixed=(("group", group.typed.strip('"')), ("period", period.label)),
        fields=(
            FormField("asked", "Asked: what members or HQ asked of us", draft.asked, limit),
            FormField("got", "Got: what we delivered", draft.got, limit),
            FormField("next_", "Next: where we go next", draft.next, limit),
            *extra,
        ),
    )


def draft_reply(group: Group, period: Period, draft: Draft, *, form: bool = False) -> Reply:
    """The draft as a card; with `form`, also the pre-filled form platforms open."""
    header = Header(f"Draft update: {group.name}, {period.describe()}")
    if draft.empty:
        body: list[Block] = [Section("Nothing recorded for this period yet; write it yourself.")]
    else:
        body = field_sections(draft.asked, draft.got, draft.next, draft.highlights)
    more = " --highlights TEXT" if long_form(group.kind, period.cadence) else ""
    how = (
        f"Post it with /update post {group.typed} --asked TEXT --got TEXT --next TEXT{more} "
        f"(edit the draft as you like), or /update skip {group.typed} --reason TEXT."
    )
    extra: list[Block] = [draft_form(group, period, draft)] if form else []
    return Reply.private(
        f"Draft update for {group.name} ({period.describe()}).", header, *body, Note(how), *extra
    )


def list_reply(shown: Sequence[Standing], overdue_only: bool) -> Reply:
    if not shown:
        what = "overdue" if overdue_only else "expected"
        return Reply.private(f"No updates are {what} right now.")
    lines = []
    for standing in shown:
        mark = STATE_MARKS[standing.state]
        tail = ""
        if standing.update is not None:
            tail = f" · #{standing.update.id}"
        elif standing.state == "away" and standing.away:
            tail = f" · back {standing.away.day} {standing.away:%b}"
        lines.append(
            f"• *{standing.group.name}* ({standing.group.kind}, {standing.cadence}) — "
            f"{mark} for {standing.period.describe()}{tail}"
        )
    title = "Overdue updates" if overdue_only else "Updates"
    return Reply.private(
        f"{title}: " + "; ".join(f"{s.group.name} {s.state}" for s in shown),
        Header(f"{title} ({len(shown)})"),
        Section("\n".join(lines)),
        Note("See one with /update show ID, or a group's with /update list GROUP."),
    )


def history_reply(group: Group, updates: Sequence[StatusUpdate], standing: Standing) -> Reply:
    lines = []
    for update in updates:
        if update.skipped:
            lines.append(f"• #{update.id} {update.period}: skipped — {update.reason}")
        else:
            first = (update.got or update.next_steps or update.asked).splitlines()[0]
            lines.append(f"• #{update.id} {update.period}: {first}")
    state = STATE_MARKS[standing.state]
    blocks: list[Block] = [
        Header(f"{group.name}: updates"),
        Fields(
            (
                ("Cadence", standing.cadence),
                ("Latest due", f"{standing.period.describe()} — {state}"),
            )
        ),
        Section("\n".join(lines) if lines else "No updates yet."),
    ]
    return Reply.private(f"{group.name}: {standing.state}, {len(updates)} updates.", *blocks)

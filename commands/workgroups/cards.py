"""How workgroups look: proposals, the list, a workgroup's page, the dashboard, announcements.

Pure functions of what the handlers read, so a card can change without touching a
query, and the same charter and lead wording shows everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.mentions import mention
from bot.reply import Actions, Block, Button, Fields, Header, Note, Reply, Section
from commands.text import moment, plural
from commands.workgroups.lookup import as_typed
from commands.workgroups.status import CLOSED, STATUS_ORDER, expires_at, shown_status
from storage.models import Workgroup, WorkgroupOutput, WorkgroupStatus

SHOWN_MEMBERS = 20


def charter_text(workgroup: Workgroup) -> str:
    lines = [f"*Purpose:* {workgroup.purpose}"]
    if workgroup.not_responsible:
        lines.append(f"*Not responsible for:* {workgroup.not_responsible}")
    return "\n".join(lines)


def lead_text(workgroup: Workgroup) -> str:
    return mention(workgroup.lead_id) if workgroup.lead_id is not None else "no lead"


def output_text(output: WorkgroupOutput) -> str:
    return output.status.value.replace("-", " ") + (f" · {output.link}" if output.link else "")


def proposed_reply(
    workgroup: Workgroup, backers: int, activated: bool, settings: Settings
) -> Reply:
    """A new proposal: how to back it, or that it is active at once (a low threshold)."""
    name, threshold = workgroup.name, settings.workgroup_threshold
    if activated:
        line = f"{name} is active at once: it needs only {plural(threshold, 'backer')}."
        return Reply.public(
            f"{line} {charter_text(workgroup)}",
            Header(f"New workgroup: {name}"),
            Section(charter_text(workgroup)),
            Section(f"{line} Every chapter channel hears about it."),
        )
    progress = f"{backers} of {plural(threshold, 'backer')} — /workgroup back {as_typed(name)}"
    day = moment(expires_at(workgroup, settings), settings.tz)
    return Reply.public(
        f"Proposed workgroup {name}. {progress}",
        Header(f"Proposed workgroup: {name}"),
        Section(charter_text(workgroup)),
        Section(f"Lead: {lead_text(workgroup)} · {progress}"),
        Actions((Button("Back it", f"/workgroup back {as_typed(name)}", style="primary"),)),
        Note(f"It starts at {plural(threshold, 'backer')}; the proposal expires on {day}."),
    )


def list_reply(
    workgroups: Sequence[Workgroup],
    backers: Mapping[int, int],
    members: Mapping[int, int],
    more: int | None,
    settings: Settings,
    now: datetime,
) -> Reply:
    """Workgroups grouped by the state they show; `more` is the limit when cut short."""
    threshold = settings.workgroup_threshold
    blocks: list[Block] = [Header(f"Workgroups ({len(workgroups)}{'+' if more else ''})")]
    by_status: dict[WorkgroupStatus, list[str]] = {}
    for workgroup in workgroups:
        shown = shown_status(workgroup, settings, now)
        if shown is WorkgroupStatus.PROPOSED:
            size = f"{backers.get(workgroup.id, 0)} of {plural(threshold, 'backer')}"
        elif shown is WorkgroupStatus.EXPIRED:
            size = f"{plural(backers.get(workgroup.id, 0), 'backer')}"
        else:
            size = plural(members.get(workgroup.id, 0), "member")
        by_status.setdefault(shown, []).append(
            f"• *{workgroup.name}* · {size} · lead {lead_text(workgroup)}"
        )
    for shown in sorted(by_status, key=STATUS_ORDER.__getitem__):
        lines = by_status[shown]
        blocks.append(Section(f"*{shown.value.title()}* ({len(lines)})\n" + "\n".join(lines)))
    if more:
        blocks.append(Note(f"Showing the first {more}; narrow it with --status."))
    blocks.append(Note("See one with /workgroup info NAME."))
    text = ", ".join(f"{w.name} ({shown_status(w, settings, now).value})" for w in workgroups)
    return Reply.private(f"Workgroups: {text}", *blocks)


def info_reply(
    workgroup: Workgroup,
    people: Sequence[int],
    outputs: Sequence[WorkgroupOutput],
    settings: Settings,
    now: datetime,
    tz: ZoneInfo,
) -> Reply:
    """A workgroup's page; `people` are its backers while a proposal, else its members."""
    threshold = settings.workgroup_threshold
    shown = shown_status(workgroup, settings, now)
    pairs: list[tuple[str, str]] = [("Status", shown.value), ("Lead", lead_text(workgroup))]
    notes: list[str] = []
    if shown in (WorkgroupStatus.PROPOSED, WorkgroupStatus.EXPIRED):
        pairs.append(("Backers", f"{len(people)} of {threshold}"))
        day = moment(expires_at(workgroup, settings), tz)
        if shown is WorkgroupStatus.PROPOSED:
            pairs.append(("Proposed", moment(workgroup.created_at, tz)))
            notes.append(
                f"The proposal expires on {day} unless it reaches {plural(threshold, 'backer')}: "
                f"/workgroup back {as_typed(workgroup.name)}"
            )
        else:
            notes.append(f"The proposal expired on {day} without enough backers.")
        heading = "Backers"
    else:
        pairs.append(("Members", str(len(people))))
        if workgroup.activated_at is not None:
            pairs.append(("Active since", moment(workgroup.activated_at, tz)))
        if workgroup.closed_at is not None and shown in CLOSED:
            pairs.append((shown.value.title(), moment(workgroup.closed_at, tz)))
        heading = "Members"
    pairs.append(("Last activity", moment(workgroup.last_activity_at, tz)))
    blocks: list[Block] = [
        Header(workgroup.name),
        Fields(tuple(pairs)),
        Section(charter_text(workgroup)),
    ]
    if people:
        listed = ", ".join(mention(m) for m in people[:SHOWN_MEMBERS])
        extra = len(people) - SHOWN_MEMBERS
        listed += f" and {extra} more" if extra > 0 else ""
        blocks.append(Section(f"*{heading}*\n{listed}"))
    if outputs:
        lines = [f"• {o.title} — {output_text(o)}" for o in outputs]
        blocks.append(Section("*Outputs*\n" + "\n".join(lines)))
    elif shown is WorkgroupStatus.ACTIVE:
        blocks.append(Section("*Outputs*\nNone yet."))
    if shown is WorkgroupStatus.ACTIVE:
        notes.append(f"Join with /workgroup join {as_typed(workgroup.name)}")
    blocks += [Note(note) for note in notes]
    text = f"{workgroup.name}: {shown.value}, lead {lead_text(workgroup)}. {workgroup.purpose}"
    return Reply.private(text, *blocks)


def home_blocks(
    workgroups: Sequence[Workgroup], backers: Mapping[int, int], member_id: int, threshold: int
) -> list[Block]:
    """The member's part of the dashboard: active work first, then proposals, then the rest."""
    if not workgroups:
        return [
            Header("Your workgroups"),
            Section("You are in no workgroup yet. Find one with /workgroup list."),
            Note("Or start one: /workgroup propose NAME --purpose TEXT"),
        ]
    # By name within each state: the sort is stable and the rows come by name.
    ordered = sorted(
        workgroups, key=lambda w: (w.status is not WorkgroupStatus.ACTIVE, STATUS_ORDER[w.status])
    )
    lines = []
    for workgroup in ordered:
        role = "you lead it" if workgroup.lead_id == member_id else None
        if workgroup.status is WorkgroupStatus.PROPOSED:
            state = f"proposed, {backers.get(workgroup.id, 0)} of {plural(threshold, 'backer')}"
            role = role or "you back it"
        else:
            state = workgroup.status.value
            role = role or "member"
        lines.append(f"• *{workgroup.name}* — {state} · {role}")
    return [
        Header("Your workgroups"),
        Section("\n".join(lines)),
        Note("See one with /workgroup info NAME; find others with /workgroup list."),
    ]


def activated_reply(workgroup: Workgroup, members: int) -> Reply:
    """The announcement every chapter channel gets when a proposal becomes active."""
    line = (
        f"🎉 {workgroup.name} is now an active workgroup, led by {lead_text(workgroup)}, "
        f"with {plural(members, 'member')}."
    )
    join = f"/workgroup join {as_typed(workgroup.name)}"
    return Reply.public(
        f"{line} {workgroup.purpose} Join with {join}",
        Header(f"New workgroup: {workgroup.name}"),
        Section(line),
        Section(charter_text(workgroup)),
        Note(f"Join with {join}"),
    )


def recruit_reply(workgroup: Workgroup, need: str) -> Reply:
    """A lead's call for volunteers, as every chapter channel sees it."""
    join = f"/workgroup join {as_typed(workgroup.name)}"
    return Reply.public(
        f"📣 {workgroup.name} is looking for volunteers: {need} Join with {join}",
        Header(f"📣 {workgroup.name} needs volunteers"),
        Section(f"{need}\n\n*Purpose:* {workgroup.purpose}"),
        Fields((("Lead", lead_text(workgroup)),)),
        Note(f"Join with {join}, or ask {lead_text(workgroup)}."),
    )

"""A group that keeps a charter and posts status updates: a workgroup, a chapter, or
the society itself (HQ's report). One shape for all three, so metrics, updates,
drafts and prompts do not branch on the kind everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from storage.models import Chapter, Workgroup

GroupKind = Literal["workgroup", "chapter", "society"]
SOCIETY_NAMES = frozenset({"society", "the society", "hq"})


@dataclass(frozen=True)
class Group:
    kind: GroupKind
    id: int | None
    name: str
    leader_id: int | None
    """The workgroup's lead or the chapter's president; None for the society (HQ)."""
    timezone: str | None = None
    since: date | None = None
    """When it became active: no update is owed for periods that ended before."""

    @property
    def key(self) -> str:
        return "society" if self.id is None else f"{self.kind}:{self.id}"

    @property
    def leader_title(self) -> str:
        return {"workgroup": "lead", "chapter": "president", "society": "HQ"}[self.kind]

    @property
    def typed(self) -> str:
        """The name as it must be typed in a command."""
        if self.kind == "society":
            return "society"
        return f'"{self.name}"' if " " in self.name else self.name


def of_workgroup(workgroup: Workgroup) -> Group:
    since = workgroup.activated_at.date() if workgroup.activated_at else None
    return Group("workgroup", workgroup.id, workgroup.name, workgroup.lead_id, None, since)


def of_chapter(chapter: Chapter) -> Group:
    since = chapter.activated_at.date() if chapter.activated_at else None
    return Group("chapter", chapter.id, chapter.name, chapter.president_id, chapter.timezone, since)


SOCIETY = Group("society", None, "the society", None)

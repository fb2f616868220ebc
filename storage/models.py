"""The society's tables. Invariants live here as constraints, not in handler code.

Every timestamp is stored UTC-aware; names that must be unique regardless of case
carry a lower-cased `*_key` column with the unique constraint.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """SQLite forgets time zones; this keeps every datetime UTC-aware on the way out."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: pass an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


class ChapterStatus(enum.StrEnum):
    INCUBATING = "incubating"
    ACTIVE = "active"
    DORMANT = "dormant"


class MeetingKind(enum.StrEnum):
    WORKING = "working"
    SOCIAL = "social"


class GrantedRole(enum.StrEnum):
    """Roles held society-wide. Presidents and leads are scoped and live on their rows."""

    MODERATOR = "moderator"
    HQ = "hq"


def _enum(kind: type[enum.StrEnum]) -> Enum:
    return Enum(
        kind,
        native_enum=False,
        length=16,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Member(Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    chapter_id: Mapped[int | None] = mapped_column(
        ForeignKey("chapters.id", ondelete="SET NULL", use_alter=True), index=True
    )
    nudges: Mapped[bool] = mapped_column(default=True)
    joined_at: Mapped[datetime] = mapped_column(index=True)
    """Indexed for onboarding, which looks only at members who joined in recent days."""
    last_active_at: Mapped[datetime | None]
    timezone: Mapped[str | None] = mapped_column(String(64))
    """The member's own zone when a platform tells us (Slack does); else their chapter's."""

    identities: Mapped[list[Identity]] = relationship(
        back_populates="member", cascade="all, delete-orphan", passive_deletes=True
    )
    chapter: Mapped[Chapter | None] = relationship(foreign_keys=[chapter_id])


class Identity(Base):
    """One platform account. A member has at most one per platform."""

    __tablename__ = "identities"
    __table_args__ = (
        UniqueConstraint("platform", "external_id", name="uq_identities_platform_user"),
        UniqueConstraint("member_id", "platform", name="uq_identities_member_platform"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]

    member: Mapped[Member] = relationship(back_populates="identities")


# Mentions by bare name (`@grace`) match case-insensitively; these keep that a lookup.
Index("ix_members_name_lower", func.lower(Member.name))
Index("ix_identities_display_name_lower", func.lower(Identity.display_name))


class RoleGrant(Base):
    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("member_id", "role", name="uq_role_grants_member_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    role: Mapped[GrantedRole] = mapped_column(_enum(GrantedRole))
    granted_by: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    granted_at: Mapped[datetime]


class Chapter(Base):
    __tablename__ = "chapters"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    name_key: Mapped[str] = mapped_column(String(80), unique=True)
    region: Mapped[str] = mapped_column(String(80))
    timezone: Mapped[str] = mapped_column(String(64))
    status: Mapped[ChapterStatus] = mapped_column(
        _enum(ChapterStatus), default=ChapterStatus.INCUBATING, index=True
    )
    president_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime]
    activated_at: Mapped[datetime | None]
    retired_at: Mapped[datetime | None]
    member_count: Mapped[int] = mapped_column(default=0, server_default="0")
    """Members in this chapter, kept by triggers on `members` (migration 0014): never
    written by the application."""

    president: Mapped[Member | None] = relationship(foreign_keys=[president_id])
    channels: Mapped[list[ChannelBinding]] = relationship(
        back_populates="chapter", cascade="all, delete-orphan", passive_deletes=True
    )


class ChannelBinding(Base):
    """A chat channel that speaks for a chapter; a channel belongs to one chapter at most."""

    __tablename__ = "channel_bindings"
    __table_args__ = (
        UniqueConstraint("platform", "channel_id", name="uq_channel_bindings_platform_channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chapter_id: Mapped[int] = mapped_column(
        ForeignKey("chapters.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str] = mapped_column(String(64))
    channel_name: Mapped[str] = mapped_column(String(120))
    bound_by: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    bound_at: Mapped[datetime]

    chapter: Mapped[Chapter] = relationship(back_populates="channels")


class Meeting(Base):
    __tablename__ = "meetings"
    __table_args__ = (
        UniqueConstraint("chapter_id", "kind", "held_on", name="uq_meetings_chapter_kind_day"),
        CheckConstraint("attendance IS NULL OR attendance >= 0", name="attendance_non_negative"),
        Index("ix_meetings_chapter_held_on", "chapter_id", "held_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapters.id", ondelete="CASCADE"))
    kind: Mapped[MeetingKind] = mapped_column(_enum(MeetingKind))
    held_on: Mapped[date]
    topic: Mapped[str] = mapped_column(String(200))
    attendance: Mapped[int | None] = mapped_column(Integer)
    logged_by: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    logged_at: Mapped[datetime]


class LinkCode(Base):
    """A one-time code joining two accounts; only its hash is stored."""

    __tablename__ = "link_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class AuditEvent(Base):
    """A privileged action. Members appear only as mention tokens, so forgetting works."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text)
    mentioned: Mapped[list[int] | None] = mapped_column(JSON(none_as_null=True))
    """The members the summary's tokens name, so the log reads them with its entries in
    one statement. Nothing the tokens do not already say; None where not recorded."""


class OutboxEvent(Base):
    """A domain event, written in the transaction that caused it, fanned out after commit."""

    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_pending", "dispatched_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    dispatched_at: Mapped[datetime | None]


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class Delivery(Base):
    """One post to one channel or person. The key makes a retried fan-out post at most once.

    A post that adapters keep up to date (a poll's message) names its `subject`
    (`poll:12`) and, once sent, the platform's `message_id`, so every copy can be
    edited in place.
    """

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_platform_status", "platform", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    platform: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str] = mapped_column(String(64))
    """A channel, or for a direct message the platform's user id."""
    direct: Mapped[bool] = mapped_column(default=False, server_default=false())
    subject: Mapped[str | None] = mapped_column(String(64), index=True)
    message_id: Mapped[str | None] = mapped_column(String(64))
    reply: Mapped[dict[str, Any]]
    status: Mapped[DeliveryStatus] = mapped_column(
        _enum(DeliveryStatus), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    not_before: Mapped[datetime | None]
    """Held until then: quiet hours for a direct message, or backoff after a failure."""
    claimed_at: Mapped[datetime | None]
    """When a sender took it; a `sending` row long past this was left by a crashed sender."""


class Poll(Base):
    """A question with 2–10 options, one count across every channel it was posted to."""

    __tablename__ = "polls"
    __table_args__ = (
        CheckConstraint("multi >= 1", name="multi_positive"),
        Index("ix_polls_open_closes_at", "closed_at", "closes_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question: Mapped[str] = mapped_column(String(300))
    options: Mapped[list[str]] = mapped_column(JSON)
    multi: Mapped[int] = mapped_column(default=1)
    """How many options a ballot may choose; 1 is a single-choice poll."""
    ranked: Mapped[bool] = mapped_column(default=False)
    anonymous: Mapped[bool] = mapped_column(default=False)
    hidden: Mapped[bool] = mapped_column(default=False)
    audience: Mapped[str] = mapped_column(String(16))
    chapter_id: Mapped[int | None] = mapped_column(
        ForeignKey("chapters.id", ondelete="SET NULL"), index=True
    )
    origin_platform: Mapped[str] = mapped_column(String(16))
    origin_channel_id: Mapped[str] = mapped_column(String(64))
    origin_channel_name: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64))
    """Where its times are shown: the chapter's zone, else the society's."""
    creator_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    reminded_on: Mapped[date | None]
    auto_reminded_at: Mapped[datetime | None]
    """When the scheduler's one reminder before closing was claimed."""


class Ballot(Base):
    """One member's current choices in one poll; changing a vote replaces the row.

    `voter_key` is a keyed hash of poll and member whose key lives outside the
    database, so one-ballot-per-member holds without storing who cast it. Only a
    non-anonymous ballot also names its voter. An anonymous ballot carries no time,
    and the table has no row id (on SQLite its rows are stored in key order), so
    neither can be matched to when a member was last active.
    """

    __tablename__ = "poll_ballots"
    __table_args__ = ({"sqlite_with_rowid": False},)

    poll_id: Mapped[int] = mapped_column(
        ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True
    )
    voter_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    voter_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    choices: Mapped[list[int]] = mapped_column(JSON)
    """Option numbers from 1; for a ranked poll, first preference first."""
    cast_at: Mapped[datetime | None]


class WorkgroupStatus(enum.StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    COMPLETED = "completed"
    ARCHIVED = "archived"
    EXPIRED = "expired"
    """A proposal that stayed short of its backers for too long."""


class OutputStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in-progress"
    PUBLISHED = "published"


class Workgroup(Base):
    """Member-led work with a charter: what it is for, and what it is not responsible for."""

    __tablename__ = "workgroups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    name_key: Mapped[str] = mapped_column(String(80), unique=True)
    purpose: Mapped[str] = mapped_column(Text)
    not_responsible: Mapped[str | None] = mapped_column(Text)
    status: Mapped[WorkgroupStatus] = mapped_column(
        _enum(WorkgroupStatus), default=WorkgroupStatus.PROPOSED, index=True
    )
    lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    proposer_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime]
    activated_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    last_activity_at: Mapped[datetime]


class WorkgroupBacking(Base):
    """One member's support for a proposal: one per member, counted toward the threshold."""

    __tablename__ = "workgroup_backings"

    workgroup_id: Mapped[int] = mapped_column(
        ForeignKey("workgroups.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    backed_at: Mapped[datetime]


class WorkgroupMember(Base):
    __tablename__ = "workgroup_members"

    workgroup_id: Mapped[int] = mapped_column(
        ForeignKey("workgroups.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    joined_at: Mapped[datetime]


class WorkgroupOutput(Base):
    """Something a workgroup makes: planned, in progress, published (with a link)."""

    __tablename__ = "workgroup_outputs"

    id: Mapped[int] = mapped_column(primary_key=True)
    workgroup_id: Mapped[int] = mapped_column(
        ForeignKey("workgroups.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[OutputStatus] = mapped_column(_enum(OutputStatus), default=OutputStatus.PLANNED)
    link: Mapped[str | None] = mapped_column(String(500))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PositionStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    ADOPTED = "adopted"
    REJECTED = "rejected"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class Position(Base):
    """A statement the society may take, decided by its chapters' check-ins."""

    __tablename__ = "positions"
    __table_args__ = (Index("ix_positions_status_closes_at", "status", "closes_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    statement: Mapped[str] = mapped_column(Text)
    status: Mapped[PositionStatus] = mapped_column(
        _enum(PositionStatus), default=PositionStatus.DRAFT
    )
    proposer_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime]
    requested_closes_at: Mapped[datetime | None]
    """What the proposer asked for; `/position open` may set another deadline."""
    opened_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]


class PositionCheckout(Base):
    """A chapter has taken the topic for a meeting (one check-out per chapter)."""

    __tablename__ = "position_checkouts"

    position_id: Mapped[int] = mapped_column(
        ForeignKey("positions.id", ondelete="CASCADE"), primary_key=True
    )
    chapter_id: Mapped[int] = mapped_column(
        ForeignKey("chapters.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    meeting_on: Mapped[date | None]
    by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    at: Mapped[datetime]


class PositionStance(Base):
    """A chapter's current stance: one row per chapter, replaced by a later check-in."""

    __tablename__ = "position_stances"
    __table_args__ = (
        CheckConstraint("stance IN ('agree', 'disagree', 'abstain')", name="stance_known"),
    )

    position_id: Mapped[int] = mapped_column(
        ForeignKey("positions.id", ondelete="CASCADE"), primary_key=True
    )
    chapter_id: Mapped[int] = mapped_column(
        ForeignKey("chapters.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    checkin_id: Mapped[int] = mapped_column(
        ForeignKey("position_checkins.id", ondelete="CASCADE"), index=True
    )
    stance: Mapped[str] = mapped_column(String(16))


class PositionCheckin(Base):
    """Every check-in, kept: a chapter that checks in again replaces its stance, not its history."""

    __tablename__ = "position_checkins"
    __table_args__ = (
        CheckConstraint("stance IN ('agree', 'disagree', 'abstain')", name="stance_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    position_id: Mapped[int] = mapped_column(
        ForeignKey("positions.id", ondelete="CASCADE"), index=True
    )
    chapter_id: Mapped[int] = mapped_column(
        ForeignKey("chapters.id", ondelete="CASCADE"), index=True
    )
    stance: Mapped[str] = mapped_column(String(16))
    votes_for: Mapped[int | None]
    votes_against: Mapped[int | None]
    votes_abstain: Mapped[int | None]
    summary: Mapped[str | None] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    at: Mapped[datetime]


class DueClaim(Base):
    """One piece of scheduled work, claimed once by whichever process got there first.

    The key names the work and its period (`digest:chapter-7:2027-W02`), so a restart,
    a missed tick or a second scheduler finds it taken. The outcome says what became
    of it: `done`, or `skipped` (a digest found more than a day late).
    """

    __tablename__ = "due_claims"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    claimed_at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(16), default="done")
    detail: Mapped[str | None] = mapped_column(String(300))


class GoalMetric(enum.StrEnum):
    ACTIVE_CHAPTERS = "active_chapters"
    MEMBERS = "members"
    ACTIVE_WORKGROUPS = "active_workgroups"
    ADOPTED_POSITIONS = "adopted_positions"
    MEETINGS_HELD = "meetings_held"
    MANUAL = "manual"


class Goal(Base):
    """A yearly target, counted from the society's data or updated by HQ.

    The baseline (value and day) is what the goal started from: pace is a straight
    line from it to the target at the deadline. `milestone` is the highest percent
    already announced, raised by a conditional update so each is announced once.
    """

    __tablename__ = "goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    metric: Mapped[GoalMetric] = mapped_column(
        Enum(
            GoalMetric,
            native_enum=False,
            length=24,
            values_callable=lambda members: [m.value for m in members],
            validate_strings=True,
        )
    )
    unit: Mapped[str] = mapped_column(String(40), default="")
    target: Mapped[float]
    deadline: Mapped[date]
    baseline_value: Mapped[float]
    baseline_on: Mapped[date]
    value: Mapped[float | None]
    """A manual goal's latest value; counted goals are counted when shown."""
    milestone: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )


class GoalSnapshot(Base):
    """A goal's value on one day (the society's day), for history and charts."""

    __tablename__ = "goal_snapshots"

    goal_id: Mapped[int] = mapped_column(
        ForeignKey("goals.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    value: Mapped[float]


class GoalUpdate(Base):
    """An HQ update to a goal (a manual value, a note), kept as its history."""

    __tablename__ = "goal_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    value: Mapped[float | None]
    note: Mapped[str | None] = mapped_column(Text)
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )


class AnnouncementRecord(Base):
    """An HQ announcement; its deliveries are keyed `announce:<id>:<platform>:<channel>`."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    chapters: Mapped[str] = mapped_column(String(400))
    """What was asked for: `all`, or the chapter names as given."""
    platform: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime]


class MetricKind(enum.StrEnum):
    OWNED = "owned"
    """The group answers for it: the lead sets its value, or it is counted."""
    INFLUENCED = "influenced"
    """The group moves it but does not own it: it shows a society goal's progress."""


class CharterMetric(Base):
    """A metric in a workgroup's or chapter's charter.

    `group_key` names the group (`workgroup:3`, `chapter:5`) so one unique constraint
    keeps metric names distinct within a group whichever kind of group it is. An
    owned metric with a `figure` is counted from the society's tables; without one,
    `value` is what its lead last set. The baseline is where pace starts from.
    """

    __tablename__ = "charter_metrics"
    __table_args__ = (
        UniqueConstraint("group_key", "name_key", name="uq_charter_metrics_group_name"),
        CheckConstraint("target IS NULL OR target > 0", name="target_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_key: Mapped[str] = mapped_column(String(40), index=True)
    workgroup_id: Mapped[int | None] = mapped_column(
        ForeignKey("workgroups.id", ondelete="CASCADE"), index=True
    )
    chapter_id: Mapped[int | None] = mapped_column(
        ForeignKey("chapters.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(120))
    kind: Mapped[MetricKind] = mapped_column(_enum(MetricKind))
    figure: Mapped[str | None] = mapped_column(String(32))
    target: Mapped[float | None]
    unit: Mapped[str] = mapped_column(String(40), default="")
    due_on: Mapped[date | None]
    goal_id: Mapped[int | None] = mapped_column(
        ForeignKey("goals.id", ondelete="SET NULL"), index=True
    )
    value: Mapped[float | None]
    baseline_value: Mapped[float] = mapped_column(default=0.0)
    baseline_on: Mapped[date]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    updated_by: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )


class ChapterCharter(Base):
    """A chapter's charter: what it is for, and what it is not responsible for."""

    __tablename__ = "chapter_charters"

    chapter_id: Mapped[int] = mapped_column(
        ForeignKey("chapters.id", ondelete="CASCADE"), primary_key=True
    )
    purpose: Mapped[str | None] = mapped_column(Text)
    not_responsible: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]
    updated_by: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )


class UpdateCadence(Base):
    """How often a group posts its status update; groups without a row are monthly."""

    __tablename__ = "update_cadences"

    group_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    cadence: Mapped[str] = mapped_column(String(16))
    set_by: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    set_at: Mapped[datetime]


class StatusUpdate(Base):
    """One group's "asked / got / next" for one period, or its skip with a reason.

    One row per group and period: posting again for the same period replaces the
    row (`replaced` counts how often), so lists and digests show the latest word.
    The society's own report (HQ's) has `group_key` `society`.
    """

    __tablename__ = "status_updates"
    __table_args__ = (
        UniqueConstraint("group_key", "period", name="uq_status_updates_group_period"),
        Index("ix_status_updates_period", "period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_key: Mapped[str] = mapped_column(String(40))
    workgroup_id: Mapped[int | None] = mapped_column(
        ForeignKey("workgroups.id", ondelete="CASCADE"), index=True
    )
    chapter_id: Mapped[int | None] = mapped_column(
        ForeignKey("chapters.id", ondelete="CASCADE"), index=True
    )
    period: Mapped[str] = mapped_column(String(16))
    skipped: Mapped[bool] = mapped_column(default=False, server_default=false())
    asked: Mapped[str] = mapped_column(Text, default="")
    got: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str | None] = mapped_column(Text)
    metrics: Mapped[dict[str, Any] | None]
    """Owned metrics' values as the update set them (name → value)."""
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    posted_at: Mapped[datetime]
    replaced: Mapped[int] = mapped_column(default=0)
    highlights: Mapped[str | None] = mapped_column(Text)
    """HQ's quarterly report only: what stood out in the quarter."""


class UpdateAway(Base):
    """A lead's or president's time off: no update prompts until `until` (inclusive)."""

    __tablename__ = "update_aways"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    until: Mapped[date]
    set_at: Mapped[datetime]


Index("ix_members_chapter_joined_at", Member.chapter_id, Member.joined_at)
"""An update's draft counts a chapter's members who joined in its period."""


class InboundClaim(Base):
    """A platform's delivery of a request, claimed by the one process that acts on it.

    Slack re-delivers a request it thinks was lost, and the re-delivery may reach
    another instance; the key is the platform's own identity of the request
    (`slack:<trigger_id>`, `discord:<interaction id>`), so whichever instance
    inserts it first runs the command and every other one drops it. Rows older
    than an hour are pruned by a due job: no platform retries that late.
    """

    __tablename__ = "inbound_claims"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    claimed_at: Mapped[datetime] = mapped_column(index=True)


class LiveClaim(Base):
    """One edit stream per live post, whichever instance saw the change.

    A change bumps `version`; the instance holding the lease (`holder` until
    `lease_until`) renders and edits, then records the version it rendered. An
    instance that finds the lease held leaves the work to its holder, which sees
    the newer version before it lets go, so the last state is always drawn. A
    released lease keeps `lease_until` as when it ended, so old rows can be pruned.
    """

    __tablename__ = "live_claims"

    subject: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(default=0)
    rendered: Mapped[int] = mapped_column(default=0)
    holder: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]


LIVE_POSITION_STATUSES = (PositionStatus.DRAFT.value, PositionStatus.OPEN.value)
Index(
    "uq_positions_live_title",
    func.lower(Position.title),
    unique=True,
    sqlite_where=Position.status.in_(LIVE_POSITION_STATUSES),
    postgresql_where=Position.status.in_(LIVE_POSITION_STATUSES),
)
"""Two positions in play (draft or open) never share a title, whatever its case."""


class EventStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class RsvpStatus(enum.StrEnum):
    GOING = "going"
    MAYBE = "maybe"
    NO = "no"
    WAITLIST = "waitlist"
    """Said going past capacity; in line by `queued_at`, then id."""
    OFFERED = "offered"
    """Offered a freed place until `offered_until`; holds the place meanwhile."""


class ChapterEvent(Base):
    """A meeting planned ahead: announced, RSVP'd, reminded, checked in, then credited.

    Held by a chapter, by the whole society (`chapter_id` and `workgroup_id` both
    empty) or by a workgroup (not counted in any chapter's cadence). When it ends,
    the meeting it became is linked by `meeting_id`. The `*_at` stamps below are
    claimed by conditional updates, so each piece of scheduled work is done once.
    """

    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        CheckConstraint("guests >= 0", name="guests_non_negative"),
        Index("ix_events_status_starts_at", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(80), unique=True)
    """The calendar UID: stable across edits, so a subscribed calendar updates the entry."""
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[MeetingKind] = mapped_column(_enum(MeetingKind))
    status: Mapped[EventStatus] = mapped_column(_enum(EventStatus), default=EventStatus.SCHEDULED)
    chapter_id: Mapped[int | None] = mapped_column(
        ForeignKey("chapters.id", ondelete="CASCADE"), index=True
    )
    workgroup_id: Mapped[int | None] = mapped_column(
        ForeignKey("workgroups.id", ondelete="CASCADE"), index=True
    )
    timezone: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    place: Mapped[str | None] = mapped_column(String(300))
    online_url: Mapped[str | None] = mapped_column(String(500))
    capacity: Mapped[int | None]
    rsvp_closes_at: Mapped[datetime]
    offer_hours: Mapped[int] = mapped_column(default=24)
    description: Mapped[str | None] = mapped_column(Text)
    series_id: Mapped[int | None] = mapped_column(Integer, index=True)
    """The first occurrence's id, for every occurrence of a repeating event."""
    rrule: Mapped[str | None] = mapped_column(String(300))
    sequence: Mapped[int] = mapped_column(default=0)
    """The calendar SEQUENCE: bumped on every change a calendar should pick up."""
    guests: Mapped[int] = mapped_column(default=0)
    creator_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(300))
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), index=True
    )
    announced_at: Mapped[datetime | None]
    """When its card was posted: at once for a single event, a week ahead for a series' dates."""
    reminded_day_at: Mapped[datetime | None]
    reminded_hour_at: Mapped[datetime | None]
    summary_sent_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    """When the scheduler handled its end: credited, or asked the president for a headcount."""
    not_held: Mapped[bool] = mapped_column(default=False)
    recap: Mapped[str | None] = mapped_column(Text)


class EventRsvp(Base):
    """One member's answer to one event; the latest answer replaces the row."""

    __tablename__ = "event_rsvps"
    __table_args__ = (
        UniqueConstraint("event_id", "member_id", name="uq_event_rsvps_event_member"),
        Index("ix_event_rsvps_event_status", "event_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    status: Mapped[RsvpStatus] = mapped_column(_enum(RsvpStatus))
    answered_at: Mapped[datetime]
    queued_at: Mapped[datetime | None]
    """When they joined the waitlist: the line's order."""
    offered_until: Mapped[datetime | None]
    checked_in_at: Mapped[datetime | None]
    checked_in_by: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    feedback: Mapped[int | None]
    comment: Mapped[str | None] = mapped_column(String(500))


class CalendarFeed(Base):
    """A member's secret calendar links: their chapter's events, and the ones they go to.

    Only a hash of the token is stored; the token is derived from the society's
    secret, the member and `generation`, so it can be shown again without being
    kept, and `--reset` (a new generation) makes the old link answer 404.
    """

    __tablename__ = "calendar_feeds"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    generation: Mapped[int] = mapped_column(default=1)
    chapter_hash: Mapped[str] = mapped_column(String(64), unique=True)
    personal_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]


class ProfileVisibility(enum.StrEnum):
    """Who may see a member in the directory: everyone, their chapter, or only HQ."""

    SOCIETY = "society"
    CHAPTER = "chapter"
    HIDDEN = "hidden"


class MemberProfile(Base):
    """What a member tells the society about themselves, beyond name and chapter.

    Name and time zone stay on `members` (other features read them there). `edited`
    names the fields the member set themselves, which a platform fill never
    overwrites; `filled_at` is the last time the platform was asked, so it is asked
    at most daily.
    """

    __tablename__ = "member_profiles"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    title: Mapped[str | None] = mapped_column(String(120))
    company: Mapped[str | None] = mapped_column(String(120))
    city: Mapped[str | None] = mapped_column(String(120))
    bio: Mapped[str | None] = mapped_column(Text)
    visibility: Mapped[ProfileVisibility] = mapped_column(
        _enum(ProfileVisibility), default=ProfileVisibility.CHAPTER
    )
    edited: Mapped[list[str]] = mapped_column(JSON, default=list)
    filled_at: Mapped[datetime | None]
    welcomed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class Tag(Base):
    """A skill or interest as the society spells it; `key` is its singular, lower-case form."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    label: Mapped[str] = mapped_column(String(40))


class MemberTag(Base):
    """A member's skill or interest; looked up by tag first, so finds read one index range."""

    __tablename__ = "member_tags"
    __table_args__ = (
        CheckConstraint("kind IN ('skill', 'interest')", name="kind_known"),
        Index("ix_member_tags_tag_kind_member", "tag_id", "kind", "member_id"),
    )

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)


class WorkgroupTag(Base):
    """What a workgroup works on, matched against members' tags."""

    __tablename__ = "workgroup_tags"

    workgroup_id: Mapped[int] = mapped_column(
        ForeignKey("workgroups.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(
        ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class MemberTerm(Base):
    """One lower-cased word of a member's profile, for free-text finds by word prefix."""

    __tablename__ = "member_terms"
    __table_args__ = (Index("ix_member_terms_term_member", "term", "member_id"),)

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    term: Mapped[str] = mapped_column(String(40), primary_key=True)


class RecruitAsk(Base):
    """A workgroup's direct call to one member, and their answer (`in`, `not-now`)."""

    __tablename__ = "recruit_asks"
    __table_args__ = (
        Index("ix_recruit_asks_workgroup_member_at", "workgroup_id", "member_id", "asked_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workgroup_id: Mapped[int] = mapped_column(ForeignKey("workgroups.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    call: Mapped[str] = mapped_column(String(64), index=True)
    """The call it belongs to (`<workgroup id>:<timestamp>`), counted for the lead."""
    asked_at: Mapped[datetime]
    answer: Mapped[str | None] = mapped_column(String(8))
    answered_at: Mapped[datetime | None]


class Society(Base):
    """The society itself, written once by `chapterhouse init`: its name and home zone.

    At most one row. A database without one is the demo's or predates `init`.
    """

    __tablename__ = "society"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class WorkgroupChannel(Base):
    """A chat channel bound to a workgroup: where its polls and news are posted."""

    __tablename__ = "workgroup_channels"
    __table_args__ = (
        UniqueConstraint(
            "workgroup_id", "platform", "channel_id", name="uq_workgroup_channels_channel"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workgroup_id: Mapped[int] = mapped_column(
        ForeignKey("workgroups.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str] = mapped_column(String(64))
    channel_name: Mapped[str] = mapped_column(String(120))
    bound_by: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    bound_at: Mapped[datetime]


class PollWorkgroup(Base):
    """The workgroup a `workgroup:NAME` poll is for: its members vote."""

    __tablename__ = "poll_workgroups"

    poll_id: Mapped[int] = mapped_column(
        ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True
    )
    workgroup_id: Mapped[int] = mapped_column(
        ForeignKey("workgroups.id", ondelete="CASCADE"), index=True
    )


class EventHelper(Base):
    """A member the organiser trusts to run the door at one event: they may check
    others in and count guests there, and nowhere else."""

    __tablename__ = "event_helpers"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_by: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    added_at: Mapped[datetime]

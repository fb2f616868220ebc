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

"""Charters with owned and influenced metrics, chapter charters, status updates,
their cadences and leads' time away.

Revision ID: 0010
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "charter_metrics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_key", sa.String(length=40), nullable=False),
        sa.Column("workgroup_id", sa.Integer(), nullable=True),
        sa.Column("chapter_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("name_key", sa.String(length=120), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("owned", "influenced", name="metrickind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("figure", sa.String(length=32), nullable=True),
        sa.Column("target", sa.Double(), nullable=True),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("goal_id", sa.Integer(), nullable=True),
        sa.Column("value", sa.Double(), nullable=True),
        sa.Column("baseline_value", sa.Double(), nullable=False),
        sa.Column("baseline_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "target IS NULL OR target > 0", name=op.f("ck_charter_metrics_target_positive")
        ),
        sa.ForeignKeyConstraint(
            ["chapter_id"],
            ["chapters.id"],
            name=op.f("fk_charter_metrics_chapter_id_chapters"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["goal_id"],
            ["goals.id"],
            name=op.f("fk_charter_metrics_goal_id_goals"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["members.id"],
            name=op.f("fk_charter_metrics_updated_by_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workgroup_id"],
            ["workgroups.id"],
            name=op.f("fk_charter_metrics_workgroup_id_workgroups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charter_metrics")),
        sa.UniqueConstraint("group_key", "name_key", name="uq_charter_metrics_group_name"),
    )
    with op.batch_alter_table("charter_metrics", schema=None) as batch_op:
        for column in ("group_key", "workgroup_id", "chapter_id", "goal_id", "updated_by"):
            batch_op.create_index(batch_op.f(f"ix_charter_metrics_{column}"), [column])

    op.create_table(
        "chapter_charters",
        sa.Column("chapter_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column("not_responsible", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["chapter_id"],
            ["chapters.id"],
            name=op.f("fk_chapter_charters_chapter_id_chapters"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["members.id"],
            name=op.f("fk_chapter_charters_updated_by_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("chapter_id", name=op.f("pk_chapter_charters")),
    )
    with op.batch_alter_table("chapter_charters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chapter_charters_updated_by"), ["updated_by"])

    op.create_table(
        "update_cadences",
        sa.Column("group_key", sa.String(length=40), nullable=False),
        sa.Column("cadence", sa.String(length=16), nullable=False),
        sa.Column("set_by", sa.Integer(), nullable=True),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["set_by"],
            ["members.id"],
            name=op.f("fk_update_cadences_set_by_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("group_key", name=op.f("pk_update_cadences")),
    )
    with op.batch_alter_table("update_cadences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_update_cadences_set_by"), ["set_by"])

    op.create_table(
        "status_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_key", sa.String(length=40), nullable=False),
        sa.Column("workgroup_id", sa.Integer(), nullable=True),
        sa.Column("chapter_id", sa.Integer(), nullable=True),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("skipped", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("asked", sa.Text(), nullable=False),
        sa.Column("got", sa.Text(), nullable=False),
        sa.Column("next_steps", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("metrics", sa.JSON(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["members.id"],
            name=op.f("fk_status_updates_author_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["chapter_id"],
            ["chapters.id"],
            name=op.f("fk_status_updates_chapter_id_chapters"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workgroup_id"],
            ["workgroups.id"],
            name=op.f("fk_status_updates_workgroup_id_workgroups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_updates")),
        sa.UniqueConstraint("group_key", "period", name="uq_status_updates_group_period"),
    )
    with op.batch_alter_table("status_updates", schema=None) as batch_op:
        batch_op.create_index("ix_status_updates_period", ["period"])
        for column in ("workgroup_id", "chapter_id", "author_id"):
            batch_op.create_index(batch_op.f(f"ix_status_updates_{column}"), [column])

    # A plain CREATE INDEX: no table rebuild, so members' rows and their links stay put.
    op.create_index("ix_members_chapter_joined_at", "members", ["chapter_id", "joined_at"])

    op.create_table(
        "update_aways",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_update_aways_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_update_aways")),
    )


def downgrade() -> None:
    # Only new tables: dropping them leaves every other table's rows as they were.
    op.drop_table("update_aways")
    # An index only: on SQLite dropping it rebuilds nothing, so no row is touched.
    op.drop_index("ix_members_chapter_joined_at", table_name="members")
    op.drop_table("status_updates")
    op.drop_table("update_cadences")
    op.drop_table("chapter_charters")
    op.drop_table("charter_metrics")

"""Workgroups (charters, backings, members, outputs) and positions (check-outs, stances,
every check-in kept).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "positions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "open",
                "adopted",
                "rejected",
                "expired",
                "withdrawn",
                name="positionstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("proposer_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["proposer_id"],
            ["members.id"],
            name=op.f("fk_positions_proposer_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_positions")),
    )
    with op.batch_alter_table("positions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_positions_proposer_id"), ["proposer_id"], unique=False)
        batch_op.create_index(
            "ix_positions_status_closes_at", ["status", "closes_at"], unique=False
        )

    op.create_table(
        "workgroups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("name_key", sa.String(length=80), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("not_responsible", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "proposed",
                "active",
                "completed",
                "archived",
                "expired",
                name="workgroupstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("proposer_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["members.id"],
            name=op.f("fk_workgroups_lead_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["proposer_id"],
            ["members.id"],
            name=op.f("fk_workgroups_proposer_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workgroups")),
        sa.UniqueConstraint("name_key", name=op.f("uq_workgroups_name_key")),
    )
    with op.batch_alter_table("workgroups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workgroups_lead_id"), ["lead_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_workgroups_proposer_id"), ["proposer_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_workgroups_status"), ["status"], unique=False)

    op.create_table(
        "position_checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position_id", sa.Integer(), nullable=False),
        sa.Column("chapter_id", sa.Integer(), nullable=False),
        sa.Column("stance", sa.String(length=16), nullable=False),
        sa.Column("votes_for", sa.Integer(), nullable=True),
        sa.Column("votes_against", sa.Integer(), nullable=True),
        sa.Column("votes_abstain", sa.Integer(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "stance IN ('agree', 'disagree', 'abstain')",
            name=op.f("ck_position_checkins_stance_known"),
        ),
        sa.ForeignKeyConstraint(
            ["by_id"],
            ["members.id"],
            name=op.f("fk_position_checkins_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["chapter_id"],
            ["chapters.id"],
            name=op.f("fk_position_checkins_chapter_id_chapters"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["position_id"],
            ["positions.id"],
            name=op.f("fk_position_checkins_position_id_positions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_position_checkins")),
    )
    with op.batch_alter_table("position_checkins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_position_checkins_by_id"), ["by_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_position_checkins_chapter_id"), ["chapter_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_position_checkins_position_id"), ["position_id"], unique=False
        )

    op.create_table(
        "position_checkouts",
        sa.Column("position_id", sa.Integer(), nullable=False),
        sa.Column("chapter_id", sa.Integer(), nullable=False),
        sa.Column("meeting_on", sa.Date(), nullable=True),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_id"],
            ["members.id"],
            name=op.f("fk_position_checkouts_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["chapter_id"],
            ["chapters.id"],
            name=op.f("fk_position_checkouts_chapter_id_chapters"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["position_id"],
            ["positions.id"],
            name=op.f("fk_position_checkouts_position_id_positions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("position_id", "chapter_id", name=op.f("pk_position_checkouts")),
    )
    with op.batch_alter_table("position_checkouts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_position_checkouts_by_id"), ["by_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_position_checkouts_chapter_id"), ["chapter_id"], unique=False
        )

    op.create_table(
        "workgroup_backings",
        sa.Column("workgroup_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("backed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_workgroup_backings_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workgroup_id"],
            ["workgroups.id"],
            name=op.f("fk_workgroup_backings_workgroup_id_workgroups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workgroup_id", "member_id", name=op.f("pk_workgroup_backings")),
    )
    with op.batch_alter_table("workgroup_backings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_workgroup_backings_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "workgroup_members",
        sa.Column("workgroup_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_workgroup_members_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workgroup_id"],
            ["workgroups.id"],
            name=op.f("fk_workgroup_members_workgroup_id_workgroups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workgroup_id", "member_id", name=op.f("pk_workgroup_members")),
    )
    with op.batch_alter_table("workgroup_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_workgroup_members_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "workgroup_outputs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workgroup_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "in-progress",
                "published",
                name="outputstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["members.id"],
            name=op.f("fk_workgroup_outputs_author_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workgroup_id"],
            ["workgroups.id"],
            name=op.f("fk_workgroup_outputs_workgroup_id_workgroups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workgroup_outputs")),
    )
    with op.batch_alter_table("workgroup_outputs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_workgroup_outputs_author_id"), ["author_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_workgroup_outputs_workgroup_id"), ["workgroup_id"], unique=False
        )

    op.create_table(
        "position_stances",
        sa.Column("position_id", sa.Integer(), nullable=False),
        sa.Column("chapter_id", sa.Integer(), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=False),
        sa.Column("stance", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "stance IN ('agree', 'disagree', 'abstain')",
            name=op.f("ck_position_stances_stance_known"),
        ),
        sa.ForeignKeyConstraint(
            ["chapter_id"],
            ["chapters.id"],
            name=op.f("fk_position_stances_chapter_id_chapters"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["checkin_id"],
            ["position_checkins.id"],
            name=op.f("fk_position_stances_checkin_id_position_checkins"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["position_id"],
            ["positions.id"],
            name=op.f("fk_position_stances_position_id_positions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("position_id", "chapter_id", name=op.f("pk_position_stances")),
    )
    with op.batch_alter_table("position_stances", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_position_stances_chapter_id"), ["chapter_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_position_stances_checkin_id"), ["checkin_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("position_stances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_position_stances_checkin_id"))
        batch_op.drop_index(batch_op.f("ix_position_stances_chapter_id"))

    op.drop_table("position_stances")
    with op.batch_alter_table("workgroup_outputs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workgroup_outputs_workgroup_id"))
        batch_op.drop_index(batch_op.f("ix_workgroup_outputs_author_id"))

    op.drop_table("workgroup_outputs")
    with op.batch_alter_table("workgroup_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workgroup_members_member_id"))

    op.drop_table("workgroup_members")
    with op.batch_alter_table("workgroup_backings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workgroup_backings_member_id"))

    op.drop_table("workgroup_backings")
    with op.batch_alter_table("position_checkouts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_position_checkouts_chapter_id"))
        batch_op.drop_index(batch_op.f("ix_position_checkouts_by_id"))

    op.drop_table("position_checkouts")
    with op.batch_alter_table("position_checkins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_position_checkins_position_id"))
        batch_op.drop_index(batch_op.f("ix_position_checkins_chapter_id"))
        batch_op.drop_index(batch_op.f("ix_position_checkins_by_id"))

    op.drop_table("position_checkins")
    with op.batch_alter_table("workgroups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workgroups_status"))
        batch_op.drop_index(batch_op.f("ix_workgroups_proposer_id"))
        batch_op.drop_index(batch_op.f("ix_workgroups_lead_id"))

    op.drop_table("workgroups")
    with op.batch_alter_table("positions", schema=None) as batch_op:
        batch_op.drop_index("ix_positions_status_closes_at")
        batch_op.drop_index(batch_op.f("ix_positions_proposer_id"))

    op.drop_table("positions")

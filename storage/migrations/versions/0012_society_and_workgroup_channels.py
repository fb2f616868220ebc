"""The society's own row (written by `chapterhouse init`), workgroups' bound channels,
and which workgroup a workgroup poll is for.

Revision ID: 0012
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "society",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_society")),
    )
    op.create_table(
        "workgroup_channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workgroup_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("channel_name", sa.String(length=120), nullable=False),
        sa.Column("bound_by", sa.Integer(), nullable=True),
        sa.Column("bound_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workgroup_id"],
            ["workgroups.id"],
            name=op.f("fk_workgroup_channels_workgroup_id_workgroups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["bound_by"],
            ["members.id"],
            name=op.f("fk_workgroup_channels_bound_by_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workgroup_channels")),
        sa.UniqueConstraint(
            "workgroup_id", "platform", "channel_id", name="uq_workgroup_channels_channel"
        ),
    )
    with op.batch_alter_table("workgroup_channels", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_workgroup_channels_workgroup_id"), ["workgroup_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_workgroup_channels_bound_by"), ["bound_by"], unique=False
        )

    op.create_table(
        "poll_workgroups",
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("workgroup_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["poll_id"],
            ["polls.id"],
            name=op.f("fk_poll_workgroups_poll_id_polls"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workgroup_id"],
            ["workgroups.id"],
            name=op.f("fk_poll_workgroups_workgroup_id_workgroups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("poll_id", name=op.f("pk_poll_workgroups")),
    )
    with op.batch_alter_table("poll_workgroups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_poll_workgroups_workgroup_id"), ["workgroup_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("poll_workgroups")
    op.drop_table("workgroup_channels")
    op.drop_table("society")

"""Polls and ballots; deliveries learn direct messages and the copies they keep live.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(
            sa.Column("direct", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("subject", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("message_id", sa.String(length=64), nullable=True))
        batch.create_index("ix_deliveries_subject", ["subject"], unique=False)

    op.create_table(
        "polls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=300), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("multi", sa.Integer(), nullable=False),
        sa.Column("ranked", sa.Boolean(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("chapter_id", sa.Integer(), nullable=True),
        sa.Column("origin_platform", sa.String(length=16), nullable=False),
        sa.Column("origin_channel_id", sa.String(length=64), nullable=False),
        sa.Column("origin_channel_name", sa.String(length=120), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.Column("reminded_on", sa.Date(), nullable=True),
        sa.CheckConstraint("multi >= 1", name=op.f("ck_polls_multi_positive")),
        sa.ForeignKeyConstraint(
            ["chapter_id"],
            ["chapters.id"],
            name=op.f("fk_polls_chapter_id_chapters"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["creator_id"],
            ["members.id"],
            name=op.f("fk_polls_creator_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["closed_by"],
            ["members.id"],
            name=op.f("fk_polls_closed_by_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_polls")),
    )
    op.create_index("ix_polls_chapter_id", "polls", ["chapter_id"])
    op.create_index("ix_polls_creator_id", "polls", ["creator_id"])
    op.create_index("ix_polls_closed_by", "polls", ["closed_by"])
    op.create_index("ix_polls_open_closes_at", "polls", ["closed_at", "closes_at"])

    op.create_table(
        "poll_ballots",
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("voter_key", sa.String(length=64), nullable=False),
        sa.Column("voter_id", sa.Integer(), nullable=True),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("cast_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["poll_id"],
            ["polls.id"],
            name=op.f("fk_poll_ballots_poll_id_polls"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["voter_id"],
            ["members.id"],
            name=op.f("fk_poll_ballots_voter_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("poll_id", "voter_key", name=op.f("pk_poll_ballots")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_poll_ballots_voter_id", "poll_ballots", ["voter_id"])


def downgrade() -> None:
    op.drop_table("poll_ballots")
    op.drop_table("polls")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_index("ix_deliveries_subject")
        batch.drop_column("message_id")
        batch.drop_column("subject")
        batch.drop_column("direct")

"""Event helpers: members an organiser delegates to check others in at one event.

No existing table holds a per-event role: `event_rsvps` is one answer per member
(a helper need not be going), so helpers get their own small table.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_helpers",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_helpers_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_event_helpers_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["added_by"],
            ["members.id"],
            name=op.f("fk_event_helpers_added_by_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("event_id", "member_id", name=op.f("pk_event_helpers")),
    )
    with op.batch_alter_table("event_helpers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_helpers_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_helpers_added_by"), ["added_by"], unique=False)


def downgrade() -> None:
    # Only the new table goes; nothing else is rebuilt, so no other row is touched.
    with op.batch_alter_table("event_helpers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_helpers_added_by"))
        batch_op.drop_index(batch_op.f("ix_event_helpers_member_id"))
    op.drop_table("event_helpers")

"""Exactly once across instances: claimed platform deliveries, one edit stream per
live post, and titles of positions in play unique in the schema.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

LIVE = "status IN ('draft', 'open')"


def upgrade() -> None:
    op.create_table(
        "inbound_claims",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_inbound_claims")),
    )
    op.create_index(
        op.f("ix_inbound_claims_claimed_at"), "inbound_claims", ["claimed_at"], unique=False
    )
    op.create_table(
        "live_claims",
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("rendered", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("subject", name=op.f("pk_live_claims")),
    )
    _rename_duplicate_live_titles()
    op.create_index(
        "uq_positions_live_title",
        "positions",
        [sa.text("lower(title)")],
        unique=True,
        sqlite_where=sa.text(LIVE),
        postgresql_where=sa.text(LIVE),
    )


def _rename_duplicate_live_titles() -> None:
    """Positions that raced in before the constraint keep their rows: later ones get
    their id in the title, so the index can be built and nothing is lost."""
    bind = op.get_bind()
    rows = bind.execute(sa.text(f"SELECT id, title FROM positions WHERE {LIVE} ORDER BY id")).all()
    seen: set[str] = set()
    for position_id, title in rows:
        key = title.lower()
        if key in seen:
            bind.execute(
                sa.text("UPDATE positions SET title = :title WHERE id = :id"),
                {"title": f"{title[:180]} (#{position_id})", "id": position_id},
            )
        seen.add(key)


def downgrade() -> None:
    op.drop_index("uq_positions_live_title", table_name="positions")
    op.drop_table("live_claims")
    op.drop_index(op.f("ix_inbound_claims_claimed_at"), table_name="inbound_claims")
    op.drop_table("inbound_claims")

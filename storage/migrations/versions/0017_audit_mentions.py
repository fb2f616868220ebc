"""Audit mentions: each audit entry keeps the ids of the members its summary names.

The summary names members only as mention tokens (so forgetting a member works);
`/audit` needs those members' names and accounts to write the mentions, and with the
ids in a column it reads them with the entries in one statement instead of parsing
the summaries and asking again. The column says nothing the tokens do not.

Existing entries are filled from their summaries' tokens, in batches. The token's
shape is the bot's (`bot.mentions`); storage may not import the bot, so it is
repeated here, fixed as it was when this migration was written.

Revision ID: 0017
Revises: 0016
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

TOKEN = re.compile("\ue000m(\\d+)\ue001")
BATCH = 1000

audit_events = sa.table(
    "audit_events",
    sa.column("id", sa.Integer()),
    sa.column("summary", sa.Text()),
    sa.column("mentioned", sa.JSON(none_as_null=True)),
)


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mentioned", sa.JSON(), nullable=True))
    backfill(op.get_bind())


def backfill(connection: sa.Connection) -> None:
    """Fill `mentioned` from the summaries: the ids their tokens name, else an empty list."""
    last = 0
    while True:
        rows = connection.execute(
            sa.select(audit_events.c.id, audit_events.c.summary)
            .where(audit_events.c.id > last, audit_events.c.summary.contains("\ue000m"))
            .order_by(audit_events.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        connection.execute(
            sa.update(audit_events)
            .where(audit_events.c.id == sa.bindparam("row_id"))
            .values(mentioned=sa.bindparam("ids", type_=sa.JSON())),
            [
                {"row_id": row_id, "ids": sorted({int(n) for n in TOKEN.findall(summary)})}
                for row_id, summary in rows
            ],
        )
        last = rows[-1][0]
    connection.execute(
        sa.update(audit_events).where(audit_events.c.mentioned.is_(None)).values(mentioned=[])
    )


def downgrade() -> None:
    # Only the new column goes. On SQLite the table is rebuilt with its rows; nothing
    # refers to audit_events, and migrations run with foreign keys off (storage.migrate).
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("mentioned")

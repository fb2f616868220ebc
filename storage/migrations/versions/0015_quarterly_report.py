"""HQ's quarterly report: the longer form's "highlights" field on a status update.

Revision ID: 0015
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("status_updates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("highlights", sa.Text(), nullable=True))


def downgrade() -> None:
    # Nothing references status_updates, so rebuilding it on SQLite cascades nowhere.
    with op.batch_alter_table("status_updates", schema=None) as batch_op:
        batch_op.drop_column("highlights")

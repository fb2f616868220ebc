"""Indexes for name lookups and for the members a row refers to.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

REFERENCES = (
    ("role_grants", "granted_by"),
    ("channel_bindings", "bound_by"),
    ("meetings", "logged_by"),
)


def upgrade() -> None:
    op.create_index("ix_members_name_lower", "members", [sa.text("lower(name)")])
    op.create_index(
        "ix_identities_display_name_lower", "identities", [sa.text("lower(display_name)")]
    )
    for table, column in REFERENCES:
        op.create_index(f"ix_{table}_{column}", table, [column])


def downgrade() -> None:
    for table, column in REFERENCES:
        op.drop_index(f"ix_{table}_{column}", table_name=table)
    op.drop_index("ix_identities_display_name_lower", table_name="identities")
    op.drop_index("ix_members_name_lower", table_name="members")

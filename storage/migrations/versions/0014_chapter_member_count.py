"""Each chapter's member count, kept by the database in the transaction that moves a member.

`/chapter list` read the count with a GROUP BY over every member on each call; at
100,000 members that is most of its time. The count now lives on the chapter and
triggers on `members` keep it: one `UPDATE chapters SET member_count = member_count
± 1` per member inserted, deleted or moved, in the same transaction as the change,
whatever wrote it (a command, the importer, a bulk insert, a restore).

Revision ID: 0014
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0012"
branch_labels = None
depends_on = None

BACKFILL = """
UPDATE chapters SET member_count = (
    SELECT count(*) FROM members WHERE members.chapter_id = chapters.id
)
"""

SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER members_count_insert AFTER INSERT ON members
    WHEN NEW.chapter_id IS NOT NULL
    BEGIN
        UPDATE chapters SET member_count = member_count + 1 WHERE id = NEW.chapter_id;
    END
    """,
    """
    CREATE TRIGGER members_count_delete AFTER DELETE ON members
    WHEN OLD.chapter_id IS NOT NULL
    BEGIN
        UPDATE chapters SET member_count = member_count - 1 WHERE id = OLD.chapter_id;
    END
    """,
    """
    CREATE TRIGGER members_count_move AFTER UPDATE OF chapter_id ON members
    WHEN OLD.chapter_id IS NOT NEW.chapter_id
    BEGIN
        UPDATE chapters SET member_count = member_count - 1 WHERE id = OLD.chapter_id;
        UPDATE chapters SET member_count = member_count + 1 WHERE id = NEW.chapter_id;
    END
    """,
)

POSTGRES_TRIGGERS = (
    """
    CREATE FUNCTION members_chapter_count() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            IF NEW.chapter_id IS NOT NULL THEN
                UPDATE chapters SET member_count = member_count + 1 WHERE id = NEW.chapter_id;
            END IF;
        ELSIF TG_OP = 'DELETE' THEN
            IF OLD.chapter_id IS NOT NULL THEN
                UPDATE chapters SET member_count = member_count - 1 WHERE id = OLD.chapter_id;
            END IF;
        ELSIF OLD.chapter_id IS DISTINCT FROM NEW.chapter_id THEN
            IF OLD.chapter_id IS NOT NULL THEN
                UPDATE chapters SET member_count = member_count - 1 WHERE id = OLD.chapter_id;
            END IF;
            IF NEW.chapter_id IS NOT NULL THEN
                UPDATE chapters SET member_count = member_count + 1 WHERE id = NEW.chapter_id;
            END IF;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER members_chapter_count
    AFTER INSERT OR DELETE OR UPDATE OF chapter_id ON members
    FOR EACH ROW EXECUTE FUNCTION members_chapter_count()
    """,
)

SQLITE_DROPS = (
    "DROP TRIGGER IF EXISTS members_count_insert",
    "DROP TRIGGER IF EXISTS members_count_delete",
    "DROP TRIGGER IF EXISTS members_count_move",
)
POSTGRES_DROPS = (
    "DROP TRIGGER IF EXISTS members_chapter_count ON members",
    "DROP FUNCTION IF EXISTS members_chapter_count()",
)


def upgrade() -> None:
    op.add_column(
        "chapters",
        sa.Column("member_count", sa.Integer(), server_default="0", nullable=False),
    )
    op.execute(BACKFILL)
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES_TRIGGERS if postgres else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES_DROPS if postgres else SQLITE_DROPS:
        op.execute(statement)
    # SQLite (3.35+) drops the column in place: a batch rebuild of `chapters` would,
    # with foreign keys on, delete every meeting and binding by cascade.
    op.drop_column("chapters", "member_count")

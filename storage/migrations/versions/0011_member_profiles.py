"""Member profiles: what members say about themselves, their skills and interests as
society-wide tags, workgroups' tags, words for free-text finds, and targeted calls.

Only new tables: downgrading drops them and leaves every other row alone.

Revision ID: 0011
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("key", name=op.f("uq_tags_key")),
    )
    op.create_table(
        "member_profiles",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=True),
        sa.Column("company", sa.String(length=120), nullable=True),
        sa.Column("city", sa.String(length=120), nullable=True),
        sa.Column("bio", sa.Text(), nullable=True),
        sa.Column(
            "visibility",
            sa.Enum(
                "society",
                "chapter",
                "hidden",
                name="profilevisibility",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("edited", sa.JSON(), nullable=False),
        sa.Column("filled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("welcomed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_member_profiles_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_member_profiles")),
    )
    op.create_table(
        "member_tags",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.CheckConstraint("kind IN ('skill', 'interest')", name=op.f("ck_member_tags_kind_known")),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_member_tags_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_member_tags_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("member_id", "tag_id", "kind", name=op.f("pk_member_tags")),
    )
    with op.batch_alter_table("member_tags", schema=None) as batch_op:
        batch_op.create_index(
            "ix_member_tags_tag_kind_member", ["tag_id", "kind", "member_id"], unique=False
        )

    op.create_table(
        "member_terms",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_member_terms_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", "term", name=op.f("pk_member_terms")),
    )
    with op.batch_alter_table("member_terms", schema=None) as batch_op:
        batch_op.create_index("ix_member_terms_term_member", ["term", "member_id"], unique=False)

    op.create_table(
        "recruit_asks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workgroup_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("call", sa.String(length=64), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.String(length=8), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_recruit_asks_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workgroup_id"],
            ["workgroups.id"],
            name=op.f("fk_recruit_asks_workgroup_id_workgroups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recruit_asks")),
    )
    with op.batch_alter_table("recruit_asks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recruit_asks_call"), ["call"], unique=False)
        batch_op.create_index(batch_op.f("ix_recruit_asks_member_id"), ["member_id"], unique=False)
        batch_op.create_index(
            "ix_recruit_asks_workgroup_member_at",
            ["workgroup_id", "member_id", "asked_at"],
            unique=False,
        )

    op.create_table(
        "workgroup_tags",
        sa.Column("workgroup_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_workgroup_tags_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workgroup_id"],
            ["workgroups.id"],
            name=op.f("fk_workgroup_tags_workgroup_id_workgroups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workgroup_id", "tag_id", name=op.f("pk_workgroup_tags")),
    )
    with op.batch_alter_table("workgroup_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workgroup_tags_tag_id"), ["tag_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("workgroup_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workgroup_tags_tag_id"))

    op.drop_table("workgroup_tags")
    with op.batch_alter_table("recruit_asks", schema=None) as batch_op:
        batch_op.drop_index("ix_recruit_asks_workgroup_member_at")
        batch_op.drop_index(batch_op.f("ix_recruit_asks_member_id"))
        batch_op.drop_index(batch_op.f("ix_recruit_asks_call"))

    op.drop_table("recruit_asks")
    with op.batch_alter_table("member_terms", schema=None) as batch_op:
        batch_op.drop_index("ix_member_terms_term_member")

    op.drop_table("member_terms")
    with op.batch_alter_table("member_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_member_tags_tag_kind_member")

    op.drop_table("member_tags")
    op.drop_table("member_profiles")
    op.drop_table("tags")

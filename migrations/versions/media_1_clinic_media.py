"""media: the clinic's photos and videos, of its exercises or of one patient's plan line;
exercises.media_count and patients.media_count (a card without media asks nothing)

Revision ID: media_1
Revises: rules_1
Create Date: 2026-12-02 16:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

import app.models.types

# revision identifiers, used by Alembic.
revision = "media_1"
down_revision = "rules_1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "media",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("exercise_id", sa.Integer(), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("line_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.models.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "(exercise_id IS NULL) <> (patient_id IS NULL)",
            name=op.f("ck_media_exercise_or_patient"),
        ),
        sa.CheckConstraint(
            "(patient_id IS NULL) = (line_id IS NULL) AND (patient_id IS NULL) = "
            "(programme_id IS NULL)",
            name=op.f("ck_media_patient_line_complete"),
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_media_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["exercise_id"], ["exercises.id"], name=op.f("fk_media_exercise_id_exercises")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_media_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["programmes.id"], name=op.f("fk_media_programme_id_programmes")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_media_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_media_stored_name")),
    )
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_media_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_media_exercise_id"), ["exercise_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_media_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_media_created_by_id"), ["created_by_id"], unique=False
        )
        batch_op.create_index(
            "ix_media_programme_line", ["programme_id", "line_id"], unique=False
        )
    for table in ("exercises", "patients"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("media_count", sa.Integer(), server_default="0", nullable=False)
            )


def downgrade():
    for table in ("patients", "exercises"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("media_count")
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.drop_index("ix_media_programme_line")
        batch_op.drop_index(batch_op.f("ix_media_created_by_id"))
        batch_op.drop_index(batch_op.f("ix_media_patient_id"))
        batch_op.drop_index(batch_op.f("ix_media_exercise_id"))
        batch_op.drop_index(batch_op.f("ix_media_clinic_id"))
    op.drop_table("media")

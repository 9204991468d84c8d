"""outcome measures: instruments, schedules, answered measures, patients.outcome_due_on

Revision ID: outcomes_1
Revises: caseload_1
Create Date: 2026-12-02 08:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

import app.models.types

# revision identifiers, used by Alembic.
revision = "outcomes_1"
down_revision = "caseload_1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "outcome_instruments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("wording", sa.JSON(), nullable=True),
        sa.Column("wording_loaded_at", app.models.types.UTCDateTime(), nullable=True),
        sa.Column("updated_at", app.models.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_instruments")),
        sa.UniqueConstraint("slug", name=op.f("uq_outcome_instruments_slug")),
    )
    op.create_table(
        "outcome_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("instrument", sa.String(length=16), nullable=False),
        sa.Column("every_weeks", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_outcome_schedules_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_outcome_schedules_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_schedules")),
        sa.UniqueConstraint(
            "patient_id", "instrument", name=op.f("uq_outcome_schedules_patient_id_instrument")
        ),
    )
    with op.batch_alter_table("outcome_schedules", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outcome_schedules_created_by_id"), ["created_by_id"], unique=False
        )
    op.create_table(
        "outcome_measures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=True),
        sa.Column("instrument", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("answered_at", app.models.types.UTCDateTime(), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=True),
        sa.Column("activities", sa.JSON(), nullable=True),
        sa.Column("score", sa.JSON(), nullable=True),
        sa.Column("instrument_hash", sa.String(length=64), nullable=True),
        sa.Column("licensed_wording", sa.Boolean(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", app.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_outcome_measures_assessment_id_assessments"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_outcome_measures_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["outcome_schedules.id"],
            name=op.f("fk_outcome_measures_schedule_id_outcome_schedules"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_measures")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outcome_measures_event_id")),
    )
    with op.batch_alter_table("outcome_measures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outcome_measures_assessment_id"), ["assessment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outcome_measures_schedule_id"), ["schedule_id"], unique=False
        )
        batch_op.create_index(
            "ix_outcome_measures_patient_due", ["patient_id", "due_on"], unique=False
        )
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outcome_due_on", sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_column("outcome_due_on")
    with op.batch_alter_table("outcome_measures", schema=None) as batch_op:
        batch_op.drop_index("ix_outcome_measures_patient_due")
        batch_op.drop_index(batch_op.f("ix_outcome_measures_schedule_id"))
        batch_op.drop_index(batch_op.f("ix_outcome_measures_assessment_id"))
    op.drop_table("outcome_measures")
    with op.batch_alter_table("outcome_schedules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outcome_schedules_created_by_id"))
    op.drop_table("outcome_schedules")
    op.drop_table("outcome_instruments")

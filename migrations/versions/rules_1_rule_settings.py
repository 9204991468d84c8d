"""Rule settings per programme version, and the library's readiness tests (issue 14)

Revision ID: rules_1
Revises: push_1
"""

import sqlalchemy as sa
from alembic import op

revision = "rules_1"
down_revision = "push_1"
branch_labels = None
depends_on = None

# name -> (type, server default): the clinic's defaults (app/domain/rule_settings.py).
SETTINGS = {
    "adherent_percent": (sa.Integer(), "80"),
    "low_adherence_percent": (sa.Integer(), "50"),
    "silent_days": (sa.Integer(), "3"),
    "min_weeks_in_phase": (sa.Integer(), "2"),
    "stage_gate_pain": (sa.Integer(), "3"),
    "isotonic_reps_max": (sa.Integer(), "15"),
    "hold_max_seconds": (sa.Integer(), "60"),
    "load_step_kg": (sa.Numeric(5, 2, asdecimal=False), "0.5"),
}


def upgrade():
    with op.batch_alter_table("programme_versions", schema=None) as batch_op:
        for name, (kind, default) in SETTINGS.items():
            batch_op.add_column(sa.Column(name, kind, server_default=default, nullable=False))
    with op.batch_alter_table("exercises", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("readiness_test", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("exercises", schema=None) as batch_op:
        batch_op.drop_column("readiness_test")
    with op.batch_alter_table("programme_versions", schema=None) as batch_op:
        for name in reversed(SETTINGS):
            batch_op.drop_column(name)

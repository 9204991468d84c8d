"""the 24-hour answer, reps per set and the phase's test task (issue 14 items 4, 6, 7)

check_ins.settled: the morning-after answer "has the pain settled within 24 hours?"
(None: not asked or not answered); day_summaries.settled: the same on the day it is about.
exercise_logs.reps_done: reps done in each set (None: ticked as prescribed).
programme_phases.test_task: the task the patient rates weekly; check_ins.test_task: which
task a weekly "task" check-in rated; programmes.has_test_tasks: whether any phase has one
(the day page reads them only then, so it keeps its statements otherwise).

Revision ID: inputs_1
Revises: figures_1
Create Date: 2026-12-02 15:45:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "inputs_1"
down_revision = "figures_1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.add_column(sa.Column("settled", sa.Boolean(), nullable=True))
        batch_op.add_column(
            sa.Column("test_task", sa.String(length=120), nullable=False, server_default="")
        )
    with op.batch_alter_table("day_summaries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("settled", sa.Boolean(), nullable=True))
    with op.batch_alter_table("exercise_logs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reps_done", sa.JSON(), nullable=True))
    with op.batch_alter_table("programme_phases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("test_task", sa.String(length=120), nullable=False, server_default="")
        )
    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("has_test_tasks", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.drop_column("has_test_tasks")
    with op.batch_alter_table("programme_phases", schema=None) as batch_op:
        batch_op.drop_column("test_task")
    with op.batch_alter_table("exercise_logs", schema=None) as batch_op:
        batch_op.drop_column("reps_done")
    with op.batch_alter_table("day_summaries", schema=None) as batch_op:
        batch_op.drop_column("settled")
    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.drop_column("test_task")
        batch_op.drop_column("settled")

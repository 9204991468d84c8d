"""exercises walk_run: return-to-running lines are a library attribute

Revision ID: 52ed0403793b
Revises: 5e8f2e115941
Create Date: 2026-12-02 01:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "52ed0403793b"
down_revision = "5e8f2e115941"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("exercises", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("walk_run", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    # Library rows synced before the column existed: mark the lines the app used to pick by
    # slug, so they stay walk-run until the next `flask library sync` sets them from the files.
    exercises = sa.table(
        "exercises",
        sa.column("slug", sa.String),
        sa.column("clinic_id", sa.Integer),
        sa.column("walk_run", sa.Boolean),
    )
    op.execute(
        exercises.update()
        .where(
            exercises.c.clinic_id.is_(None),
            sa.or_(
                exercises.c.slug.like("walk-run-level-%"),
                exercises.c.slug == "continuous-run-30-min",
            ),
        )
        .values(walk_run=sa.true())
    )


def downgrade():
    with op.batch_alter_table("exercises", schema=None) as batch_op:
        batch_op.drop_column("walk_run")

"""programmes seen_version_number: the plan version the patient last said "Got it" to

Revision ID: caseload_1
Revises: words_1
Create Date: 2026-12-02 07:45:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "caseload_1"
down_revision = "words_1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seen_version_number", sa.Integer(), nullable=True))

    # Plans that exist already count as seen: nobody is told about changes made before the
    # notice existed.
    op.execute(
        "UPDATE programmes SET seen_version_number = (SELECT number FROM programme_versions"
        " WHERE programme_versions.id = programmes.current_version_id)"
    )


def downgrade():
    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.drop_column("seen_version_number")

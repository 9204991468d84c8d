"""suggestion_refreshes: the patients whose suggestions the worker must work out again

The sync used to refresh a patient's suggestions after its response, in the web worker;
it now adds one row here in the transaction that stores the ticks, and `flask worker`
refreshes each patient once however many syncs came before its run.

Revision ID: refresh_1
Revises: inputs_1
Create Date: 2026-12-02 20:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

from app.models.types import UTCDateTime

# revision identifiers, used by Alembic.
revision = "refresh_1"
down_revision = "inputs_1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "suggestion_refreshes",
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("due_since", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_suggestion_refreshes_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("patient_id", name=op.f("pk_suggestion_refreshes")),
    )


def downgrade():
    op.drop_table("suggestion_refreshes")

"""exercise figure: the library file's pose keyframes, drawn on every page naming the exercise

Revision ID: figures_1
Revises: media_1
Create Date: 2026-12-02 16:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "figures_1"
down_revision = "media_1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("exercises") as batch_op:
        batch_op.add_column(sa.Column("figure", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("exercises") as batch_op:
        batch_op.drop_column("figure")

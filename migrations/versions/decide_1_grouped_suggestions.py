"""suggestions: why a suggestion was superseded; proposals stored as a decision's lines

Revision ID: decide_1
Revises: sec_1
Create Date: 2026-12-02 08:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "decide_1"
down_revision = "sec_1"
branch_labels = None
depends_on = None

suggestions = sa.table(
    "suggestions",
    sa.column("id", sa.Integer),
    sa.column("version_id", sa.Integer),
    sa.column("line_id", sa.Integer),
    sa.column("rule", sa.String),
    sa.column("reason", sa.Text),
    sa.column("proposal", sa.JSON),
)
prescriptions = sa.table(
    "prescriptions",
    sa.column("version_id", sa.Integer),
    sa.column("line_id", sa.Integer),
    sa.column("exercise_id", sa.Integer),
)
exercises = sa.table("exercises", sa.column("id", sa.Integer), sa.column("name", sa.String))


def upgrade():
    with op.batch_alter_table("suggestions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("superseded_reason", sa.Text(), server_default="", nullable=False)
        )
    # A proposal was one line's change ({"action": ...}); it is now a decision's lines, each
    # with its exercise, rule and reason ({"lines": [{..., "change": {"action": ...}}]}).
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(
            suggestions.c.id,
            suggestions.c.line_id,
            suggestions.c.rule,
            suggestions.c.reason,
            suggestions.c.proposal,
            exercises.c.name,
        )
        .select_from(suggestions)
        .outerjoin(
            prescriptions,
            sa.and_(
                prescriptions.c.version_id == suggestions.c.version_id,
                prescriptions.c.line_id == suggestions.c.line_id,
            ),
        )
        .outerjoin(exercises, exercises.c.id == prescriptions.c.exercise_id)
        .where(suggestions.c.proposal.is_not(None))
    ).all()
    for row in rows:
        if not isinstance(row.proposal, dict) or "action" not in row.proposal:
            continue
        line = {
            "line_id": row.line_id,
            "exercise_name": row.name or "",
            "rule": row.rule,
            "reason": row.reason,
            "change": row.proposal,
        }
        connection.execute(
            suggestions.update()
            .where(suggestions.c.id == row.id)
            .values(proposal={"lines": [line]})
        )


def downgrade():
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(suggestions.c.id, suggestions.c.proposal).where(
            suggestions.c.proposal.is_not(None)
        )
    ).all()
    for row in rows:
        lines = (row.proposal or {}).get("lines") or []
        change = lines[0].get("change") if len(lines) == 1 else None
        connection.execute(
            suggestions.update().where(suggestions.c.id == row.id).values(proposal=change)
        )
    with op.batch_alter_table("suggestions", schema=None) as batch_op:
        batch_op.drop_column("superseded_reason")

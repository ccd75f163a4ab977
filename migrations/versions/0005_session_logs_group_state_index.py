"""An index for the review queue and overdue drafts: session logs by group, state and date.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_session_logs_group_state_date", "session_logs",
                    ["group_id", "state", "session_date"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_session_logs_group_state_date", table_name="session_logs")

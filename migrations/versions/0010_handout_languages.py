"""Handout languages: each group's default and each participant's own.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('groups', sa.Column('handout_language', sa.Enum('en', 'es', name='handoutlanguage', native_enum=False, length=20), server_default='en', nullable=False))
    op.add_column('participants', sa.Column('handout_language', sa.Enum('en', 'es', name='handoutlanguage', native_enum=False, length=20), nullable=True))


def downgrade() -> None:
    op.drop_column('participants', 'handout_language')
    op.drop_column('groups', 'handout_language')

"""Supervisors' co-signatures and returns, with their comments.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('log_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('log_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.Enum('co-signed', 'returned', name='reviewaction', native_enum=False, length=20), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['log_id'], ['session_logs.id'], name=op.f('fk_log_reviews_log_id_session_logs')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_log_reviews_reviewer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_log_reviews'))
    )
    with op.batch_alter_table('log_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_log_reviews_log_id'), ['log_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('log_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_log_reviews_log_id'))

    op.drop_table('log_reviews')

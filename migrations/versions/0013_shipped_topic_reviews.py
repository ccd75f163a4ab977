"""The program's reviews of shipped topics: each decision with the shipped text it concerned.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('shipped_topic_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('decision', sa.Enum('approved', 'changed', 'kept', name='shippedreviewdecision', native_enum=False, length=20), nullable=False),
    sa.Column('shipped_hash', sa.String(length=64), nullable=False),
    sa.Column('shipped_source', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_at', models.UTCDateTime(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.Column('attestation', sa.Text(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_shipped_topic_reviews_decided_by_id_users')),
    sa.ForeignKeyConstraint(['version_id'], ['curriculum_versions.id'], name=op.f('fk_shipped_topic_reviews_version_id_curriculum_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipped_topic_reviews'))
    )
    op.create_index('ix_shipped_topic_reviews_slug', 'shipped_topic_reviews', ['slug', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_shipped_topic_reviews_slug', table_name='shipped_topic_reviews')
    op.drop_table('shipped_topic_reviews')

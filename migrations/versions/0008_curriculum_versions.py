"""Curriculum versions written in the browser, the served-curriculum serial, the topic texts a
signed log covered, and each account's curriculum permission.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    served = op.create_table('served_curriculum',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('serial', sa.Integer(), nullable=False),
    sa.Column('changed_at', models.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_served_curriculum'))
    )
    op.bulk_insert(served, [{"id": 1, "serial": 0}])
    op.create_table('curriculum_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('topic', 'track', name='contentkind', native_enum=False, length=20), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('change_note', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', models.UTCDateTime(), nullable=False),
    sa.Column('base_version_id', sa.Integer(), nullable=True),
    sa.Column('base_hash', sa.String(length=64), nullable=True),
    sa.Column('state', sa.Enum('draft', 'returned', 'approved', 'superseded', 'withdrawn', name='versionstate', native_enum=False, length=20), nullable=False),
    sa.Column('returned_by_id', sa.Integer(), nullable=True),
    sa.Column('returned_at', models.UTCDateTime(), nullable=True),
    sa.Column('return_comment', sa.Text(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', models.UTCDateTime(), nullable=True),
    sa.Column('attestation', sa.Text(), nullable=True),
    sa.Column('approval_comment', sa.Text(), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_at', models.UTCDateTime(), nullable=True),
    sa.Column('withdrawal_comment', sa.Text(), nullable=True),
    sa.Column('superseded_by_version_id', sa.Integer(), nullable=True),
    sa.Column('superseded_at', models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_curriculum_versions_approved_by_id_users')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_curriculum_versions_author_id_users')),
    sa.ForeignKeyConstraint(['base_version_id'], ['curriculum_versions.id'], name=op.f('fk_curriculum_versions_base_version_id_curriculum_versions')),
    sa.ForeignKeyConstraint(['returned_by_id'], ['users.id'], name=op.f('fk_curriculum_versions_returned_by_id_users')),
    sa.ForeignKeyConstraint(['superseded_by_version_id'], ['curriculum_versions.id'], name=op.f('fk_curriculum_versions_superseded_by_version_id_curriculum_versions')),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['users.id'], name=op.f('fk_curriculum_versions_withdrawn_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_curriculum_versions')),
    sa.UniqueConstraint('kind', 'slug', 'number', name=op.f('uq_curriculum_versions_kind'))
    )
    with op.batch_alter_table('curriculum_versions', schema=None) as batch_op:
        batch_op.create_index('ix_curriculum_versions_state', ['state'], unique=False)
        batch_op.create_index('uq_curriculum_versions_approved', ['kind', 'slug'], unique=True, sqlite_where=sa.text("state = 'approved'"), postgresql_where=sa.text("state = 'approved'"))

    op.create_table('taught_topics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('log_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=True),
    sa.Column('version_number', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['log_id'], ['session_logs.id'], name=op.f('fk_taught_topics_log_id_session_logs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_taught_topics')),
    sa.UniqueConstraint('log_id', 'slug', name=op.f('uq_taught_topics_log_id'))
    )

    # Plain ADD COLUMN, not a batch copy: SQLite cannot drop and re-create "users" while
    # other tables' foreign keys point at it.
    op.add_column('users', sa.Column('curriculum_permission', sa.Enum('none', 'editor', 'approver', name='curriculumpermission', native_enum=False, length=20), nullable=False, server_default='none'))


def downgrade() -> None:
    op.drop_column('users', 'curriculum_permission')
    op.drop_table('taught_topics')
    with op.batch_alter_table('curriculum_versions', schema=None) as batch_op:
        batch_op.drop_index('uq_curriculum_versions_approved', sqlite_where=sa.text("state = 'approved'"), postgresql_where=sa.text("state = 'approved'"))
        batch_op.drop_index('ix_curriculum_versions_state')

    op.drop_table('curriculum_versions')
    op.drop_table('served_curriculum')

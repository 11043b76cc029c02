"""delivery recovery: next attempt times for the recovery sweep, staff alerts

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 15:10:00
"""
from alembic import op
import sqlalchemy as sa
import mara.db.models


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('inbound_messages') as batch:
        batch.add_column(sa.Column('next_attempt_at', mara.db.models.UTCDateTime(), nullable=True))
    with op.batch_alter_table('outbound_messages') as batch:
        batch.add_column(sa.Column('next_attempt_at', mara.db.models.UTCDateTime(), nullable=True))
    op.create_table('staff_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('wa_id', sa.String(length=32), nullable=True),
    sa.Column('outbound_id', sa.Integer(), nullable=True),
    sa.Column('inbound_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.String(length=500), nullable=True),
    sa.Column('created_at', mara.db.models.UTCDateTime(), nullable=False),
    sa.Column('resolved_at', mara.db.models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['outbound_id'], ['outbound_messages.id'], ),
    sa.ForeignKeyConstraint(['inbound_id'], ['inbound_messages.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('staff_alerts') as batch:
        batch.create_index('ix_staff_alerts_kind', ['kind'])


def downgrade() -> None:
    op.drop_table('staff_alerts')
    with op.batch_alter_table('outbound_messages') as batch:
        batch.drop_column('next_attempt_at')
    with op.batch_alter_table('inbound_messages') as batch:
        batch.drop_column('next_attempt_at')

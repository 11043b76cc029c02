"""drop unrecognized_messages: every inbound message's NLU result is in inbound_nlu (0007),
which the trainer workspace reads; nothing reads the old table any more

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 08:00:00
"""
from alembic import op
import sqlalchemy as sa
import mara.db.models


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('unrecognized_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unrecognized_messages_wa_id'))
    op.drop_table('unrecognized_messages')


def downgrade() -> None:
    op.create_table('unrecognized_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('wa_id', sa.String(length=32), nullable=False),
    sa.Column('message_sid', sa.String(length=64), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('intent', sa.String(length=64), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('nlu', sa.JSON(), nullable=False),
    sa.Column('received_at', mara.db.models.UTCDateTime(), nullable=False),
    sa.Column('label', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('unrecognized_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unrecognized_messages_wa_id'), ['wa_id'], unique=False)

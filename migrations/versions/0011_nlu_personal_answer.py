"""inbound NLU results: whether the text answered a question for personal data

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('inbound_nlu') as batch:
        batch.add_column(
            sa.Column('personal_answer', sa.Boolean(), nullable=False, server_default='0')
        )


def downgrade() -> None:
    with op.batch_alter_table('inbound_nlu') as batch:
        batch.drop_column('personal_answer')

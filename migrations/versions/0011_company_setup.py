"""qb_tokens.company_setup: the connected company's country, tax setup and currencies (JSON), read at connect
time from CompanyInfo and Preferences (issue 15: tax, terms and currency)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("qb_tokens") as batch:
        batch.add_column(sa.Column("company_setup", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("qb_tokens") as batch:
        batch.drop_column("company_setup")

"""The audit's status_before_paid holds whatever status a person had typed in the row, of any length: TEXT, not
VARCHAR(100) (SQLite never enforced the length; PostgreSQL refuses a longer value)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

AUDIT_TABLES = ("qb_invoice_audit", "qb_bill_audit")


def upgrade() -> None:
    for table in AUDIT_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("status_before_paid", type_=sa.Text, existing_type=sa.String(100),
                               existing_nullable=True)


def downgrade() -> None:
    for table in AUDIT_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("status_before_paid", type_=sa.String(100), existing_type=sa.Text,
                               existing_nullable=True)

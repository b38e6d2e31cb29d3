"""An index from QuickBooks Id to audit row, so reading back what changed costs the changes, not the history

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("qb_invoice_audit", "qb_bill_audit"):
        op.create_index(f"ix_{table}_qb_id", table, ["sheet", "worksheet", "qb_id"])


def downgrade() -> None:
    for table in ("qb_invoice_audit", "qb_bill_audit"):
        op.drop_index(f"ix_{table}_qb_id", table_name=table)

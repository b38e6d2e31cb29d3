"""Indexes for the admin page's and the engine's audit queries, so their cost follows the work, not the history

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

INDEXES = {
    "state_updated": ("sheet", "worksheet", "state", "updated_at"),
    "state_remote": ("sheet", "worksheet", "state", "qb_state", "qb_balance", "qb_total", "qb_due_date"),
}


def upgrade() -> None:
    for table in ("qb_invoice_audit", "qb_bill_audit"):
        for name, columns in INDEXES.items():
            op.create_index(f"ix_{table}_{name}", table, list(columns))


def downgrade() -> None:
    for table in ("qb_invoice_audit", "qb_bill_audit"):
        for name in INDEXES:
            op.drop_index(f"ix_{table}_{name}", table_name=table)

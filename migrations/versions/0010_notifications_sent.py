"""notifications_sent: what has been announced by mail or chat (tracker/notify.py), so that each event is told once

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notifications_sent",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("channels_left", sa.String(40), nullable=False, server_default=""),
        sa.Column("sent_at", sa.Float, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_notifications_sent"),
        sa.UniqueConstraint("kind", "key", name="uq_notifications_sent_kind"),
    )


def downgrade() -> None:
    op.drop_table("notifications_sent")

"""Who may use the administration: administrators and auditors read, only administrators change things."""
from __future__ import annotations

from .errors import Forbidden
from .views import Actor

READERS = ("admin", "auditor")


def require_reader(actor: Actor) -> None:
    """Administrators and auditors may read the admin pages."""
    if not actor.has(*READERS):
        raise Forbidden("只有管理员或审计员可以查看", "Only administrators and auditors may see this")


def require_admin(actor: Actor) -> None:
    """Only administrators change things (auditors read only)."""
    if not actor.has("admin"):
        raise Forbidden("只有管理员可以执行此操作", "Only administrators may do this")

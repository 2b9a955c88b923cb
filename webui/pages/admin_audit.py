"""Admin: the audit trail — filter by actor, action, case and time; export CSV; verify the hash chains.

Read-only by construction: no route here (or anywhere) edits or deletes an audit event.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request, stream_with_context
from flask.typing import ResponseReturnValue

import engine
from engine.runtime import audit_actions, export_audit_csv, list_audit
from webui.pages import common
from webui.pages.admin_common import ADMIN_READERS, actor, arg_date, arg_int, offset, query_args, roles_required

bp = Blueprint("admin_audit", __name__)


def _filters() -> dict[str, Any]:
    args = request.args
    return {"actor_name": args.get("actor") or None, "action": args.get("action") or None,
            "instance_id": arg_int("case"), "since": arg_date("from"), "until": arg_date("to", end=True)}


@bp.get("/admin/audit")
@roles_required(*ADMIN_READERS)
def index() -> ResponseReturnValue:
    page = list_audit(actor(), limit=100, offset=offset(), **_filters())
    return render_template("pages/admin_audit.html", section="audit", page=page, args=query_args(),
                           actions=audit_actions(actor()), verification=None)


@bp.get("/admin/audit.csv")
@roles_required(*ADMIN_READERS)
def export_csv() -> ResponseReturnValue:
    chunks = export_audit_csv(actor(), **_filters())
    body = stream_with_context(_with_bom(chunks))
    name = f"audit-{common.today().isoformat()}.csv"
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f"attachment; filename={name}"})


def _with_bom(chunks: Any) -> Any:
    yield "\ufeff"  # Excel on Chinese Windows reads UTF-8 only with a BOM
    yield from chunks


@bp.get("/admin/audit/verify")
@roles_required(*ADMIN_READERS)
def verify() -> ResponseReturnValue:
    result = engine.verify_audit()
    if request.headers.get("HX-Request"):
        return render_template("pages/admin_audit_verify.html", verification=result)
    page = list_audit(actor(), limit=100)
    return render_template("pages/admin_audit.html", section="audit", page=page, args={},
                           actions=audit_actions(actor()), verification=result)


@bp.app_template_filter("pretty_json")
def pretty_json(value: Any) -> str:
    """Event payloads as readable JSON (Chinese kept as is, not \\u-escaped)."""
    import json
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str)

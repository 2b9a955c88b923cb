"""`/api/v1` for what-if runs: `POST /processes/{key}/what-if` replays the last N months of a process with its latest
deployed version and with a draft (the BPMN sent, or a stored version) on scratch databases and answers the
side-by-side figures (engine.campaign.what_if). It runs synchronously, bounded by the engine's caps (300 cases, 50 s for
the whole request; beyond them the answer says `partial`). Process owners and admins only; nothing is stored.
The route is attached to `webui.api.v1_base.bp`; `webui.api.v1` imports this module before it is registered.
"""
from __future__ import annotations

from flask import Response

from engine.campaign import what_if_compare, what_if_DEFAULT_MONTHS, what_if_MAX_MONTHS
from webui.api import v1_base as _v1
from webui.api.common import check_query, doc, int_field, json_body, json_response, require_role, string_field

bp_routes = _v1.blueprint
BODY = {"type": "object", "additionalProperties": False, "properties": {
    "bpmn": {"type": "string", "description": "the draft's BPMN XML (give this or `version`)"},
    "version": {"type": "integer", "minimum": 1, "description": "a stored version to try instead of a draft"},
    "months": {"type": "integer", "minimum": 1, "maximum": what_if_MAX_MONTHS, "default": what_if_DEFAULT_MONTHS,
               "description": "how many months back to replay (volumes and step delays read from them)"},
    "seed": {"type": "integer", "minimum": 0, "default": 1, "description": "the same seed gives the same answer"}}}


@bp_routes.post("/processes/<key>/what-if")
@doc(summary="What-if: the draft and the deployed version replay the last months side by side (nothing is stored)",
     body=BODY, tag="what-if",
     responses={200: "`{key, name, seed, months, partial, capped, arrivals, limits, basis, measures: [{measure, "
                     "label_zh, label_en, deployed, draft, difference, ratio, change}], steps: [...], deployed, draft, "
                     "notes_zh, notes_en}`",
                403: "not a process owner or admin", 404: "no such process or version",
                400: "bad months or seed, both or neither of bpmn and version, another process's diagram",
                422: "the draft would not deploy (details list its problems)"})
def run_what_if(key: str) -> Response:
    """Replay `months` (1–12, default 3) with the latest deployed version and with the draft; synchronous and capped
    (300 cases, 50 s): a run cut short answers `partial: true` with its notes."""
    check_query(())
    require_role(*_v1.DEPLOYERS)
    body = json_body(("bpmn", "version", "months", "seed"), optional=True)
    bpmn = string_field(body, "bpmn", max_length=5 * 1024 * 1024)
    result = what_if_compare(key, bpmn=bpmn.encode("utf-8") if bpmn is not None else None,
                             version=int_field(body, "version"), months=body.get("months", what_if_DEFAULT_MONTHS),
                             seed=body.get("seed", 1))
    return json_response(result.as_json())

"""Signed task links (签收及反馈链接): a receiving body without a staff login fills exactly one task's form.

Bureau staff who may see the case make a link on the case page (POST, CSRF-checked, audited by the engine as
`task.link_issued`). The link carries the task id and the party, signed with the app's secret key (HMAC-SHA1 via
itsdangerous, salt `safeloop.task-link`) and a timestamp: a changed token answers 404, one older than
`LINK_DAYS` (by the engine's clock) 410, and one whose task is done or cancelled 410 — the link is single-use because the task is. The
form page is in Chinese first, kept out of caches and referrers, and posts back to itself with the anonymous
session's CSRF token like every page form. See docs/security.md (task links).
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, make_response, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

import engine
from engine.campaign import ReferralLettersLetter, referral_letters_letter
from engine.runtime import LinkClosed, LinkedTask, linkable_tasks, open_task, task_links_complete, task_links_issue
from webui import forms_render, session_auth
from webui.i18n import current_locale
from webui.pages import common, files
from webui.pages.auth import error_page
from webui.session_auth import login_required

bp = Blueprint("task_links", __name__)

LINK_DAYS = 60
SALT = "safeloop.task-link"
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


class _ClockSigner(TimestampSigner):
    """Dates links by the engine's clock (the injected one), like every other deadline."""

    def get_timestamp(self) -> int:
        return int(engine.get_clock().now().timestamp())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT, signer=_ClockSigner)


def make_token(task_id: str, party: str) -> str:
    """A signed, timestamped token naming one task and the party it is for."""
    return _serializer().dumps({"t": task_id, "p": party})


def _read(token: str) -> tuple[str, str] | ResponseReturnValue:
    try:
        payload = _serializer().loads(token, max_age=LINK_DAYS * 86400)
    except SignatureExpired:
        return _refusal(410, _("This link has expired. Ask the bureau for a new one."))
    except BadSignature:
        return _refusal(404, _("This link is not valid. Check that it was copied whole."))
    if not isinstance(payload, dict) or not isinstance(payload.get("t"), str) or not isinstance(payload.get("p"), str):
        return _refusal(404, _("This link is not valid. Check that it was copied whole."))
    return payload["t"], payload["p"]


def _refusal(status: int, message: str) -> ResponseReturnValue:
    page, code = error_page(status, message)
    return make_response(page, code, PRIVATE)


def _closed() -> ResponseReturnValue:
    return _refusal(410, _("This link was already used, or the step behind it has ended. Nothing more can be "
                           "submitted through it."))


def _letter(instance_id: int) -> ReferralLettersLetter | None:
    try:
        return referral_letters_letter(engine.SYSTEM, instance_id)
    except engine.NotFound:
        return None


def _render(token: str, linked: LinkedTask, values: dict[str, Any],
            errors: dict[str, list[str]] | None = None, status: int = 200) -> ResponseReturnValue:
    fields = forms_render.fields(linked.schema, values, errors, current_locale())
    page = render_template("pages/task_link.html", token=token, linked=linked, fields=fields,
                           letter=_letter(linked.instance_id), has_errors=bool(errors),
                           multipart=any(f.kind == "file" for f in fields))
    return make_response(page, status, PRIVATE)


@bp.post("/tasks/<task_id>/link")
@login_required
def issue(task_id: str) -> ResponseReturnValue:
    actor = session_auth.require_actor()
    try:
        party = task_links_issue(actor, task_id)
    except engine.EngineError as err:
        return error_page(err.status, common.error_text(err))
    url = url_for("task_links.form", token=make_token(task_id, party), _external=True)
    page = render_template("pages/task_link_issued.html", url=url, party=party, days=LINK_DAYS, task_id=task_id,
                           case_id=request.form.get("case_id", type=int))
    return make_response(page, 200, PRIVATE)


def _opened(token: str) -> Any:
    """The link's task and party, opened — or the refusal page (bad, expired, used or unknown link)."""
    read = _read(token)
    if not isinstance(read, tuple):
        return read
    task_id, party = read
    try:
        return open_task(task_id, party), task_id, party
    except LinkClosed:
        return _closed()
    except engine.NotFound:
        return _refusal(404, _("This link is not valid. Check that it was copied whole."))


@bp.get("/link/<token>")
def form(token: str) -> ResponseReturnValue:
    opened = _opened(token)
    if not isinstance(opened, tuple):
        return opened
    linked = opened[0]
    return _render(token, linked, dict(linked.values))


@bp.post("/link/<token>")
def submit(token: str) -> ResponseReturnValue:
    opened = _opened(token)
    if not isinstance(opened, tuple):
        return opened
    linked, task_id, party = opened
    coerced = forms_render.coerce(linked.schema, request.form, current_locale())
    values = {**coerced.data, **{k: request.form.get(k, "") for k in coerced.errors if "." not in k}}
    try:
        if coerced.errors:
            raise engine.FormInvalid("表单填写有误，请按提示修改", "The form has errors; please correct the marked fields", [])
        next_task = task_links_complete(task_id, party, coerced.data, files.uploads(linked.schema, request.files))
    except engine.FormInvalid as err:
        errors = forms_render.merge_errors(coerced.errors, forms_render.error_map(err.details, current_locale()))
        return _render(token, linked, values, errors, status=422)
    except LinkClosed:
        return _closed()
    except engine.EngineError as err:  # done meanwhile (409), or claimed in the inbox by a committee member
        return _refusal(409, common.error_text(err))
    next_url = url_for("task_links.form", token=make_token(next_task, party), _external=True) if next_task else None
    page = render_template("pages/task_link_done.html", linked=linked, next_url=next_url, days=LINK_DAYS)
    return make_response(page, 200, PRIVATE)


def linkable(actor: engine.Actor, case: engine.InstanceView) -> set[str]:
    """The case's open tasks for which the actor may make a link (shown as a button on the case page)."""
    return linkable_tasks(actor, case.id)

"""The public whistleblower form at /report (举报, seed item 18): no login, a captcha, a rate limit.

A report starts a `whistleblower_intake` case as the system actor; the handler screens it and,
if it holds, opens a `hazard_closure` case with `source='whistleblower'`. The reporter's
`reporter_*` fields stay confidential (the engine masks them for everyone but the handler role).
"""
from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, render_template, request, session
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

import engine
from webui import forms_render
from webui.i18n import current_locale
from webui.pages.auth import error_page
from webui.pages.throttle import Throttle

bp = Blueprint("report", __name__)

INTAKE_PROCESS = "whistleblower_intake"
CAPTCHA_KEY = "report_captcha"
# At most 5 reports per address per hour; a wrong captcha counts too (a bot retries a lot).
report_limit = Throttle(limit=5, window_seconds=3600)


def _schema() -> dict[str, Any] | None:
    try:
        form_key = engine.get_process(INTAKE_PROCESS).start_form
        return engine.get_form(form_key).schema if form_key else None
    except engine.NotFound:
        return None


def _new_captcha() -> str:
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    session[CAPTCHA_KEY] = str(a + b)
    return f"{a} + {b} = ?"


def _captcha_ok() -> bool:
    expected = session.pop(CAPTCHA_KEY, None)  # one try per question
    return expected is not None and (request.form.get("captcha") or "").strip() == expected


def _render(schema: dict[str, Any], values: dict[str, Any], errors: dict[str, list[str]] | None = None,
            captcha_error: str | None = None, status: int = 200) -> ResponseReturnValue:
    fields = forms_render.fields(schema, values, errors, current_locale(), skip_files=True)
    return render_template("pages/report.html", fields=fields, question=_new_captcha(), captcha_error=captcha_error,
                           has_errors=bool(errors)), status


@bp.get("/report")
def form() -> ResponseReturnValue:
    schema = _schema()
    if schema is None:
        return error_page(503, _("Reports cannot be received online right now. Please call the bureau's hotline."))
    return _render(schema, {"anonymous": True})


@bp.post("/report")
def submit() -> ResponseReturnValue:
    schema = _schema()
    if schema is None:
        return error_page(503, _("Reports cannot be received online right now. Please call the bureau's hotline."))
    address = request.remote_addr or "unknown"
    coerced = forms_render.coerce(schema, request.form, current_locale(), skip_files=True)
    values = {**coerced.data, **{k: request.form.get(k, "") for k in coerced.errors}}
    if report_limit.blocked(address):
        return _render(schema, values, captcha_error=_("Too many reports from this address. Please try again later."),
                       status=429)
    report_limit.hit(address)
    if not _captcha_ok():  # say at once what else is missing, so the next try can succeed
        missing = forms_render.missing_required(schema, coerced.data, _("Fill in this field."))
        return _render(schema, values, forms_render.merge_errors(coerced.errors, missing) or None,
                       captcha_error=_("The answer to the question was wrong. Try the new question."), status=422)
    try:
        if coerced.errors:
            raise engine.FormInvalid("表单填写有误，请按提示修改", "The form has errors; please correct the marked fields", [])
        data = dict(coerced.data)
        if "case_title" in (schema.get("properties") or {}) and data.get("enterprise_name"):
            data["case_title"] = f"举报：{str(data['enterprise_name']).strip()}"[:300]  # the case's title in every list
        case = engine.start_instance(engine.SYSTEM, INTAKE_PROCESS, data,
                                     business_key=f"JB-{secrets.token_hex(4).upper()}")
    except engine.FormInvalid as err:
        errors = forms_render.merge_errors(coerced.errors, forms_render.error_map(err.details, current_locale()))
        return _render(schema, values, errors, status=422)
    return render_template("pages/report_done.html", reference=case.business_key)

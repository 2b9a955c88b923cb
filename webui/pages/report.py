"""The public whistleblower form at /report (举报, seed item 18): no login, a captcha, a rate limit, photos;
and /report/status, where the reference number and the secret shown once after filing tell the reporter the
report's stage and the handlers' public replies.

A report starts a `whistleblower_intake` case as the system actor; the handler screens it and,
if it holds, opens a `hazard_closure` case with `source='whistleblower'`. The reporter's
`reporter_*` fields stay confidential (the engine masks them for everyone but the handler role).
"""
from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, make_response, render_template, request, session
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

import engine
from engine.runtime import AttachmentsUpload
from webui import forms_render
from webui.i18n import current_locale
from webui.pages.auth import error_page
from webui.pages.files import upload_name
from webui.pages.throttle import Throttle

bp = Blueprint("report", __name__)

INTAKE_PROCESS = "whistleblower_intake"
CAPTCHA_KEY = "report_captcha"
# At most 5 reports per address per hour; a wrong captcha counts too (a bot retries a lot).
report_limit = Throttle(limit=5, window_seconds=3600)
# At most 10 status lookups per address per hour, right or wrong: a guesser gets nowhere, a reporter is not hindered.
status_limit = Throttle(limit=10, window_seconds=3600)
NO_STORE = {"Cache-Control": "no-store"}  # pages with the secret or a report's progress stay out of caches


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


def _file_note(schema: dict[str, Any]) -> str:
    limits = [spec.get("maxItems") for spec in (schema.get("properties") or {}).values()
              if forms_render.is_file_field(spec) and isinstance(spec.get("maxItems"), int)]
    count = min(limits) if limits else 10
    return _("Up to %(n)s photos (JPEG, PNG, GIF or WebP). If the form shows an error, choose them again.", n=count)


def _render(schema: dict[str, Any], values: dict[str, Any], errors: dict[str, list[str]] | None = None,
            captcha_error: str | None = None, status: int = 200) -> ResponseReturnValue:
    fields = forms_render.fields(schema, values, errors, current_locale())
    return render_template("pages/report.html", fields=fields, question=_new_captcha(), captcha_error=captcha_error,
                           has_errors=bool(errors), file_help=_file_note(schema),
                           multipart=any(f.kind == "file" for f in fields)), status


def _uploads(schema: dict[str, Any]) -> list[AttachmentsUpload]:
    out = []
    for name, spec in (schema.get("properties") or {}).items():
        if forms_render.is_file_field(spec):
            out += [AttachmentsUpload(name, f.filename or "photo", f.mimetype or "", f.read())
                    for f in request.files.getlist(upload_name(name)) if f and f.filename]
    return out


def _unavailable() -> ResponseReturnValue:
    return error_page(503, _("Reports cannot be received online right now. Please call the bureau's hotline."))


@bp.get("/report")
def form() -> ResponseReturnValue:
    schema = _schema()
    if schema is None:
        return _unavailable()
    return _render(schema, {"anonymous": True})


@bp.post("/report")
def submit() -> ResponseReturnValue:
    schema = _schema()
    if schema is None:
        return _unavailable()
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
        filed = engine.file_report(INTAKE_PROCESS, data, _uploads(schema))
    except engine.FormInvalid as err:
        errors = forms_render.merge_errors(coerced.errors, forms_render.error_map(err.details, current_locale()))
        return _render(schema, values, errors, status=422)
    page = render_template("pages/report_done.html", reference=filed.reference, secret=filed.secret)
    return make_response(page, 200, NO_STORE)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_err: RequestEntityTooLarge) -> ResponseReturnValue:
    return error_page(413, _("The photos are too large together. Send fewer or smaller photos."))


def _status_page(status: engine.ReportStatus | None = None, error: str | None = None, reference: str = "",
                 code: int = 200) -> ResponseReturnValue:
    page = render_template("pages/report_status.html", status=status, error=error, reference=reference,
                           stages=list(engine.ReportStage))
    return make_response(page, code, NO_STORE)


@bp.get("/report/status")
def status_form() -> ResponseReturnValue:
    return _status_page()


@bp.post("/report/status")
def status_lookup() -> ResponseReturnValue:
    address = request.remote_addr or "unknown"
    reference = (request.form.get("reference") or "").strip()[:40]
    if status_limit.blocked(address):
        return _status_page(error=_("Too many lookups from this address. Please try again in an hour."),
                            reference=reference, code=429)
    status_limit.hit(address)
    try:
        status = engine.report_status(reference, (request.form.get("secret") or "").strip()[:60])
    except engine.NotFound:  # one message for an unknown number and a wrong secret: nothing to learn by guessing
        return _status_page(error=_("The reference number or the secret is not correct. Check both and try again."),
                            reference=reference, code=404)
    return _status_page(status)

"""Process owners' list of processes: versions, who deployed them, running cases; download, upload, compare."""
from __future__ import annotations

from itertools import groupby

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

import engine
from engine.runtime import compare_versions
from webui.pages import bpmn_terms, common
from webui.pages.admin_common import MODELERS, PROCESS_READERS, actor, roles_required
from webui.pages.auth import error_page

bp = Blueprint("admin_processes", __name__)


def _grouped() -> list[tuple[str, list[engine.ProcessVersion]]]:
    versions = engine.list_processes(all_versions=True)
    return [(key, list(rows)) for key, rows in groupby(versions, key=lambda v: v.key)]


@bp.get("/processes")
@roles_required(*PROCESS_READERS)
def index() -> ResponseReturnValue:
    return render_template("pages/admin_processes.html", processes=_grouped(), problems=[],
                           can_model=actor().has(*MODELERS))


@bp.get("/processes/<key>/v<int:version>.bpmn")
@roles_required(*PROCESS_READERS)
def download(key: str, version: int) -> ResponseReturnValue:
    try:
        xml = engine.get_bpmn(key, version)
    except engine.NotFound as err:
        return error_page(404, common.error_text(err))
    disposition = "inline" if request.args.get("inline") else f"attachment; filename={key}-v{version}.bpmn"
    return Response(xml, mimetype="application/xml", headers={"Content-Disposition": disposition})


@bp.post("/processes/upload")
@roles_required(*MODELERS)
def upload() -> ResponseReturnValue:
    file = request.files.get("file")
    if file is None or not file.filename:
        flash(_("Choose a .bpmn file to upload."), "error")
        return redirect(url_for(".index"))
    try:
        result = engine.deploy(file.read(), actor=actor().username)
    except engine.DefinitionInvalid as err:
        flash(common.error_text(err), "error")
        return render_template("pages/admin_processes.html", processes=_grouped(), problems=err.details or [],
                               can_model=True, uploaded=file.filename), 422
    except engine.EngineError as err:
        common.flash_error(err)
        return redirect(url_for(".index"))
    p = result.process
    if result.created:
        flash(_("Deployed %(name)s as version %(version)s.", name=p.name, version=p.version), "success")
    else:
        flash(_("%(name)s is unchanged: version %(version)s stays the newest.", name=p.name, version=p.version), "info")
    return redirect(url_for(".index"))


@bp.get("/processes/<key>/compare")
@roles_required(*PROCESS_READERS)
def compare(key: str) -> ResponseReturnValue:
    versions = [v for k, rows in _grouped() if k == key for v in rows]
    if not versions:
        return error_page(404, _("No such process."))
    newest = versions[0].version
    new = request.args.get("new", newest, type=int) or newest
    old = request.args.get("old", max(1, new - 1), type=int) or 1
    try:
        diff = compare_versions(key, old, new)
    except engine.NotFound as err:
        return error_page(404, common.error_text(err))
    return render_template("pages/admin_compare.html", key=key, versions=versions, diff=diff,
                           process=versions[0], terms=bpmn_terms)

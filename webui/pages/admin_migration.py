"""Move running cases of a process to a newer version: check first, then one case or a whole version."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

import engine
from engine.runtime import check_migration, migrate_instance, migrate_version
from webui.pages import common
from webui.pages.admin_common import MODELERS, actor, roles_required
from webui.pages.auth import error_page

bp = Blueprint("admin_migration", __name__)


@bp.get("/processes/<key>/migrate")
@roles_required(*MODELERS)
def index(key: str) -> ResponseReturnValue:
    versions = [v for v in engine.list_processes(all_versions=True) if v.key == key]
    if not versions:
        return error_page(404, _("No such process."))
    check = None
    case_id = request.args.get("case", type=int)
    if case_id:
        try:
            check = check_migration(actor(), case_id, request.args.get("to", type=int))
        except engine.EngineError as err:
            common.flash_error(err)
    return render_template("pages/admin_migration.html", section="processes", key=key, versions=versions,
                           newest=versions[0], check=check, case_id=case_id)


@bp.post("/processes/<key>/migrate")
@roles_required(*MODELERS)
def run(key: str) -> ResponseReturnValue:
    form = request.form
    to_version = form.get("to", type=int)
    try:
        if form.get("case", type=int):
            result = migrate_instance(actor(), form.get("case", type=int) or 0, to_version)
            flash(_("Case #%(id)s now runs on version %(v)s.", id=result.instance_id, v=result.to_version), "success")
            return redirect(url_for(".index", key=key))
        batch = migrate_version(actor(), key, form.get("from", type=int) or 0, to_version)
    except engine.Conflict as err:
        flash(common.error_text(err), "error")
        return redirect(url_for(".index", key=key, case=form.get("case"), to=to_version))
    except engine.EngineError as err:
        common.flash_error(err)
        return redirect(url_for(".index", key=key))
    flash(_("%(moved)s case(s) moved; %(refused)s refused.", moved=len(batch.migrated), refused=len(batch.refused)),
          "success" if not batch.refused else "warning")
    return render_template("pages/admin_migration.html", section="processes", key=key,
                           versions=[v for v in engine.list_processes(all_versions=True) if v.key == key],
                           newest=engine.get_process(key), check=None, case_id=None, batch=batch)

"""The responsibility list (权责清单, item 2): every bureau section with its duties, leader in charge and the people
responsible (bureau staff only). The same line shows on each register's page (`registers.show`)."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

import engine
from engine.campaign import responsibilities_listing
from webui import session_auth
from webui.pages.auth import error_page
from webui.session_auth import login_required

bp = Blueprint("responsibilities", __name__)


@bp.get("/responsibilities")
@login_required
def index() -> ResponseReturnValue:
    try:
        sections = responsibilities_listing(session_auth.require_actor())
    except engine.Forbidden:
        return error_page(403, _("The responsibility list is for bureau staff."))
    return render_template("pages/responsibilities.html", sections=sections)

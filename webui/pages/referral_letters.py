"""The referral letter (移送函) and the formal inquiry letter (函询函) of a referral case: a printable page, and the
same page as a downloadable HTML file (its own print stylesheet, no other asset), for bureau staff who may see the
case. The letter's content comes from `engine.campaign.referral_letters`; the page adds nothing but layout."""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

import engine
from engine.campaign import referral_letters_letter
from webui import session_auth
from webui.pages.auth import error_page
from webui.session_auth import login_required

bp = Blueprint("letters", __name__)
TITLES = {"referral": "移送函", "inquiry": "函询函"}


@bp.get("/cases/<int:instance_id>/letters/<kind>")
@login_required
def show(instance_id: int, kind: str) -> ResponseReturnValue:
    actor = session_auth.require_actor()
    if kind not in TITLES:
        return error_page(404, _("There is no such letter for this case."))
    try:
        letter = referral_letters_letter(actor, instance_id, kind)
    except engine.NotFound:
        return error_page(404, _("There is no such letter for this case."))
    download = request.args.get("download") == "1"
    page = render_template("pages/referral_letter.html", letter=letter, title=TITLES[kind], download=download)
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"
    if download:
        name = f"{TITLES[kind]}-{letter.number}.html"
        response.headers["Content-Disposition"] = f"attachment; filename=\"letter-{letter.case_id}.html\"; filename*=UTF-8''{quote(name)}"
    return response

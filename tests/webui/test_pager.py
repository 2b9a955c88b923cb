"""The shared previous/next links of paged lists (`_macros.html` `pager`)."""
from __future__ import annotations

import re

import engine


def links(app, page: engine.Page, args: dict | None = None) -> list[tuple[str, str]]:
    with app.test_request_context("/register"):
        macro = app.jinja_env.get_template("_macros.html").module.pager
        html = str(macro("register.index", page, args or {}))
    return re.findall(r'href="([^"]+)">([^<]+)</a>', html)


def test_the_pager_keeps_the_filters_and_clamps_at_the_first_page(app):
    middle = engine.Page((), 120, 50, 30)
    assert links(app, middle, {"level": "major"}) == [("/register?offset=0&amp;level=major", "上一页"),
                                                    ("/register?offset=80&amp;level=major", "下一页")]
    assert links(app, engine.Page((), 20, 50, 0)) == []
    assert links(app, engine.Page((), 120, 50, 100)) == [("/register?offset=50", "上一页")]

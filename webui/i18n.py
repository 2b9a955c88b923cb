"""Languages of the web UI: Simplified Chinese first, English second (Flask-Babel).

The locale of a page comes from, in order: a `?lang=` parameter (which is also remembered
in the session, so the language switch sticks), the session, and otherwise Chinese. The
browser's Accept-Language is deliberately not consulted: bureau and enterprise computers
often ship with an English browser, and a clerk who never chose English must not get it.
(The JSON API is different: its error messages follow Accept-Language, see api/errors.py.) Message ids in the code are English; the Chinese catalog carries the
Chinese text and `translations/en` is (nearly) empty, so English falls back to the ids.

We call the Chinese locale `zh_CN` (URLs, session, templates), but its catalog lives in
`translations/zh_Hans_CN/`: Babel expands `zh_CN` to the CLDR id `zh_Hans_CN` and gettext
looks for that directory name (or `zh`), never for `zh_CN`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, request, session
from flask_babel import Babel, get_locale

DEFAULT_LOCALE = "zh_CN"
LOCALES = ("zh_CN", "en")
# Each language is named in itself, so a reader can find their own in either UI language.
LOCALE_NAMES = {"zh_CN": "中文", "en": "English"}
HTML_LANG = {"zh_CN": "zh-CN", "en": "en"}
QUERY_PARAM = "lang"
SESSION_KEY = "lang"


def normalize(tag: str | None) -> str | None:
    """Map a language tag such as `zh`, `zh-CN`, `zh_Hans` or `en-US` to one of `LOCALES`."""
    primary = (tag or "").strip().replace("_", "-").split("-")[0].lower()
    # Every Chinese variant reads the Simplified catalog; it beats an English fallback.
    return {"zh": "zh_CN", "en": "en"}.get(primary)


def select_locale() -> str:
    """Return the locale for the current request (Flask-Babel's locale selector)."""
    requested = normalize(request.args.get(QUERY_PARAM))
    if requested:
        session[SESSION_KEY] = requested
        return requested
    return normalize(session.get(SESSION_KEY)) or DEFAULT_LOCALE


def current_locale() -> str:
    """Return the request's locale as one of `LOCALES` (e.g. for picking a form label)."""
    return normalize(str(get_locale())) or DEFAULT_LOCALE


def lang_url(locale: str) -> str:
    """Return the current page's URL with its language switched to `locale`."""
    args = request.args.to_dict(flat=False)
    args[QUERY_PARAM] = [locale]
    return f"{request.path}?{urlencode(args, doseq=True)}"


def _template_context() -> dict[str, object]:
    locale = current_locale()
    return {
        "current_locale": locale,
        "html_lang": HTML_LANG[locale],
        "locale_names": LOCALE_NAMES,
        "lang_url": lang_url,
    }


def init_app(app: Flask) -> Babel:
    """Attach Flask-Babel to `app` with our locale selector and template helpers."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
    babel = Babel(app, locale_selector=select_locale)
    app.context_processor(_template_context)
    return babel

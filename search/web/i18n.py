"""Languages of the HTML pages: German by default, English as the alternative.

:func:`init_app` sets up Flask-Babel (catalogues in ``translations/``, English source strings), the locale
choice, and the Jinja filters and globals the templates use. The locale is, in this order: the ``lang``
parameter of the URL (kept in every link the pages generate, so an address always shows the same
language), then the browser's ``Accept-Language``, then German.

Numbers and dates are formatted by Babel (CLDR) in the active locale through :mod:`search.labels`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_datetime
from flask import Flask, Response, g, has_request_context, request
from flask_babel import Babel, get_locale

from search.core.labels import SUPPORTED_LOCALES, country_label, locale_or_default, number_label, period_label
from search.core.settings import PROJECT_ROOT

TRANSLATIONS_DIR = PROJECT_ROOT / "translations"
DEFAULT_LOCALE = "de"
LANGUAGE_NAMES = {"de": "Deutsch", "en": "English"}
try:
    DISPLAY_TIMEZONE = ZoneInfo("Europe/Berlin")
except ZoneInfoNotFoundError:  # pragma: no cover - a system without time zone data
    DISPLAY_TIMEZONE = dt.UTC


def select_locale() -> str:
    """``lang=`` of the URL, else the best of ``Accept-Language``, else German."""
    if not has_request_context():
        return DEFAULT_LOCALE
    explicit = request.args.get("lang")
    if explicit:
        return locale_or_default(explicit)
    g.locale_from_header = True  # this answer depends on Accept-Language: it says so in Vary
    best = request.accept_languages.best_match(SUPPORTED_LOCALES)
    return locale_or_default(best or DEFAULT_LOCALE)


def current_lang() -> str:
    """The active locale's language code (``de`` or ``en``)."""
    if not has_request_context():
        return DEFAULT_LOCALE
    loc = get_locale()
    return locale_or_default(loc.language if loc else DEFAULT_LOCALE)


def explicit_lang() -> str | None:
    """The ``lang`` parameter when the URL has a valid one (then links keep it), else None."""
    if not has_request_context():
        return None
    raw = request.args.get("lang")
    return locale_or_default(raw) if raw else None


# ----------------------------------------------------------------------------- filters


def date_filter(value: object) -> str:
    """``2018-05-31`` -> ``31. Mai 2018``; ``2018-05`` -> ``Mai 2018``; ``2018`` as is (active locale)."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime | dt.date):
        value = value.isoformat()[:10]
    return period_label(str(value), current_lang())


def number_filter(value: object) -> str:
    """``1234`` -> ``1.234`` (German) / ``1,234`` (English)."""
    try:
        return number_label(value, current_lang())  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)


def datetime_filter(value: object) -> str:
    """An ISO timestamp (UTC) -> a long local date and time in the active locale."""
    if not value:
        return ""
    try:
        stamp = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.UTC)
    return format_datetime(stamp, "long", tzinfo=DISPLAY_TIMEZONE, locale=current_lang())


def month_short_filter(value: object) -> str:
    """Axis labels: ``2018-05`` -> ``Mai 2018``/``May 2018`` abbreviated; a year stays a year."""
    text = str(value or "")
    if len(text) == 7 and text[4] == "-":
        try:
            return format_date(dt.date(int(text[:4]), int(text[5:]), 1), "MMM y", locale=current_lang())
        except ValueError:
            return text
    return text


def country_filter(code: str) -> str:
    """An ISO 3166-1 alpha-2 code -> the country's name in the active locale."""
    return country_label(str(code or ""), current_lang())


def domid(*parts: object) -> str:
    """A stable, valid HTML id for a facet value (the same value gets the same id on every page)."""
    raw = "\x1f".join(str(p) for p in parts)
    head = "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in str(parts[0]))[:20]
    return f"{head}-{hashlib.blake2s(raw.encode('utf-8'), digest_size=5).hexdigest()}"


def init_app(app: Flask) -> None:
    """Flask-Babel, locale selection, and the template filters/globals (call once from ``create_app``)."""
    if "babel" in app.extensions:
        return
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    Babel(app, locale_selector=select_locale)
    app.jinja_env.filters.update(
        {
            "date_label": date_filter,
            "number": number_filter,
            "datetime_label": datetime_filter,
            "country": country_filter,
            "month_short": month_short_filter,
            "domid": domid,
        }
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def _i18n_globals() -> dict:
        lang = current_lang()
        return {
            "lang": lang,
            "explicit_lang": explicit_lang(),
            "language_names": LANGUAGE_NAMES,
            "other_langs": [code for code in SUPPORTED_LOCALES if code != lang],
        }

    @app.after_request
    def _vary(response: Response) -> Response:
        # The same URL without lang= may come back in another language, depending on Accept-Language: HTML,
        # the API's labels, suggestions, OpenSearch, error messages. Whatever chose the language from the
        # header marked the request (select_locale), so a cache keeps one answer per language.
        if g.get("locale_from_header"):
            response.vary.add("Accept-Language")
        return response

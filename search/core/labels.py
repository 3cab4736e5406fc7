"""Display labels for facet values, localised with Babel (CLDR): country names, months, numbers, dates."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal

SUPPORTED_LOCALES = ("de", "en")


def locale_or_default(lang: str | None) -> str:
    """``de`` unless ``lang`` names a supported locale (``en``, ``en-GB`` ...)."""
    code = (lang or "").replace("_", "-").split("-")[0].lower()
    return code if code in SUPPORTED_LOCALES else "de"


@lru_cache(maxsize=8)
def territories(lang: str) -> dict[str, str]:
    """CLDR territory names in ``lang`` by code (cached: Babel parses its data per call)."""
    return dict(Locale.parse(lang).territories)


def country_label(code: str, lang: str = "de") -> str:
    """CLDR name of an ISO 3166-1 alpha-2 code in ``lang`` (the code itself when CLDR has none)."""
    return territories(locale_or_default(lang)).get(code.upper(), code)


#: The label of the articles without a date (the date facet's value ``none``), per language.
UNDATED_LABELS = {"de": "ohne Datum", "en": "undated"}


def period_label(value: str, lang: str = "de") -> str:
    """``2018`` -> ``2018``; ``2018-05`` -> ``Mai 2018`` / ``May 2018``; ``2018-05-31`` -> ``31. Mai 2018``."""
    if value == "none":
        return UNDATED_LABELS[locale_or_default(lang)]
    parts = value.split("-")
    try:
        if len(parts) == 2:
            return format_date(
                dt.date(int(parts[0]), int(parts[1]), 1), "LLLL y", locale=locale_or_default(lang)
            )
        if len(parts) == 3:
            return format_date(dt.date(*map(int, parts)), "long", locale=locale_or_default(lang))
    except ValueError:
        pass
    return value


def date_label(date: dt.date, lang: str = "de") -> str:
    """``31. Mai 2018`` / ``May 31, 2018``."""
    return format_date(date, "long", locale=locale_or_default(lang))


def number_label(n: float, lang: str = "de") -> str:
    """``1.234`` / ``1,234``."""
    return format_decimal(n, locale=locale_or_default(lang))


@lru_cache(maxsize=65_536)
def label(facet: str, value: str, lang: str = "de") -> str:
    """The label of a facet value."""
    if facet == "country":
        return country_label(value, lang)
    if facet in ("date", "mentioned"):
        return period_label(value, lang)
    return value

"""The OpenAPI 3.1 document of the JSON API: ``openapi_base.json`` with the facet parts filled in from the
facet registry (:mod:`search.core.facets`), so a new facet appears in the document without editing it."""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from search.core.facets import COUNTRY, FACET_NAMES, FACETS, OPS, PERIOD, UNDATED
from search.core.params import CERTAIN_PARAM

BASE_PATH = Path(__file__).with_name("openapi_base.json")
#: The endpoints that take a whole search (q, the facet filters, the date range).
SEARCH_PATHS = ("/api/search", "/api/export", "/feed")
#: The value patterns of the facet kinds, as JSON Schema writes them.
#: (a country: an ISO code, or a name the engine resolves; the parameter check in search.core.facets is exact)
PATTERNS = {COUNTRY: "^([A-Za-z]{2}|[^0-9]{3,200})$", PERIOD: "^\\d{4}(-\\d{2})?$"}
#: A period facet that counts the articles without a value takes ``none`` too.
UNDATED_PATTERN = "^(\\d{4}(-\\d{2})?|" + UNDATED + ")$"
#: ``date_certain``, next to ``date_to`` wherever a search is taken (see :mod:`search.core.params`).
CERTAIN_PARAMETER = {
    "name": CERTAIN_PARAM,
    "in": "query",
    "required": False,
    "description": "1: leave out articles whose publication date is estimated from their text (dates from "
    "metadata, the file path or a date line stay; undated articles stay, date=none selects them)",
    "schema": {"type": "integer", "enum": [0, 1], "default": 0},
}
#: ``exact``, after the facet filters wherever a search is taken: the words as typed, never auto-corrected.
EXACT_PARAMETER = {
    "name": "exact",
    "in": "query",
    "required": False,
    "description": "1: search the words exactly as typed. Without it, a plain query that finds nothing is "
    "searched with a confident spelling correction instead (reported as corrected in the response)",
    "schema": {"type": "integer", "enum": [0, 1], "default": 0},
}


def _op_parameter(facet: Any) -> dict[str, Any]:
    """``person_op`` etc.: how several values of the facet combine (the registry's default)."""
    return {
        "name": facet.op_param,
        "in": "query",
        "required": False,
        "description": f"How several {facet.name} values combine: and = articles having all of them, or = "
        "any of them. The facet's counts follow it: with and, the hits within the current result that have "
        "the value; with or, the hits if the value is added (the facet's own selection left out).",
        "schema": {"type": "string", "enum": list(OPS), "default": facet.default_op},
    }


def _facet_parameter(facet: Any) -> dict[str, Any]:
    items: dict[str, Any] = {"type": "string"}
    if facet.kind in PATTERNS:
        items["pattern"] = UNDATED_PATTERN if facet.undated else PATTERNS[facet.kind]
    return {
        "name": facet.name,
        "in": "query",
        "required": False,
        "description": facet.description,
        "schema": {"type": "array", "items": items},
        "style": "form",
        "explode": True,
    }


@lru_cache(maxsize=1)
def _document() -> dict[str, Any]:
    doc = json.loads(BASE_PATH.read_text(encoding="utf-8"))
    for path in SEARCH_PATHS:  # the facet filters follow q wherever a search is taken
        params = doc["paths"][path]["get"]["parameters"]
        at = next(i for i, p in enumerate(params) if p["name"] == "q") + 1
        params[at:at] = [p for f in FACETS for p in (_facet_parameter(f), _op_parameter(f))] + [
            EXACT_PARAMETER
        ]
    for item in doc["paths"].values():
        params = item.get("get", {}).get("parameters", [])
        at = next((i for i, p in enumerate(params) if p.get("name") == "date_to"), None)
        if at is not None:
            params.insert(at + 1, CERTAIN_PARAMETER)
    doc["paths"]["/api/facets/{name}"]["get"]["parameters"][0]["schema"]["enum"] = list(FACET_NAMES)
    doc["components"]["schemas"]["SearchResponse"]["properties"]["facets"]["required"] = list(FACET_NAMES)
    return doc


def openapi_document() -> dict[str, Any]:
    """The whole document (a copy: callers may change it)."""
    return copy.deepcopy(_document())

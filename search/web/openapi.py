"""The OpenAPI 3.1 document of the JSON API: ``openapi_base.json`` with the facet parts filled in from the
facet registry (:mod:`search.core.facets`), so a new facet appears in the document without editing it."""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from search.core.facets import COUNTRY, FACET_NAMES, FACETS, PERIOD

BASE_PATH = Path(__file__).with_name("openapi_base.json")
#: The endpoints that take a whole search (q, the facet filters, the date range).
SEARCH_PATHS = ("/api/search", "/api/export", "/feed")
#: The value patterns of the facet kinds, as JSON Schema writes them.
PATTERNS = {COUNTRY: "^[A-Za-z]{2}$", PERIOD: "^\\d{4}(-\\d{2})?$"}


def _facet_parameter(facet: Any) -> dict[str, Any]:
    items: dict[str, Any] = {"type": "string"}
    if facet.kind in PATTERNS:
        items["pattern"] = PATTERNS[facet.kind]
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
        params[at:at] = [_facet_parameter(f) for f in FACETS]
    doc["paths"]["/api/facets/{name}"]["get"]["parameters"][0]["schema"]["enum"] = list(FACET_NAMES)
    doc["components"]["schemas"]["SearchResponse"]["properties"]["facets"]["required"] = list(FACET_NAMES)
    return doc


def openapi_document() -> dict[str, Any]:
    """The whole document (a copy: callers may change it)."""
    return copy.deepcopy(_document())

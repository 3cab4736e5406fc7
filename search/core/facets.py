"""The facet registry: the one list of facets from which everything else is derived.

URL and API parameters (:mod:`search.core.params`), the index fields an engine fills and counts, the web
sidebar's panels and chips, and the OpenAPI document all read :data:`FACETS`. Adding a facet means adding
one :class:`Facet` here (and the values to the documents an engine indexes); nothing else lists them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


def N_(message: str) -> str:
    """Mark an English message for translation; the web layer translates it when it renders."""
    return message


#: Value kinds: how a filter value is validated and labelled.
ENTITY, COUNTRY, PERIOD, TEXT = "entity", "country", "period", "text"

_PATTERNS = {
    # an ISO code, or a country's name as people write it (the engine resolves it: Nordkorea -> KP)
    COUNTRY: re.compile(r"(?:[A-Za-z]{2}|[^\W\d_]{3,}(?:[ .'’-]+[^\W\d_]+)*)\Z"),
    PERIOD: re.compile(r"\d{4}(?:-(?:0[1-9]|1[0-2]))?\Z"),
}
#: How several values of one facet combine: ``and`` (articles having all of them) or ``or`` (any of them).
AND, OR = "and", "or"
OPS = (AND, OR)
#: The parameter that chooses a facet's logic: ``person_op=or``.
OP_SUFFIX = "_op"
#: The value of the articles without a value in a facet that counts them (``date=none``: "ohne Datum").
UNDATED = "none"
_UNDATED_PATTERN = re.compile(r"(?:\d{4}(?:-(?:0[1-9]|1[0-2]))?|" + UNDATED + r")\Z")


@dataclass(frozen=True)
class Facet:
    """One facet: its public name, where an engine keeps it, and how people see and filter it."""

    name: str  # URL/API parameter and key of the response's ``facets``
    field: str  # index field holding the values (a keyword field with one term per value)
    kind: str  # ENTITY | COUNTRY | PERIOD | TEXT: validation and labels
    title: str  # panel heading (English msgid)
    item: str  # the name of one value, for filter chips ("Person: Donald Trump") (English msgid)
    description: str  # the API parameter's description in the OpenAPI document
    mentions_field: str | None = None  # per-mention field: filtering ranks by how often an article names it
    entity_page: str | None = None  # web endpoint of the value's own page (persons and countries)
    searchable: bool = False  # the sidebar offers a box to search within the values
    more_link: bool = True  # the panel offers "more"/"fewer" values (a date tree shows its years anyway)
    grouped: bool = False  # the panel groups months under their years
    # articles without a value are counted (and filterable) as UNDATED, not dropped; estimated values are
    # counted apart (the publication date: an estimate from the text is not a date from metadata)
    undated: bool = False
    # how several ticked values combine unless the request says otherwise (``person_op``): persons and
    # countries AND (articles naming all of them), periods and sources OR (an article has one of each)
    default_op: str = OR

    @property
    def op_param(self) -> str:
        """The parameter that chooses this facet's logic (``person_op``)."""
        return self.name + OP_SUFFIX

    @property
    def chronological(self) -> bool:
        """Values are periods: ordered by time, not by count."""
        return self.kind == PERIOD

    @property
    def pattern(self) -> re.Pattern[str] | None:
        """What a valid filter value looks like (None: any text)."""
        return _UNDATED_PATTERN if self.undated else _PATTERNS.get(self.kind)

    def normalise(self, value: str) -> str:
        """The canonical form of a valid filter value (country codes in upper case)."""
        is_code = self.kind == COUNTRY and len(value) == 2 and value.isascii()
        return value.upper() if is_code else value


#: All facets, in the order the sidebar shows them and the API lists them.
FACETS: tuple[Facet, ...] = (
    Facet(
        "person",
        "person",
        ENTITY,
        N_("Persons"),
        N_("Person"),
        "Person facet value (several: all of them, or any with person_op=or)",
        mentions_field="person_mentions",
        entity_page="web.person",
        searchable=True,
        default_op=AND,
    ),
    Facet(
        "country",
        "country",
        COUNTRY,
        N_("Countries"),
        N_("Country"),
        "ISO 3166-1 alpha-2 code, or a country name (Nordkorea, North Korea; resolved, see resolved); several: "
        "all of them, or any with country_op=or",
        mentions_field="country_mentions",
        entity_page="web.country",
        default_op=AND,
    ),
    Facet(
        "date",
        "published",
        PERIOD,
        N_("Publication date"),
        N_("Published"),
        "Publication year or month; none: articles without a publication date",
        more_link=False,
        undated=True,
    ),
    Facet(
        "mentioned",
        "mentioned",
        PERIOD,
        N_("Mentioned dates"),
        N_("Mentioned"),
        "Mentioned year or month",
        grouped=True,
    ),
    Facet("source", "source", TEXT, N_("Sources"), N_("Source"), "Source (agency)"),
)

FACET_NAMES: tuple[str, ...] = tuple(f.name for f in FACETS)
#: The facet of publication periods: the result timeline counts its values.
PUBLICATION = "date"
BY_NAME: dict[str, Facet] = {f.name: f for f in FACETS}
#: facet name -> index field
FIELDS: dict[str, str] = {f.name: f.field for f in FACETS}
#: facet name -> mention field, for the facets that count mentions
MENTION_FIELDS: dict[str, str] = {f.name: f.mentions_field for f in FACETS if f.mentions_field}


def facet(name: str) -> Facet:
    """The facet called ``name`` (KeyError for an unknown one)."""
    return BY_NAME[name]

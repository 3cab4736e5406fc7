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
    COUNTRY: re.compile(r"[A-Za-z]{2}\Z"),
    PERIOD: re.compile(r"\d{4}(?:-(?:0[1-9]|1[0-2]))?\Z"),
}


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

    @property
    def chronological(self) -> bool:
        """Values are periods: ordered by time, not by count."""
        return self.kind == PERIOD

    @property
    def pattern(self) -> re.Pattern[str] | None:
        """What a valid filter value looks like (None: any text)."""
        return _PATTERNS.get(self.kind)

    def normalise(self, value: str) -> str:
        """The canonical form of a valid filter value (country codes in upper case)."""
        return value.upper() if self.kind == COUNTRY else value


#: All facets, in the order the sidebar shows them and the API lists them.
FACETS: tuple[Facet, ...] = (
    Facet(
        "person",
        "person",
        ENTITY,
        N_("Persons"),
        N_("Person"),
        "Person facet value (OR within the facet)",
        mentions_field="person_mentions",
        entity_page="web.person",
        searchable=True,
    ),
    Facet(
        "country",
        "country",
        COUNTRY,
        N_("Countries"),
        N_("Country"),
        "ISO 3166-1 alpha-2 code",
        mentions_field="country_mentions",
        entity_page="web.country",
    ),
    Facet(
        "date",
        "published",
        PERIOD,
        N_("Publication date"),
        N_("Published"),
        "Publication year or month",
        more_link=False,
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

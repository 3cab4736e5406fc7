"""Names as people type them -> the values the index holds: ``person=Trump`` -> ``Donald Trump`` (a unique
family name, any part of a name, or a spelling an article used), ``country=Nordkorea`` -> ``KP``.

Why here, once for both engines: a filter value or a ``person:``/``land:`` clause must mean the entity the user
has in mind, and the person names are known only to the index. Each engine answers three questions about its
persons (:class:`PersonLookup`); the rules below (candidates, dominance, errors, what is reported) are the same
for every engine, so the two answer a request alike. A name that fits several persons is an error that lists
them (:class:`~search.core.errors.AmbiguousName`), never a silent OR; each resolution is reported in the
response (``resolved``) so the user sees what was searched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from search.core import limits
from search.core.errors import AmbiguousName, InvalidParameter
from search.engine.shared import name_words
from search.enrich.countries import resolve_country

PHASE = "resolving names"
#: A name fits one person when that person has at least this many times the articles of the next one: "Merkel"
#: is Angela Merkel (289 articles), not a stray "Mutti Merkel" (1); "Kim" among three Kims of a few articles
#: each stays ambiguous. The response says whom it resolved to, so the choice is never silent.
DOMINANCE = 10


class PersonLookup(Protocol):
    """What an engine knows about the persons of one index state."""

    def count(self, name: str) -> int:
        """Articles of the person ``name`` (0: not an indexed person)."""

    def person_words(self) -> list[tuple[str, tuple[str, ...]]]:
        """Every person with the folded words of the name (:func:`search.engine.shared.name_words`)."""

    def spelled(self, words: tuple[str, ...]) -> set[str]:
        """The persons some article wrote as ``words`` (the stored spellings)."""


class NameResolver:
    """Resolves the person and country names of one request, and remembers what it resolved."""

    def __init__(self, persons: PersonLookup):
        self.persons = persons
        self.resolved: list[dict[str, str]] = []

    def person_candidates(self, text: str) -> list[str]:
        """The persons ``text`` may mean, most articles first: the name itself; the same words (case,
        umlauts, hyphens aside); a spelling articles used for one person; else every person whose name has
        all of its words (a family name, a first and a last name)."""
        if self.persons.count(text) > 0:
            return [text]
        wanted = name_words(text)
        if not wanted:
            return []
        keyed = self.persons.person_words()
        found = [n for n, key in keyed if key == wanted]
        if not found:
            found = sorted(self.persons.spelled(wanted))
        if not found:
            words = set(wanted)
            found = [n for n, key in limits.checked(keyed, PHASE) if words <= set(key)]
        return sorted(found, key=lambda n: (-self.persons.count(n), n))

    def person(self, text: str, parameter: str) -> list[str]:
        """The one person ``text`` means (``[]``: none): the only candidate, or one with ``DOMINANCE`` times the
        articles of the next; :class:`AmbiguousName` when it fits several about equally."""
        found = self.person_candidates(text)
        count = self.persons.count
        if len(found) > 1 and count(found[0]) < DOMINANCE * max(1, count(found[1])):
            raise AmbiguousName(parameter, text, found)
        found = found[:1]
        if found and found[0] != text:
            self._note("person", text, found[0], parameter)
        return found

    def country(self, text: str, parameter: str) -> list[str]:
        """ISO codes for a code or a country name (German or English, adjectives and capitals as the
        gazetteer knows them)."""
        codes = resolve_country(text)
        if codes and codes != [text]:
            self._note("country", text, codes[0], parameter)
        return codes

    def _note(self, facet: str, value: str, resolved: str, parameter: str) -> None:
        entry = {"facet": facet, "value": value, "resolved": resolved, "parameter": parameter}
        if entry not in self.resolved:
            self.resolved.append(entry)

    def filters(self, filters: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        """The request's facet filters with person and country names replaced by the indexed values."""
        out = dict(filters)
        if filters.get("person"):
            out["person"] = _unique(self._filter_person(v) for v in filters["person"])
        if filters.get("country"):
            out["country"] = _unique(self._filter_country(v) for v in filters["country"])
        return out

    def _filter_person(self, value: str) -> str:
        found = self.person(value, "person")
        return found[0] if found else value  # unknown: kept, finds nothing (the empty page says why)

    def _filter_country(self, value: str) -> str:
        if len(value) == 2 and value.isascii() and value.isalpha():
            return value.upper()
        codes = self.country(value, "country")
        if not codes:
            raise InvalidParameter(
                "country",
                value,
                f"country must be an ISO 3166-1 alpha-2 code or a country name, not {value!r}",
            )
        return codes[0]

    def query_person(self) -> Callable[[str], list[str]]:
        """The compiler's resolver for ``person:`` clauses."""
        return lambda text: self.person(text, "q")

    def query_country(self) -> Callable[[str], list[str]]:
        """The compiler's resolver for ``land:`` clauses."""
        return lambda text: self.country(text, "q")


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    out: list[str] = []
    for v in values:
        if v not in out:
            out.append(v)
    return tuple(out)

"""Corrections that travel with the archive: ``corrections.txt`` in the articles folder.

Why: no extraction is perfect, and the person who knows that "Corona Test" is no person, or that "Ugur
Sahin" and "Uğur Şahin" are one man, is the user. The corrections live beside the articles (so they move,
and are backed up, with them), are plain text (editable by hand or with ``search entities --not-person``),
and are applied by the next reindex to exactly the articles whose entities they can change.

Format, one correction a line (``#`` starts a comment; keywords in English or German)::

    not-person: Corona Test          (also: keine-person:)  this name is no person, wherever it is found
    merge: Ugur Sahin = Uğur Şahin   (also: zusammen:)      the left names are the person on the right
    not-country: New Jersey          (also: kein-land:)     these words are no country (the country word
                                                            inside them is not counted)
    not-country: AQ                                         never this country (an ISO code)

A line that cannot be read is reported with its number (a reindex warning, and an error from the CLI);
the other lines still apply.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from search.enrich import countries as _countries
from search.enrich.entities.names import person_key
from search.enrich.ingest import CORRECTIONS_FILE

if TYPE_CHECKING:
    from search.enrich.entities.extractor import ArticleEntities

#: The file's name, at the top of the articles folder (never read as an article).
FILE_NAME = CORRECTIONS_FILE
HEADER = """\
# Corrections of persons and countries, applied by the next `search reindex` (see README, "Corrections").
# not-person: NAME            this name is no person
# merge: NAME = OTHER NAME    NAME is the same person as OTHER NAME (shown as OTHER NAME)
# not-country: WORDS | CODE   these words are no country / never this country (ISO code)
"""
KINDS = {
    "not-person": "not-person",
    "keine-person": "not-person",
    "merge": "merge",
    "zusammen": "merge",
    "not-country": "not-country",
    "kein-land": "not-country",
}
MAX_VALUE_CHARS = 200
_CODE = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class Rule:
    """One correction: its kind, the values as written, and its line in the file."""

    kind: str  # not-person | merge | not-country
    values: tuple[str, ...]  # not-person: (name,); merge: (name, ..., target); not-country: (words or code,)
    line: int

    @property
    def meaning(self) -> tuple:
        """What the rule says, however it is spelled (a second line with the same meaning adds nothing)."""
        if self.kind == "not-person":
            return (self.kind, person_key(self.values[0]))
        if self.kind == "merge":
            return (self.kind, frozenset(person_key(v) for v in self.values[:-1]), self.values[-1])
        return (self.kind, self.values[0])

    @property
    def text(self) -> str:
        """The rule as a line of the file."""
        if self.kind == "merge":
            return f"merge: {' = '.join(self.values)}"
        return f"{self.kind}: {self.values[0]}"


@dataclass
class Corrections:
    """The rules of one corrections file, and the messages about the lines that could not be read."""

    rules: list[Rule] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str, name: str = FILE_NAME) -> Corrections:
        """Read the rules of ``text``; each bad line becomes an error message naming its line."""
        out = cls()
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            try:
                out.rules.append(_rule(line, number))
            except ValueError as exc:
                out.errors.append(f"{name} line {number}: {exc}")
        return out

    @classmethod
    def read(cls, articles_dir: Path) -> Corrections:
        """The corrections of an articles folder (none when it has no file; an unreadable file is an error)."""
        path = Path(articles_dir) / FILE_NAME
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls()
        except (OSError, UnicodeDecodeError) as exc:
            return cls(errors=[f"{FILE_NAME}: cannot be read ({exc}); no corrections applied"])
        return cls.parse(text)

    @property
    def digest(self) -> str:
        """What the rules say (not where they stand): a changed comment or order applies nothing anew."""
        lines = sorted({r.text for r in self.rules})
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16] if lines else ""

    # what the rules mean ------------------------------------------------------------------------------

    @cached_property
    def _not_persons(self) -> set[str]:
        return {person_key(r.values[0]) for r in self.rules if r.kind == "not-person"}

    @cached_property
    def _merges(self) -> dict[str, str]:
        """Person key -> display name of the person it is merged into."""
        out: dict[str, str] = {}
        for r in self.rules:
            if r.kind == "merge":
                for v in r.values[:-1]:
                    out[person_key(v)] = r.values[-1]
        return out

    @cached_property
    def _country_codes(self) -> set[str]:
        return {r.values[0] for r in self.rules if r.kind == "not-country" and _CODE.match(r.values[0])}

    @cached_property
    def _country_phrases(self) -> list[re.Pattern]:
        return [
            re.compile(r"(?<!\w)" + re.escape(r.values[0]) + r"(?!\w)")
            for r in self.rules
            if r.kind == "not-country" and not _CODE.match(r.values[0])
        ]

    def apply(self, ents: ArticleEntities, text: str) -> ArticleEntities:
        """``ents`` of the article ``text`` with every rule applied (the same object when none applies)."""
        if not self.rules:
            return ents
        from search.enrich.entities.extractor import ArticleEntities

        rename: dict[str, str | None] = {}
        for name, surfaces in ents.person_aliases.items():
            keys = {person_key(s) for s in (name, *surfaces)}
            if keys & self._not_persons:
                rename[name] = None
            elif merged := next((self._merges[k] for k in sorted(keys) if k in self._merges), None):
                rename[name] = merged
        dropped = [(m.start(), m.end()) for pattern in self._country_phrases for m in pattern.finditer(text)]
        if not rename and not dropped and not (self._country_codes & set(ents.countries)):
            return ents
        persons: Counter = Counter()
        aliases: dict[str, list[str]] = {}
        for name, count in ents.persons.items():
            target = rename.get(name, name)
            if target is None:
                continue
            persons[target] += count
            seen = aliases.setdefault(target, [])
            seen.extend(s for s in ents.person_aliases.get(name, [name]) if s not in seen)
        countries: Counter = Counter()
        spans = []
        gone: set[str] = set()
        for s, e, kind, value in ents.spans:
            if kind == "PER":
                target = rename.get(value, value)
                if target is not None:
                    spans.append((s, e, kind, target))
            elif value not in self._country_codes and not any(a <= s and e <= b for a, b in dropped):
                countries[value] += 1
                spans.append((s, e, kind, value))
            else:
                gone.add(value)
        for code, count in ents.countries.items():  # countries counted without a span (a title's)
            spanned = sum(1 for *_, kind, v in ents.spans if kind == "COUNTRY" and v == code)
            if count > spanned and code not in self._country_codes:
                countries[code] += count - spanned
            elif code in self._country_codes:
                gone.add(code)
        corrected = {
            "persons": sorted({person_key(n) for n in rename}),
            "countries": sorted(gone),
        }
        return ArticleEntities(
            persons=dict(sorted(persons.items())),
            person_aliases={k: aliases[k] for k in sorted(aliases)},
            countries=dict(sorted(countries.items())),
            spans=spans,
            corrected={k: v for k, v in corrected.items() if v},
            pending=ents.pending,
        )

    # which articles a change of rules touches ---------------------------------------------------------

    def touched_keys(self) -> tuple[set[str], set[str]]:
        """Person keys and country codes whose articles the rules can change."""
        persons = set(self._not_persons) | set(self._merges) | {person_key(v) for v in self._merges.values()}
        codes = set(self._country_codes)
        for r in self.rules:
            if r.kind == "not-country" and not _CODE.match(r.values[0]):
                codes |= phrase_codes(r.values[0])
        return persons, codes

    def notes(self, facet: str, value: str) -> list[dict]:
        """The rules an entity page of ``value`` should mention: ``{"line", "rule"}`` in file order."""
        out = []
        for r in self.rules:
            if facet == "person" and (
                (r.kind == "not-person" and person_key(r.values[0]) == person_key(value))
                or (r.kind == "merge" and person_key(value) in {person_key(v) for v in r.values})
            ):
                out.append({"line": r.line, "rule": r.text})
            elif facet == "country" and r.kind == "not-country":
                v = r.values[0]
                if v == value or (not _CODE.match(v) and value in phrase_codes(v)):
                    out.append({"line": r.line, "rule": r.text})
        return out


def changed_rules(old: Corrections, new: Corrections) -> Corrections:
    """The rules in one of the two but not both: what a reindex must apply anew (or undo)."""
    old_texts = {r.text for r in old.rules}
    new_texts = {r.text for r in new.rules}
    return Corrections(
        rules=[r for r in old.rules if r.text not in new_texts]
        + [r for r in new.rules if r.text not in old_texts]
    )


def phrase_codes(phrase: str) -> set[str]:
    """The countries the gazetteer finds in ``phrase``, in the whole and in its words and hyphen parts."""
    gaz = _countries.gazetteer()
    codes = set()
    for part in {phrase, *re.split(r"[\s\-]+", phrase)}:
        form = gaz.form(part) if part else None
        if form is not None:
            codes.add(form.code)
    return codes


def _rule(line: str, number: int) -> Rule:
    kind_text, sep, rest = line.partition(":")
    kind = KINDS.get(kind_text.strip().lower())
    if not sep or kind is None:
        raise ValueError(
            f"expected 'not-person: NAME', 'merge: NAME = NAME' or 'not-country: WORDS', got {line[:60]!r}"
        )
    rest = " ".join(rest.split())
    if not rest:
        raise ValueError(f"{kind}: no name given")
    if len(rest) > MAX_VALUE_CHARS:
        raise ValueError(f"{kind}: longer than {MAX_VALUE_CHARS} characters")
    if kind == "merge":
        values = tuple(v.strip() for v in rest.split("="))
        if len(values) < 2 or not all(values):
            raise ValueError("merge: expected 'NAME = OTHER NAME'")
        if len({person_key(v) for v in values}) < 2:
            raise ValueError("merge: the names are already one person")
        return Rule(kind, values, number)
    if kind == "not-person" and not person_key(rest):
        raise ValueError("not-person: no name given")
    if kind == "not-country":
        if _CODE.match(rest) is None and not phrase_codes(rest):
            raise ValueError(f"not-country: no country word in {rest!r}")
        if _CODE.match(rest) and rest not in _countries.country_codes():
            raise ValueError(f"not-country: {rest!r} is no country code")
    return Rule(kind, (rest,), number)


def append_rule(articles_dir: Path, line: str) -> int:
    """Add ``line`` (checked first) to the folder's corrections file; returns its line number."""
    path = Path(articles_dir) / FILE_NAME
    existing = path.read_text(encoding="utf-8") if path.exists() else HEADER
    number = existing.count("\n") + (0 if existing.endswith("\n") or not existing else 1) + 1
    rule = _rule(" ".join(line.split()), number)
    if rule.meaning in {r.meaning for r in Corrections.parse(existing).rules}:
        raise ValueError(f"already in {FILE_NAME}: {rule.text}")
    text = existing if existing.endswith("\n") or not existing else existing + "\n"
    path.write_text(text + rule.text + "\n", encoding="utf-8")
    return number

"""What a reindex does the same way for every engine, after the workers have prepared the documents: one
spelling per person across worker processes, which stored articles a changed correction concerns, and
whether a run's articles folder is the one the index was built from.

Why here: the Whoosh and OpenSearch writers both take prepared documents from
:mod:`search.engine.whoosh.workers` and must give persons the same names and re-enrich the same articles,
or the two engines would answer differently over the same folder.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from search.core.errors import ReindexError
from search.core.models import ReindexSummary
from search.enrich.entities.names import person_key


class PersonNames:
    """One spelling per person across worker processes: the first spelling seen for a person key wins.

    Workers resolve names within their own batches; this pass in the writer makes the facet value of a
    person the same in every document of the run, and records aliases in the enricher's registry.
    """

    def __init__(self, enrich: Any):
        self.key = person_key
        self.registry: dict[str, list[str]] | None = getattr(enrich, "registry", None)
        self.articles: dict[str, int] | None = getattr(enrich, "articles", None)
        self.by_key: dict[str, str] = {}
        for name in self.registry or {}:
            self.by_key.setdefault(self.key(name), name)

    def name(self, value: str) -> str:
        """The run's spelling of the person ``value`` names."""
        return self.by_key.setdefault(self.key(value), value)

    def apply(self, doc: dict) -> None:
        """Rename the persons of one prepared document to the run's spellings (entities, spans, facet)."""
        ents = doc.get("entities")
        if not ents or not ents.get("persons"):
            return
        persons: dict[str, int] = {}
        aliases: dict[str, list[str]] = {}
        for name, count in ents["persons"].items():
            canonical = self.name(name)
            persons[canonical] = persons.get(canonical, 0) + count
            merged = set(aliases.get(canonical, [])) | set(ents.get("aliases", {}).get(name, [])) | {name}
            aliases[canonical] = sorted(merged)
            if self.registry is not None:
                self.registry[canonical] = sorted(set(self.registry.get(canonical, [])) | merged)
        if self.articles is not None:
            for canonical in persons:
                self.articles[canonical] = self.articles.get(canonical, 0) + 1
        ents["persons"], ents["aliases"] = persons, aliases
        ents["spans"] = [
            [s, e, kind, self.name(v) if kind == "PER" else v] for s, e, kind, v in ents.get("spans", [])
        ]
        doc["person"] = ",".join(sorted(persons))


def _values(value: str | list | None) -> set[str]:
    if isinstance(value, list):
        return set(value)
    return {v for v in (value or "").split(",") if v}


def concerned_by(stored: dict, persons: set[str], codes: set[str]) -> bool:
    """Whether changed corrections touching the person keys ``persons`` and country ``codes`` can alter this
    stored article (its spellings and aliases as stored, the countries it has or a correction took away)."""
    ents = stored.get("entities") or {}
    names = {n for name, aliases in (ents.get("aliases") or {}).items() for n in (name, *aliases)}
    names.update(_values(stored.get("person")))
    corrected = ents.get("corrected") or {}  # what corrections took away before
    had = _values(stored.get("country")) | set(corrected.get("countries", ()))
    keys = {person_key(n) for n in names} | set(corrected.get("persons", ()))
    return bool(codes & had or persons & keys)


def summary(plan: Any, written: set[str], started: float, generation: str, full: bool) -> ReindexSummary:
    """What a reindex did, the same on every engine: ``plan`` (the folder compared with the live index) and the
    ids ``written``; an id written that the live index had counts as updated, any other as added."""
    updated = len(written & plan.old_ids)
    return ReindexSummary(
        skipped=tuple(plan.skipped),
        warnings=tuple(plan.warnings),
        unchanged=plan.unchanged,
        added=len(written) - updated,
        updated=updated,
        removed=len(plan.remove),
        seconds=time.perf_counter() - started,
        generation=generation,
        full=full,
    )


def replaces_folder(remembered: str | None, articles_dir: Path, replace: bool, index: str) -> bool:
    """Is this run a replacement of the index's articles (``--replace`` and another folder than the one the
    index was built from)? ReindexError, naming both folders and ``--replace``, when it is one without it.

    Why: ``search reindex --articles OTHER`` without ``--index`` silently replaced the index of one archive
    with another's articles. An index that remembers no folder (built before it was recorded) accepts any
    and remembers it from then on."""
    current = str(Path(articles_dir).resolve())
    if not remembered or remembered == current:
        return False
    if replace:
        return True
    raise ReindexError(
        f"the index {index} was built from the articles folder {remembered}, not {current}; "
        f"nothing was changed. To replace its articles with those of {current}, run `search reindex "
        f"--replace` with this folder; to keep both, give the other folder its own index (--index)."
    )

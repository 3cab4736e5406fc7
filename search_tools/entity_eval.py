"""``search entity-eval``: person and country facets measured on hand-annotated real news.

Why: the facets are what a journalist filters by, so they are measured as the API serves them, not as the
extractor returns them in isolation. The annotated articles (``articles.jsonl`` + ``gold.jsonl``, format
and rules in ``../shared/data/entities/GUIDELINES.md``) are indexed together with N other FANG-COVID
articles (the engine learns persons across articles, which both helps and hurts), through the configured
engine's own reindex with entity extraction; each annotated article is then read back with
``engine.article(id)`` and its ``persons`` and ``countries`` are compared with the gold sets.

Comparison (per article, summed over articles: micro precision/recall/F1):

* persons: a value matches a gold person when its key (:func:`~search.enrich.entities.names.person_key`:
  case, diacritics, hyphens, genitive -s folded; academic titles such as "Dr." dropped, as the guidelines
  drop them) equals the key of the gold name or of one of its mentions ("Merkel" for Angela Merkel when the
  article writes "Merkel"). A second value for an already matched gold person is a false positive
  (``duplicate``: the facet shows two values for one person). Values that match ``persons_optional`` count
  neither way;
* countries: ISO codes; ``countries_optional`` count neither way.

Every error gets a kind, so a run shows where the losses come from (see :func:`person_errors`).
"""

from __future__ import annotations

import heapq
import json
import random
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from search.core.errors import InvalidParameter
from search.core.labels import country_label
from search.core.settings import settings
from search.engine import open_engine
from search.enrich.entities.names import fold, person_key
from search_tools import fang

#: The targets of issue 13 (per-article micro scores on a hand-annotated set): (precision, recall).
TARGETS = {"persons": (0.95, 0.93), "countries": (0.98, 0.97)}
DEFAULT_CONTEXT = 2000
DEFAULT_TOP = 100
DEFAULT_ERRORS = 50
#: Academic titles the guidelines drop from names ("drop titles (Dr., Prof., ...)"); compared without them.
_TITLE = re.compile(
    r"^(?:prof|professor|professorin|dr|dipl|med|rer|nat|phil|jur|h\.?\s?c)\b\.?[-\w.]*$", re.I
)
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}\Z")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


# --------------------------------------------------------------------------------------------------------
# The annotated set
# --------------------------------------------------------------------------------------------------------


@dataclass
class GoldPerson:
    """One annotated person: the name and the keys of every spelling that names them in the article."""

    name: str
    keys: set[str]
    mentions: list[str]


@dataclass
class Annotated:
    """One annotated article: its text and metadata, and the gold persons and countries."""

    id: str
    text: str
    meta: dict
    persons: list[GoldPerson]
    optional_persons: list[GoldPerson]
    not_persons: list[str]
    countries: set[str]
    optional_countries: set[str]
    not_countries: dict[str, str] = field(default_factory=dict)  # code -> the text that is not it


def compare_key(name: str) -> str:
    """The key two person names are compared by: :func:`person_key` without academic titles."""
    words = name.split()
    while len(words) > 1 and _TITLE.match(words[0]):
        words.pop(0)
    return person_key(" ".join(words))


def _read_jsonl(path: Path) -> list[tuple[int, dict]]:
    if not path.is_file():
        raise InvalidParameter(
            "FOLDER",
            str(path),
            f"{path} not found (an annotated set has articles.jsonl "
            "and gold.jsonl, see ../shared/data/entities/GUIDELINES.md)",
        )
    rows = []
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise InvalidParameter(
                    "FOLDER", str(path), f"{path.name} line {number}: not JSON ({exc})"
                ) from None
            if not isinstance(row, dict) or not isinstance(row.get("id"), str):
                raise InvalidParameter("FOLDER", str(path), f'{path.name} line {number}: no "id" string')
            rows.append((number, row))
    return rows


def _gold_person(entry: object, where: str) -> GoldPerson:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
        raise InvalidParameter("FOLDER", where, f'{where}: a person needs a "name"')
    mentions = [m for m in entry.get("mentions") or [] if isinstance(m, str) and m.strip()]
    keys = {compare_key(entry["name"])} | {compare_key(m) for m in mentions}
    return GoldPerson(entry["name"], {k for k in keys if k}, mentions)


def load_annotated(folder: Path) -> list[Annotated]:
    """The articles of an annotated set with their gold entities, in file order; InvalidParameter with the
    file and line when something cannot be used."""
    folder = Path(folder)
    articles = _read_jsonl(folder / "articles.jsonl")
    gold = {row["id"]: (number, row) for number, row in _read_jsonl(folder / "gold.jsonl")}
    out = []
    seen: set[str] = set()
    for number, row in articles:
        aid = row["id"]
        where = f"articles.jsonl line {number}"
        if not _SAFE_ID.match(aid) or aid in seen:
            raise InvalidParameter("FOLDER", aid, f"{where}: id {aid[:80]!r} is repeated or not a file name")
        seen.add(aid)
        if not isinstance(row.get("text"), str) or not row["text"].strip():
            raise InvalidParameter("FOLDER", aid, f'{where}: no "text"')
        if aid not in gold:
            raise InvalidParameter("FOLDER", aid, f"{where}: article {aid} has no line in gold.jsonl")
        gnumber, g = gold[aid]
        gwhere = f"gold.jsonl line {gnumber}"
        meta = {k: str(row[k]).strip() for k in ("title", "source", "url") if row.get(k)}
        day = _DAY.match(str(row.get("date") or ""))
        if day:
            meta["date"] = day.group(0)
        out.append(
            Annotated(
                id=aid,
                text=row["text"],
                meta=meta,
                persons=[_gold_person(p, gwhere) for p in g.get("persons") or []],
                optional_persons=[_gold_person(p, gwhere) for p in g.get("persons_optional") or []],
                not_persons=[
                    str(p.get("text", "")) for p in g.get("not_persons") or [] if isinstance(p, dict)
                ],
                countries={str(c).upper() for c in g.get("countries") or []},
                optional_countries={
                    str(c.get("code", "")).upper()
                    for c in g.get("countries_optional") or []
                    if isinstance(c, dict)
                },
                not_countries={
                    str(c.get("code", "")).upper(): str(c.get("text", ""))
                    for c in g.get("not_countries") or []
                    if isinstance(c, dict)
                },
            )
        )
    extra = sorted(set(gold) - seen)
    if extra:
        raise InvalidParameter(
            "FOLDER",
            extra[0],
            f"gold.jsonl names {len(extra)} article(s) not in articles.jsonl, e.g. {extra[0]}",
        )
    if not out:
        raise InvalidParameter("FOLDER", str(folder), f"{folder}: no annotated articles")
    return out


# --------------------------------------------------------------------------------------------------------
# Scores
# --------------------------------------------------------------------------------------------------------


def prf(tp: int, fp: int, fn: int) -> dict:
    """Precision, recall and F1 with their counts (1.0 when there is nothing to find or nothing found)."""
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def _surfaces(data: dict, kind: str) -> dict[str, list[str]]:
    """value -> the distinct spellings in the text that the article's entity spans give it."""
    text = data.get("text") or ""
    out: dict[str, list[str]] = {}
    for span in data.get("entity_spans") or []:
        start, end, span_kind, value = span[0], span[1], span[2], str(span[3])
        surface = text[start:end]
        if span_kind == kind and surface not in out.setdefault(value, []):
            out[value].append(surface)
    return out


def _words(key: str) -> set[str]:
    """The name words of a key, a genitive -s dropped from each ("Trumps Schreibtisch" shares "trump")."""
    return {w[:-1] if w.endswith("s") and len(w) > 3 else w for w in key.split() if len(w) > 2}


def _within(part: str, whole: str) -> bool:
    """``part`` occurs in ``whole`` as whole words ("koch" in "robert koch-institut", not "ard" in "richard")."""
    return re.search(rf"(?<!\w){re.escape(part)}(?!\w)", whole) is not None


def _error(article: str, facet: str, kind: str, value: str, why: str, **extra: object) -> dict:
    return {"article": article, "facet": facet, "error": kind, "value": value, "why": why, **extra}


def person_errors(gold: Annotated, data: dict) -> tuple[list[int], list[dict]]:
    """``[tp, fp, fn]`` of one article's persons and its errors.

    A false positive is ``duplicate`` (a second value for a matched gold person), ``not_person`` (its
    spelling is part of a gold not-a-person phrase: "Robert Koch" of "Robert Koch-Institut"), ``variant``
    (shares a name word with a gold person: wrong form, label glue, wrong first name) or ``other``;
    ``in_text`` says whether the value is written in the article as shown (False: completed from knowledge
    learned elsewhere). A false negative is ``variant`` (found in another form, see the false positives),
    ``missed_full_name`` (the text names them with two words or more), ``missed_short_form`` (only by one
    word: "Hitler", "Sellners"), ``title_only`` (named only in the title, which the index does not extract
    from) or ``not_in_text`` (no gold spelling occurs: an annotation to check).
    """
    body, folded_body = data.get("text") or "", fold(data.get("text") or "")
    surfaces = _surfaces(data, "PER")
    not_persons = [fold(t) for t in gold.not_persons if len(t) > 2]
    matched: dict[int, str] = {}
    errors: list[dict] = []
    tp = 0
    for value in data.get("persons") or []:
        key = compare_key(value)
        hits = [i for i, p in enumerate(gold.persons) if key in p.keys]
        hit = next((i for i in hits if i not in matched), hits[0] if hits else None)
        if hit is not None and hit not in matched:
            matched[hit] = value
            tp += 1
            continue
        if hit is None and any(key in p.keys for p in gold.optional_persons):
            continue
        spelled = fold(value)
        extra = {"surfaces": surfaces.get(value, []), "in_text": spelled in folded_body}
        related = [
            p.name for p in gold.persons + gold.optional_persons if _words(key) & _words(" ".join(p.keys))
        ]
        if hit is not None:
            kind, why = "duplicate", f"second value for {gold.persons[hit].name} (also {matched[hit]!r})"
        elif any(_within(spelled, t) or _within(t, spelled) for t in not_persons):
            phrase = next(
                t for t in gold.not_persons if _within(spelled, fold(t)) or _within(fold(t), spelled)
            )
            kind, why = "not_person", f"gold not-a-person {phrase!r}"
        elif related:
            kind, why = "variant", f"gold: {', '.join(related)}"
        else:
            kind, why = "other", "not a gold person"
        errors.append(_error(gold.id, "person", "fp:" + kind, value, why, **extra))
    title = data.get("title") or ""
    for i, person in enumerate(gold.persons):
        if i in matched:
            continue
        found = [
            e["value"] for e in errors if _words(" ".join(person.keys)) & _words(compare_key(e["value"]))
        ]
        written = person.mentions or [person.name]
        if found:
            kind, why = "variant", f"shown as {', '.join(repr(v) for v in found)}"
        elif any(m in body for m in written):
            full = any(len(m.split()) > 1 and m in body for m in written)
            kind = "missed_full_name" if full else "missed_short_form"
            why = f"written {', '.join(repr(m) for m in written[:4])}"
        elif any(m in title for m in written):
            kind, why = "title_only", "named only in the title"
        else:
            kind, why = "not_in_text", f"no {', '.join(repr(m) for m in written[:4])} in the text"
        errors.append(_error(gold.id, "person", "fn:" + kind, person.name, why))
    return [tp, len([e for e in errors if e["error"].startswith("fp")]), len(gold.persons) - tp], errors


def country_errors(gold: Annotated, data: dict) -> tuple[list[int], list[dict]]:
    """``[tp, fp, fn]`` of one article's countries and its errors (``not_country`` when the gold lists the
    code as a look-alike: "Rosa Luxemburg" -> LU; else ``other``; a false negative is ``title_only`` when
    the country's German name is in the title but not in the text, else ``missed``)."""
    got = {str(c.get("code", "")).upper() for c in data.get("countries") or [] if isinstance(c, dict)}
    surfaces = _surfaces(data, "COUNTRY")
    errors = []
    for code in sorted(got - gold.countries - gold.optional_countries):
        if code in gold.not_countries:
            kind, why = "not_country", f"gold look-alike {gold.not_countries[code]!r}"
        else:
            kind, why = "other", "not a gold country"
        errors.append(_error(gold.id, "country", "fp:" + kind, code, why, surfaces=surfaces.get(code, [])))
    body, title = data.get("text") or "", data.get("title") or ""
    for code in sorted(gold.countries - got):
        name = country_label(code, "de")
        if name in title and name not in body:
            errors.append(_error(gold.id, "country", "fn:title_only", code, f"{name!r} only in the title"))
        else:
            errors.append(_error(gold.id, "country", "fn:missed", code, "not found"))
    tp = len(got & gold.countries)
    return [tp, len(got - gold.countries - gold.optional_countries), len(gold.countries - got)], errors


def score(annotated: list[Annotated], served: dict[str, dict]) -> dict:
    """Micro scores, error kinds and errors of the articles as served (``served[id]`` = the API's JSON)."""
    totals = {"persons": [0, 0, 0], "countries": [0, 0, 0]}
    errors: list[dict] = []
    for gold in annotated:
        for facet, fn in (("persons", person_errors), ("countries", country_errors)):
            counts, errs = fn(gold, served[gold.id])
            totals[facet] = [a + b for a, b in zip(totals[facet], counts, strict=True)]
            errors.extend(errs)
    kinds = Counter(f"{e['facet']} {e['error']}" for e in errors)
    out = {facet: prf(*counts) for facet, counts in totals.items()}
    for facet, (p, r) in TARGETS.items():
        out[facet]["target"] = {
            "precision": p,
            "recall": r,
            "met": out[facet]["precision"] >= p and out[facet]["recall"] >= r,
        }
    out["error_kinds"] = dict(sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])))
    out["errors"] = errors
    return out


# --------------------------------------------------------------------------------------------------------
# The run: context, index, read back
# --------------------------------------------------------------------------------------------------------


def sample_context(n: int, seed: int, exclude: set[str], fang_dir: Path = fang.FANG_DIR) -> list[dict]:
    """``n`` FANG-COVID articles drawn at random (by ``seed``) from the whole archive, in file order,
    none with the text of an ``exclude``d article; only the drawn rows are parsed.

    A sample rather than the first N: the annotated articles come from every part of the archive, and
    the first 2,000 are a handful of sources of a few months.
    """
    if n <= 0:
        return []
    rng = random.Random(seed)
    heap: list[tuple[float, int, dict]] = []  # the n smallest random keys, as (-key, position, row)
    for position, line in enumerate(fang.iter_lines(fang_dir)):
        key = rng.random()
        if len(heap) >= n and key >= -heap[0][0]:
            continue
        row = fang.parse_row(line)
        if row is None or str(row["article"]).strip() in exclude:
            continue
        item = (-key, position, row)
        if len(heap) < n:
            heapq.heappush(heap, item)
        else:
            heapq.heapreplace(heap, item)
    if len(heap) < n:
        raise InvalidParameter("--context", n, f"FANG-COVID has only {len(heap):,} other articles")
    return [row for _, _, row in sorted(heap, key=lambda item: item[1])]


def write_articles(folder: Path, annotated: list[Annotated], context: list[dict], seed: int) -> int:
    """The annotated and the context articles as one articles folder, in an order drawn by ``seed``.

    Mixed rather than annotated first: what the engine learns across articles depends on what it has
    read before, and an annotated article should stand where any article of an archive may stand.
    """
    ids = {a.id for a in annotated}
    items = [item for item in fang.unique_ids(context) if item[0] not in ids]
    items += [(a.id, a.text, a.meta) for a in annotated]
    random.Random(seed).shuffle(items)
    count, _ = fang.write_chunked(folder, items)
    return count


def evaluate_entities(
    folder: Path,
    workdir: Path,
    context: int = DEFAULT_CONTEXT,
    seed: int = 1,
    top: int = DEFAULT_TOP,
    fang_dir: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Index the annotated set of ``folder`` with ``context`` FANG-COVID articles in ``workdir`` (through the
    configured engine, with entity extraction), read the annotated articles back and score them.

    Returns the scores (see :func:`score`), what the API served per annotated article (``articles``), the
    ``top`` persons of the whole index, and the run's facts (``run``).
    """
    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    annotated = load_annotated(folder)
    workdir = Path(workdir)
    if workdir.exists() and any(workdir.iterdir()):
        raise InvalidParameter("--workdir", str(workdir), f"{workdir} is not empty (give a new folder)")
    try:
        rows = sample_context(context, seed, {a.text.strip() for a in annotated}, fang_dir or fang.FANG_DIR)
    except fang.CorpusUnavailable as exc:
        raise InvalidParameter("--context", context, f"{exc}; --context 0 measures without it") from None
    articles_dir = workdir / "articles"
    total = write_articles(articles_dir, annotated, rows, seed)
    say(f"indexing {len(annotated)} annotated + {total - len(annotated):,} context articles with entities")
    engine = open_engine(settings(index_dir=workdir / "index"))  # the configured engine (SEARCH_ENGINE)
    t = time.perf_counter()
    summary = engine.reindex(articles_dir, full=True, ner=True)
    index_seconds = time.perf_counter() - t
    skipped = {Path(s.path).stem for s in summary.skipped} & {a.id for a in annotated}
    if skipped:
        raise InvalidParameter("FOLDER", sorted(skipped)[0], f"not indexed: {', '.join(sorted(skipped))}")
    served = {a.id: engine.article(a.id).data for a in annotated}
    result = score(annotated, served)
    result["articles"] = {
        aid: {
            "persons": data.get("persons") or [],
            "countries": [c.get("code") for c in data.get("countries") or []],
        }
        for aid, data in served.items()
    }
    result["top_persons"] = engine.entities("person", top)["person"] if top else []
    result["run"] = {
        "annotated": len(annotated),
        "context": total - len(annotated),
        "seed": seed,
        "engine": settings().engine,
        "generation": summary.generation,
        "index_seconds": round(index_seconds, 1),
        "articles_per_second": round(total / index_seconds, 1) if index_seconds else None,
        "total_seconds": round(time.perf_counter() - started, 1),
    }
    return result


# --------------------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------------------


def format_report(result: dict, errors: int = DEFAULT_ERRORS) -> str:
    """The text the command prints: scores against the targets, error kinds, errors, top persons."""
    run = result["run"]
    lines = [
        f"{run['annotated']} annotated + {run['context']:,} other FANG-COVID articles (seed {run['seed']}), "
        f"engine {run['engine']}: indexed in {run['index_seconds']} s ({run['articles_per_second']} "
        f"articles/s), {run['total_seconds']} s in all",
        "",
        f"{'':<10} {'precision':>9} {'recall':>7} {'F1':>6} {'tp':>5} {'fp':>4} {'fn':>4}  target",
    ]
    for facet in ("persons", "countries"):
        s = result[facet]
        target = s["target"]
        lines.append(
            f"{facet:<10} {s['precision']:>9.3f} {s['recall']:>7.3f} {s['f1']:>6.3f} {s['tp']:>5} {s['fp']:>4} "
            f"{s['fn']:>4}  P>={target['precision']} R>={target['recall']}: "
            + ("met" if target["met"] else "not met")
        )
    lines += ["", "error kinds:"]
    lines += [f"  {count:>4}  {kind}" for kind, count in result["error_kinds"].items()]
    shown = result["errors"][:errors]
    if shown:
        lines += ["", f"errors ({len(shown)} of {len(result['errors'])}):"]
    for e in shown:
        where = f"  from {', '.join(repr(s) for s in e['surfaces'][:3])}" if e.get("surfaces") else ""
        elsewhere = "  [not written so in the article]" if e.get("in_text") is False else ""
        lines.append(
            f"  {e['article']}  {e['facet']} {e['error']}  {e['value']!r}: {e['why']}{where}{elsewhere}"
        )
    if result["top_persons"]:
        lines += ["", f"top {len(result['top_persons'])} persons of the index (articles):"]
        lines += [f"  {row['count']:>5}  {row['label']}" for row in result["top_persons"]]
    return "\n".join(lines)

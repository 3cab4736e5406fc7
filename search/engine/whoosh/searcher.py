"""``search(store, request) -> SearchResponse``: the one search function behind the web page, the JSON API
and the CLI.

Steps: parse the query -> one text search for the matching documents (a numpy mask) -> facet masks and
disjunctive counts from the generation's facet columns -> the requested page, scored and sorted by Whoosh
with the combined mask as filter -> snippets for that page only -> a spelling suggestion when little is
found.

Each phase and each loop in it checks the request's time budget (:mod:`search.core.limits`); the caps of the
query parser and the compiler keep the worst query under 2,000 characters well inside that budget.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from whoosh import query as wq

from search.core import limits
from search.core.errors import QuerySyntaxError
from search.core.facets import MENTION_FIELDS
from search.core.labels import locale_or_default
from search.core.models import Hit, HitStream, SearchRequest, SearchResponse
from search.core.periods import bounds
from search.engine.cache import ResponseCache, through_cache
from search.engine.shared import PART_MATCH_SHARE, content_words, coordination_weight, hit_json
from search.engine.typos import SPELLING_TEXTS, Candidate, Respelling, respell, spelling
from search.engine.whoosh.collapse import attach_duplicates, fold_duplicates
from search.engine.whoosh.columns import (
    Columns,
    combine,
    facet_values,
    filter_masks,
    load_columns,
    timeline,
)
from search.engine.whoosh.compiler import MAX_EXPANSIONS, Compiler, prefix_words
from search.engine.whoosh.explain import Explainer
from search.engine.whoosh.grouping import doc_groups
from search.engine.whoosh.names import name_resolver
from search.engine.whoosh.scoring import Scorer
from search.engine.whoosh.spelling import Vocabulary
from search.engine.whoosh.store import Generation, IndexStore
from search.text.analysis import fold
from search.text.highlight import query_terms
from search.text.query import ParsedQuery, parse
from search.text.query import Word as QWord

SUGGEST_BELOW = 3  # offer "Meinten Sie ...?" when fewer hits than this
MAX_SPELLINGS = 50_000  # spellings of index words remembered per generation (then forgotten at once)
SOME_MIN_SHARE = 0.0  # share of content words a "some words" hit must match (0: any one)
COORDINATION = 0.9  # Whoosh's coordination bonus for documents matching more of the words
# A filtered person or country ranks the articles that mention it often first: with a text query the
# score is multiplied by 1 + MENTION_BOOST * ln(1 + mentions) (1 mention: x1.21, 10: x1.72); without one,
# the articles are ordered by their mentions (ties: newest first) instead of by date alone.
MENTION_BOOST = 0.3


def columns(gen: Generation) -> Columns:
    """The facet columns of a generation, loaded once and shared."""

    def build(g: Generation) -> Columns:
        cols = load_columns(g.searcher().reader())
        cols.groups = doc_groups(g)
        return cols

    return gen.cached("facet-columns", build)


def scorer(gen: Generation) -> Scorer:
    """The vectorised matcher/scorer of a generation, built once and shared."""
    return gen.cached(
        "scorer", lambda g: Scorer(g.searcher().reader(), columns(g).live, lambda: g.searcher().reader())
    )


def _mask(gen: Generation, q: wq.Query, cols: Columns) -> np.ndarray:
    return scorer(gen).evaluate(q, gen.searcher())[0]


def search(store: IndexStore | Generation, request: SearchRequest) -> SearchResponse:
    """Run one search (or serve it from the generation's response cache)."""
    gen = store.current() if isinstance(store, IndexStore) else store
    return through_cache(
        lambda size: gen.cached("responses", lambda g: ResponseCache(size)),
        request,
        lambda req, started: _search(gen, req, started),
    )


@dataclass
class _Matched:
    """What one request matches, before a page or an export is read from it."""

    parsed: ParsedQuery
    base: np.ndarray  # the text query alone
    masks: dict[str, np.ndarray]  # per facet filter, and the date range
    matched: np.ndarray  # base AND every mask
    score: np.ndarray
    total: int
    match: str  # "all" | "some"
    empty: bool  # no words: ordered by date
    suggestion: str | None
    warnings: tuple[str, ...]
    compiler: Compiler | None = None  # the query's compiler, for explanations of the page's hits
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)  # names resolved to indexed values
    resolved: list[dict[str, str]] = field(default_factory=list)  # what was resolved, for the response
    corrected: dict[str, str] | None = None  # {"from": typed, "to": searched} when the query was corrected


def _match(gen: Generation, request: SearchRequest, suggest: bool = True) -> _Matched:
    """The matching documents and their scores: text query, facet filters, date range, the "some words"
    fallback and the mention weight. Pages, timelines and exports are all read from this one result."""
    searcher = gen.searcher()
    cols = columns(gen)
    parsed = parse(request.q)
    names = name_resolver(gen, cols)
    compiler = Compiler(
        searcher.reader(),
        resolve_country=names.query_country(),
        resolve_person=names.query_person(),
        within=lambda text, maxdist: vocabulary(gen).within(text, maxdist),
        prefixed=lambda prefix: prefixed_words(gen)(prefix),
    )
    text_query = compiler.compile(parsed.tree)
    warnings = parsed.warnings + tuple(compiler.warnings)
    limits.check("expanding the query")
    base, score = scorer(gen).evaluate(text_query, searcher)
    filters = names.filters(request.filters)  # person and country names -> the indexed values
    masks = filter_masks(cols, filters, request.ops())
    masks.update(_range_mask(gen, request))
    if request.date_certain:
        masks[CERTAIN_MASK] = cols.live & ~cols.estimated
    matched = combine(base, masks)
    total = int(matched.sum())
    match = "all"
    suggestion = corrected = None
    if (suggest and total < SUGGEST_BELOW) or total == 0:
        respelled = _respell(gen, parsed, correct=total == 0 and not request.exact)
        if respelled is not None and suggest:
            suggestion = _suggestion(gen, compiler, respelled.suggestion, cols, total)
        fixed = _correction(gen, compiler, respelled, masks)
        if fixed is not None:  # the typed query found nothing: its confident correction is searched instead
            corrected = {"from": parsed.text, "to": fixed[0].text}
            parsed, text_query, base, score, matched = fixed
            total = int(matched.sum())
    if total == 0 and parsed.plain:
        some = _some_words(gen, compiler, parsed, cols, masks)
        if some is not None:
            base, score, matched = some
            total = int(matched.sum())
            match = "some"
    empty = isinstance(text_query, wq.Every)
    weight = _mention_weight(gen, filters) if total else None
    if weight is not None:
        score = np.log1p(weight) if empty else score * (1 + MENTION_BOOST * np.log1p(weight))
        empty = False  # ranked by mentions, not by date
    if total > 1:  # near-duplicates: one hit per group, the copy the order puts first
        folded = fold_duplicates(matched, score, cols.groups, scorer(gen), _order(request, empty))
        if folded is not matched:
            matched, total = folded, int(folded.sum())
    return _Matched(
        parsed,
        base,
        masks,
        matched,
        score,
        total,
        match,
        empty,
        suggestion,
        warnings,
        compiler,
        filters,
        names.resolved,
        corrected,
    )


#: The key of the date range's mask among the facet masks (no facet is called so; never skipped).
RANGE_MASK = "date_from..date_to"
#: The key of ``date_certain=1``'s mask (articles whose date is not estimated), never skipped either.
CERTAIN_MASK = "date_certain"


def _range_mask(gen: Generation, request: SearchRequest) -> dict[str, np.ndarray]:
    """``{RANGE_MASK: documents published in the request's date range}`` on the ``pubdate`` column
    (undated documents never match a range); ``{}`` without a range."""
    span = bounds(request.date_from, request.date_to)
    if span is None:
        return {}
    mask, _ = scorer(gen).evaluate(wq.NumericRange("pubdate", span[0], span[1]), gen.searcher())
    return {RANGE_MASK: mask}


def _search(gen: Generation, request: SearchRequest, started: float) -> SearchResponse:
    """Results of the requested page, disjunctive facets, the timeline, snippets and suggestion."""
    lang = locale_or_default(request.lang)
    cols = columns(gen)
    m = _match(gen, request)
    explainer = None
    if request.explain and m.total and m.compiler is not None:
        explainer = Explainer(m.compiler, scorer(gen), m.parsed.tree, loose=m.match == "some")
    results = _page(gen, m.score, m.matched, m.parsed, request, lang, m.empty, explainer) if m.total else []
    attach_duplicates(gen, results, combine(m.base, m.masks), cols.groups)
    facets, totals = facet_values(
        cols,
        m.base,
        m.masks,
        m.filters,
        lang=lang,
        size=request.facet_size,
        prefix=request.facet_prefix,
        ops=request.ops(),
    )
    return SearchResponse(
        query=m.corrected["from"] if m.corrected else m.parsed.text,
        total=m.total,
        page=request.page,
        per_page=request.per_page,
        took_ms=(time.perf_counter() - started) * 1000,
        generation=gen.name,
        results=results,
        facets=facets,
        facet_totals=totals,
        suggestion=m.suggestion,
        warnings=m.warnings,
        sort=request.sort,
        match=m.match,
        timeline=timeline(cols, m.matched),
        facet_ops=request.ops(),
        resolved=m.resolved,
        corrected=m.corrected,
    )


def hit_stream(gen: Generation, request: SearchRequest, limit: int) -> HitStream:
    """Every hit of ``request`` up to ``limit``, in the order its pages show them, without snippets.

    Matching and ordering happen here, inside the request's time budget; the stored fields are read
    only as the stream is consumed, one document at a time, so an export of 10,000 articles never holds
    them all in memory.
    """
    m = _match(gen, request, suggest=False)
    top = scorer(gen).top(m.matched, m.score, limit, _order(request, m.empty)) if m.total else []
    lang = locale_or_default(request.lang)

    def hits() -> Iterator[Hit]:
        searcher = gen.searcher()
        for docnum, value in top:
            yield hit_json(searcher.stored_fields(docnum), value, None, lang, with_snippets=False)

    return HitStream(total=m.total, limit=limit, generation=gen.name, hits=hits())


#: Prefixes whose words a generation keeps (``Impf*``: a few thousand words, read once, not on every request).
PREFIX_CACHE = 512


def prefixed_words(gen: Generation) -> Callable[[str], tuple[tuple[int, str], ...]]:
    """The generation's cached :func:`~search.engine.whoosh.compiler.prefix_words`."""
    return gen.cached(
        "prefix-words",
        lambda g: lru_cache(maxsize=PREFIX_CACHE)(lambda p: prefix_words(g.searcher().reader(), p)),
    )


def vocabulary(gen: Generation) -> Vocabulary:
    """The generation's vocabulary for spelling suggestions and ``word~`` (read on first use)."""
    return gen.cached("vocabulary", lambda g: Vocabulary(g.searcher().reader()))


def _mention_weight(gen: Generation, filters: dict[str, tuple[str, ...]]) -> np.ndarray | None:
    """Per document: how often it mentions the selected persons and countries (None: none selected)."""
    selected = [(MENTION_FIELDS[f], vals) for f, vals in filters.items() if vals and f in MENTION_FIELDS]
    if not selected:
        return None
    sc = scorer(gen)
    return sum((sc.mentions(field, vals) for field, vals in selected), np.zeros(sc.ndocs, dtype=np.float32))


def _some_words(
    gen: Generation, compiler: Compiler, parsed: ParsedQuery, cols: Columns, masks: dict
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """ "Some words" mode for a plain keyword query that found nothing with AND.

    Stop words and question words are not required; documents must match at least half of the
    remaining words (or, if none do, any of them) and rank by BM25F with a coordination bonus, so the
    documents matching most words come first.
    """
    words = content_words(parsed.words)
    if not words:
        return None
    if len(words) == 1:
        return _similar_words(gen, compiler, words[0], cols, masks)
    pairs = []  # per content word: its query as typed, and with its compound parts ("some words" mode)
    for w in words:
        whole = compiler.word(QWord(w))
        compiler.loose = True
        try:
            loose = compiler.word(QWord(w))
        finally:
            compiler.loose = False
        if whole is not None and loose is not None:
            pairs.append((whole, loose))
    if not pairs:
        return None
    sc, searcher = scorer(gen), gen.searcher()
    hits = np.zeros(cols.ndocs, dtype=np.int32)
    weighted = np.zeros(cols.ndocs, dtype=np.float32)
    score = np.zeros(cols.ndocs, dtype=np.float32)
    live, total = max(1, int(np.count_nonzero(cols.live))), 0.0
    for whole, loose in pairs:
        limits.check("matching some of the words")
        m, sub = sc.evaluate(loose, searcher)
        full = sc.evaluate(whole, searcher)[0]  # matched as typed (postings cached: cheap)
        hits += m
        as_typed = int(np.count_nonzero(full))
        if as_typed:  # matched as typed counts in full, only through a compound part a share
            weight = coordination_weight(live, as_typed)
            weighted += full * np.float32(weight) + (m & ~full) * np.float32(weight * PART_MATCH_SHARE)
        else:  # found nowhere as typed: its parts are the best there is
            weight = coordination_weight(live, int(np.count_nonzero(m)))
            weighted += m * np.float32(weight)
        total += weight
        score += sub
    # documents matching more of the words (the rarer ones counting more) first
    score *= 1 - COORDINATION + COORDINATION * weighted / np.float32(total)
    for need in (max(1, math.ceil(len(pairs) * SOME_MIN_SHARE)), 1):
        base = hits >= need
        matched = combine(base, masks)
        if matched.any():
            return base, score, matched
    return None


def _similar_words(
    gen: Generation, compiler: Compiler, word: str, cols: Columns, masks: dict
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Last resort for a single word found nowhere: words of the index that share its beginning.

    ``Sepsis`` -> ``septische``: derivations the stemmer does not join. The shared beginning is the
    word minus its last three letters (at least three letters), at most ``MAX_EXPANSIONS`` words.
    """
    lower = word.lower()
    if len(lower) < 5:
        return None
    prefix = fold(lower[: max(3, len(lower) - 3)])
    reader = gen.searcher().reader()
    terms = []
    for t in limits.checked(reader.expand_prefix("exact", prefix), "matching similar words", every=64):
        terms.append(t.decode("utf-8") if isinstance(t, bytes) else t)
        if len(terms) >= MAX_EXPANSIONS:
            break
    if not terms:
        return None
    query = wq.Or([wq.Term("exact", t) for t in terms])
    base, score = scorer(gen).evaluate(query, gen.searcher())
    matched = combine(base, masks)
    return (base, score, matched) if matched.any() else None


def _order(request: SearchRequest, empty: bool) -> str:
    """The order of the hits: a search without words and without mention ranking lists newest first."""
    return "newest" if request.sort == "relevance" and empty else request.sort


def _page(
    gen: Generation,
    score: np.ndarray,
    matched: np.ndarray,
    parsed: ParsedQuery,
    request: SearchRequest,
    lang: str,
    empty: bool,
    explainer: Explainer | None = None,
) -> list[dict]:
    """The requested page: ranked with numpy, stored fields and snippets only for its hits."""
    searcher = gen.searcher()
    top = scorer(gen).top(matched, score, request.page * request.per_page, _order(request, empty))
    terms = query_terms(parsed.tree)
    out = []
    for docnum, value in top[(request.page - 1) * request.per_page :]:
        limits.check("snippets")
        stored = searcher.stored_fields(docnum)
        hit = hit_json(stored, value, terms, lang, request.with_snippets)
        if explainer is not None:  # only the page's hits, never all matches
            hit["explain"] = explainer.explain(int(docnum))
        out.append(hit)
    return out


def surface_form(gen: Generation, folded: str) -> str:
    """How a folded index term (``biontech``) is written in the articles (``BioNTech``), case kept.

    The exact field folds case and umlauts; the first articles containing the term show its spelling
    (:func:`search.engine.typos.spelling`), remembered per generation (completions ask again at each key).
    """
    known: dict[str, str] = gen.cached("spellings", lambda g: {})
    if folded not in known:
        ids = scorer(gen).postings("exact", folded).ids[:SPELLING_TEXTS]
        searcher = gen.searcher()
        if len(known) >= MAX_SPELLINGS:
            known.clear()
        known[folded] = (
            spelling((searcher.stored_fields(int(i)).get("body", "") for i in ids), folded) or folded
        )
    return known[folded]


def _respell(gen: Generation, parsed: ParsedQuery, correct: bool) -> Respelling | None:
    """The query's unknown or rare words replaced by close, more frequent words of the index
    (:func:`search.engine.typos.respell`: which, and which replacements are confident)."""
    if not parsed.words:
        return None
    reader = gen.searcher().reader()

    def look_up(folded: str, edits: int) -> tuple[int, list[Candidate]]:
        limits.check("spelling suggestions")
        close = vocabulary(gen).within(folded, edits)
        return reader.doc_frequency("exact", folded), [
            Candidate(t, reader.doc_frequency("exact", t)) for t in close
        ]

    return respell(parsed, look_up, lambda folded: surface_form(gen, folded), correct)


def _correction(
    gen: Generation, compiler: Compiler, respelled: Respelling | None, masks: dict
) -> tuple[ParsedQuery, wq.Query, np.ndarray, np.ndarray, np.ndarray] | None:
    """The confident correction's query, text mask, scores and matches (None: none, or it finds nothing)."""
    if respelled is None or respelled.correction is None:
        return None
    try:
        fixed = parse(respelled.correction)
    except QuerySyntaxError:  # the corrected words made the query longer than a query may be
        return None
    query = compiler.compile(fixed.tree)
    base, score = scorer(gen).evaluate(query, gen.searcher())
    matched = combine(base, masks)
    return (fixed, query, base, score, matched) if matched.any() else None


def _suggestion(gen: Generation, compiler: Compiler, text: str, cols: Columns, total: int) -> str | None:
    """ "Meinten Sie ...?": the respelled query, when it finds more than the typed one."""
    try:
        alt_tree = parse(text).tree
    except QuerySyntaxError:  # the corrected words made the query longer than a query may be
        return None
    alt = compiler.compile(alt_tree)
    alt_total = int(_mask(gen, alt, cols).sum())
    return text if alt_total > total else None

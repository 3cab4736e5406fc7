"""Escaped, sentence-aware snippets with every match marked ``<mark>…</mark>``.

A word of the article matches when any of its index terms matches a term of the query: its stem
(``Sanktion`` marks ``Sanktionen``), its exact form, its genitive base, or one of its compound parts
(``Programm`` marks ``Atomprogramm`` in full); phrases mark all their words where the whole phrase occurs.
Article text is HTML-escaped before any markup is added, so nothing in an article can inject markup.

Work is bounded: at most about :data:`MAX_MARK_KEYS` query terms are marked (the prefilter regex costs time
per term and character: 400 terms took ~2 s per MB of text), long texts are scanned in chunks that check
the request's time budget (:mod:`search.core.limits`), and a text is never tokenised whole.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape

from search.core import limits
from search.text.analysis import Word, compound_parts, fold, genitive_base, query_words, stem, words
from search.text.query import And, Not, Or, Phrase, Scoped
from search.text.query import Word as QWord
from search.text.sentences import sentence_spans

FRAGMENT_CHARS = 200
MAX_FRAGMENTS = 3
#: Terms of a query that are marked; later ones are not (a query of forty 32-word phrases has ~1,300).
MAX_MARK_KEYS = 48
SCAN_CHUNK = 1 << 16  # characters the prefilter scans between two checks of the time budget
PHASE = "snippets"


@dataclass
class Terms:
    """What to mark: stems, exact forms, compound-part stems, and phrases (sequences of exact forms)."""

    stems: set[str] = field(default_factory=set)
    exact: set[str] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)
    phrases: list[tuple[str, ...]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.stems or self.exact or self.prefixes or self.phrases)


def query_terms(tree: object | None) -> Terms:
    """The positive terms of a parsed query (negated parts are never marked)."""
    terms = Terms()
    _collect(tree, terms)
    return terms


def _collect(node: object | None, terms: Terms) -> None:
    if isinstance(node, QWord | Phrase) and len(_keys(terms)) >= MAX_MARK_KEYS:
        return
    if isinstance(node, QWord):
        for qw in query_words(node.text):
            if node.prefix:
                terms.prefixes.add(fold(node.text))
            elif len(qw.exact) > 1:
                if qw.exact not in terms.phrases:
                    terms.phrases.append(qw.exact)
                if qw.joined_exact:
                    terms.exact.add(qw.joined_exact)
            elif not qw.stop:
                terms.stems.add(qw.stems[0])
                terms.exact.add(qw.exact[0])
    elif isinstance(node, Phrase):
        forms = tuple(f for qw in query_words(node.text) for f in qw.exact)
        if len(forms) == 1:
            terms.exact.add(forms[0])
        elif forms and forms not in terms.phrases:
            terms.phrases.append(forms)
    elif isinstance(node, Scoped) and node.field == "title":
        _collect(node.value, terms)
    elif isinstance(node, And | Or):
        for child in node.children:
            _collect(child, terms)
    elif isinstance(node, Not):
        return


def match_spans(text: str, terms: Terms) -> list[tuple[int, int]]:
    """Character spans of ``text`` to mark, sorted and non-overlapping.

    Only short windows around the places the prefilter finds are tokenised (tokenising is the costly
    part); a window reaches far enough for a phrase or a truncated compound around its hit.
    """
    if not terms:
        return []
    hits = _hit_starts(text, terms)
    if hits is None:
        return _spans_in(text, terms, None)
    out: list[tuple[int, int]] = []
    for ws, we in _windows(text, hits):
        inside = [h - ws for h in hits if ws <= h < we]
        out.extend((a + ws, b + ws) for a, b in _spans_in(text[ws:we], terms, inside))
    return _merge(out)


HIT_CONTEXT = 100  # characters tokenised on either side of a prefilter hit


def _windows(text: str, hits: list[int]) -> list[tuple[int, int]]:
    """Merged windows around ``hits``, widened to whitespace so that no word is cut."""
    out: list[tuple[int, int]] = []
    for h in hits:
        s, e = max(0, h - HIT_CONTEXT), min(len(text), h + HIT_CONTEXT)
        if s:
            s = max(text.rfind(" ", 0, s), text.rfind("\n", 0, s)) + 1
        if e < len(text):
            ends = [i for i in (text.find(" ", e), text.find("\n", e)) if i != -1]
            e = min(ends) if ends else len(text)
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(e, out[-1][1]))
        else:
            out.append((s, e))
    return out


def _spans_in(text: str, terms: Terms, hits: list[int] | None) -> list[tuple[int, int]]:
    all_words = words(text)
    spans: list[tuple[int, int]] = []
    for w in all_words:
        if w.kind == "joined" or (hits is not None and not _has_hit(hits, w.start, w.end)):
            continue
        if not _word_matches(w, terms):
            continue
        if w.kind == "expanded":  # "Atomwaffen- und Raketenprogramm": mark both conjuncts
            for x in all_words:
                if x.kind in ("word", "part") and (x.start == w.start or x.end == w.end):
                    spans.append((x.start, x.end))
        else:
            spans.append((w.start, w.end))
    if terms.phrases:
        spans.extend(_phrase_spans(text, terms.phrases))
    return _merge(spans)


def _hit_starts(text: str, terms: Terms) -> list[int] | None:
    """Where the prefilter regex finds a possible match (None: it cannot be used on this text)."""
    keys = _keys(terms)
    rx = _prefilter(keys)
    if rx is None:
        return None
    return [m.start() for m in _scan(rx, _lower(text), keys)]


def _lower(text: str) -> str:
    """``text.lower()`` with the same length, so that offsets into it are offsets into ``text``.

    ``İ`` (U+0130) is the only character whose lower case is two characters; it becomes ``i``. Without
    this, one ``İstanbul`` made the whole article be tokenised for its snippets.
    """
    lower = text.lower()
    return lower if len(lower) == len(text) else text.replace("\u0130", "I").lower()


def _scan(rx: re.Pattern, lower: str, keys: frozenset[str]) -> Iterator[re.Match]:
    """``rx.finditer(lower)`` in chunks of :data:`SCAN_CHUNK` characters, checking the time budget between
    chunks (one search over a long text would run to its end without a check). The same matches: a chunk
    is searched a little beyond its end (the longest match a key can have), and the next chunk starts
    where the last match ended."""
    reach = 2 * max(map(len, keys), default=0) + 2  # a folded letter matches at most two (ä -> ae)
    pos, n = 0, len(lower)
    while pos < n:
        limits.check(PHASE)
        end = pos + SCAN_CHUNK
        if end + reach >= n:
            yield from rx.finditer(lower, pos)
            return
        resume = end
        for m in rx.finditer(lower, pos, end + reach):
            if m.start() >= end:
                break
            resume = max(resume, m.end())
            yield m
        pos = resume


def _has_hit(hits: list[int], start: int, end: int) -> bool:
    i = bisect_left(hits, start)
    return i < len(hits) and hits[i] < end


@lru_cache(maxsize=200_000)
def _word_keys(text: str) -> tuple[str, frozenset[str]]:
    """A word's folded form and every stem it is indexed under (own, genitive base, compound parts)."""
    lower = text.lower()
    stems = {stem(lower)}
    bare = genitive_base(text)
    if bare:
        stems.add(stem(bare))
    if text[:1].isupper():
        stems.update(stem(p) for p in compound_parts(text))
    return fold(lower), frozenset(stems)


def _word_matches(w: Word, terms: Terms) -> bool:
    folded, stems = _word_keys(w.text)
    if folded in terms.exact or any(folded.startswith(p) for p in terms.prefixes):
        return True
    return not stems.isdisjoint(terms.stems)


def _phrase_spans(text: str, phrases: list[tuple[str, ...]]) -> list[tuple[int, int]]:
    by_pos: dict[int, list[tuple[str, Word]]] = {}  # each word folded once, not once per phrase and offset
    for w in words(text):
        by_pos.setdefault(w.pos, []).append((fold(w.text), w))
    out = []
    for phrase in phrases:
        for pos in by_pos:
            chosen = []
            for i, form in enumerate(phrase):
                hit = next((w for folded, w in by_pos.get(pos + i, ()) if folded == form), None)
                if hit is None:
                    break
                chosen.append(hit)
            else:
                out.extend((w.start, w.end) for w in chosen if w.kind != "joined")
                joined = [w for w in chosen if w.kind == "joined"]
                out.extend((w.start, w.end) for w in joined)
    return out


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def mark(text: str, spans: list[tuple[int, int]], start: int = 0, end: int | None = None) -> str:
    """HTML of ``text[start:end]`` with ``spans`` wrapped in ``<mark>``; everything else escaped."""
    end = len(text) if end is None else end
    out = []
    pos = start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(escape(text[pos:s], quote=False))
        out.append("<mark>" + escape(text[s:e], quote=False) + "</mark>")
        pos = e
    out.append(escape(text[pos:end], quote=False))
    return "".join(out)


_LETTER_VARIANTS = {
    "a": "(?:a|ä|ae|à|á)",
    "o": "(?:o|ö|oe)",
    "u": "(?:u|ü|ue)",
    "e": "(?:e|é|è)",
    "s": "(?:s|ß)",
}
WINDOW = 200  # characters around a candidate match that are analysed for snippets
MAX_REGIONS = 3  # regions analysed per text: those with the most distinct candidate matches
MAX_REGION = 3 * WINDOW  # a region stops growing here, so a word found all over a long text stays cheap


def term_pattern(term: str) -> str:
    """A regex for every spelling that folds to ``term`` (``ss`` also matches ``ß``, ``a`` also ``ä``/``ae``)."""
    out = []
    i = 0
    while i < len(term):
        if term.startswith("ss", i):
            out.append("(?:ss|ß|s)")  # "s" too: a stem may end inside the folded "ss"
            i += 2
            continue
        out.append(_LETTER_VARIANTS.get(term[i], re.escape(term[i])))
        i += 1
    return "".join(out)


@lru_cache(maxsize=256)
def _prefilter(keys: frozenset[str]) -> re.Pattern | None:
    """A regex finding every place a word *could* match (stems are prefixes of the folded word,
    compound parts substrings of it); only those places are analysed."""
    if not keys:
        return None
    return re.compile("|".join(sorted((term_pattern(k) for k in keys), key=len, reverse=True)))


def _keys(terms: Terms) -> frozenset[str]:
    return frozenset(terms.stems | terms.exact | terms.prefixes | {w for p in terms.phrases for w in p})


def _candidate_regions(text: str, terms: Terms) -> list[tuple[int, int]] | None:
    """Merged windows of ``text`` around prefilter hits (None: analyse everything)."""
    keys = _keys(terms)
    rx = _prefilter(keys)
    if rx is None:
        return None
    lower = _lower(text)
    regions: list[tuple[int, int]] = []
    found: list[set[str]] = []
    for m in _scan(rx, lower, keys):
        s, e = max(0, m.start() - WINDOW), min(len(text), m.end() + WINDOW)
        if s:  # start and end on whitespace so no word is cut
            cut = text.find(" ", s, m.start())
            s = cut + 1 if cut != -1 else m.start()
        if e < len(text):
            cut = text.rfind(" ", m.end(), e)
            e = cut if cut != -1 else m.end()
        if regions and s <= regions[-1][1] and e - regions[-1][0] <= MAX_REGION:
            regions[-1] = (regions[-1][0], max(e, regions[-1][1]))
            found[-1].add(m.group())
        elif regions and m.start() < regions[-1][1]:  # inside a full region: counted there
            found[-1].add(m.group())
        else:
            s = max(s, regions[-1][1] + 1) if regions else s
            regions.append((s, e))
            found.append({m.group()})
    if len(regions) > MAX_REGIONS:  # keep the richest regions, in text order
        best = sorted(range(len(regions)), key=lambda i: (-len(found[i]), i))[:MAX_REGIONS]
        regions = [regions[i] for i in sorted(best)]
    return regions


def snippets(
    text: str, terms: Terms, max_fragments: int = MAX_FRAGMENTS, size: int = FRAGMENT_CHARS
) -> list[str]:
    """Up to ``max_fragments`` marked sentence fragments; the lead when nothing in the text matches.

    Only the regions around places a cheap regex finds are tokenised and matched, so long articles
    cost little; sentences cut by a region's edge become fragments marked with an ellipsis.
    """
    regions = _candidate_regions(text, terms) if terms else []
    if regions is None:
        regions = [(0, len(text))]
    scored = []
    for rs, re_ in regions:
        limits.check(PHASE)
        part = text[rs:re_]
        spans = [(a + rs, b + rs) for a, b in match_spans(part, terms)]
        if not spans:
            continue
        for s, e in sentence_spans(part):
            s, e = s + rs, e + rs
            inside = [sp for sp in spans if sp[0] >= s and sp[1] <= e]
            if inside:
                distinct = {fold(text[a:b]) for a, b in inside}
                scored.append((-len(distinct), -len(inside), s, e, inside))
    if not scored:
        lead = next(iter(sentence_spans(text[:2000])), None)
        return [_fragment(text, [], *lead, size)] if lead else []
    best = sorted(scored)[:max_fragments]
    best.sort(key=lambda t: t[2])
    return [_fragment(text, inside, s, e, size) for *_, s, e, inside in best]


def _fragment(text: str, spans: list[tuple[int, int]], s: int, e: int, size: int) -> str:
    """One sentence, cut to about ``size`` characters around its first match at word boundaries."""
    if e - s > size:
        first = spans[0][0] if spans else s
        start = max(s, min(first - size // 3, e - size))
        if start > s:
            space = text.find(" ", start, first if first > start else e)
            start = space + 1 if space != -1 else start
        stop = min(e, start + size)
        if stop < e:
            space = text.rfind(" ", start, stop)
            stop = space if space > start else stop
        return ("… " if start > s else "") + mark(text, spans, start, stop) + (" …" if stop < e else "")
    return mark(text, spans, s, e)

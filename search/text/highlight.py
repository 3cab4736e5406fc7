"""Escaped, sentence-aware snippets with every match marked ``<mark>…</mark>``.

A word of the article matches when any of its index terms matches a term of the query: its stem
(``Sanktion`` marks ``Sanktionen``), its exact form, its genitive base, or one of its compound parts
(``Programm`` marks ``Atomprogramm`` in full); phrases mark all their words where the whole phrase occurs.
Article text is HTML-escaped before any markup is added, so nothing in an article can inject markup.

Work is bounded: at most about :data:`MAX_MARK_KEYS` query terms are marked (the prefilter regex costs time
per term and character: 400 terms took ~2 s per MB of text), long texts are scanned in chunks that check
the request's time budget (:mod:`search.core.limits`), and a text is never tokenised whole. The prefilter
searches a text once (its regions reuse those matches), and only the stretches between the spaces around
its hits are tokenised unless a phrase or a truncated conjunct needs a whole window around them.
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
    return _spans_at(text, terms, hits)


def _spans_at(text: str, terms: Terms, hits: list[int]) -> list[tuple[int, int]]:
    """:func:`match_spans` given the prefilter's hits in ``text``."""
    if not terms.phrases and not _TRUNCATION.search(text):  # then every window takes the short way
        return _merge(_hit_word_spans(text, terms, hits))
    out: list[tuple[int, int]] = []
    for ws, we in _windows(text, hits):
        inside = [h for h in hits if ws <= h < we]
        if terms.phrases or _TRUNCATION.search(text, ws, we):  # words far from a hit may count
            out.extend((a + ws, b + ws) for a, b in _spans_in(text[ws:we], terms, [h - ws for h in inside]))
        else:
            out.extend(_hit_word_spans(text, terms, inside))
    return _merge(out)


#: A truncated conjunct (``Atomwaffen-``): a word completed by the compound after it, a few words away.
#: Begins with the hyphen so that the regex engine skips to hyphens (a letter class first is 4x slower).
_TRUNCATION = re.compile(r"[-\u2010\u2011](?<=[^\W_][-\u2010\u2011])(?![^\W_])")


def _hit_word_spans(text: str, terms: Terms, hits: list[int]) -> list[tuple[int, int]]:
    """The matching words that contain a hit, tokenising only the space-delimited stretch around each hit.

    Without phrases and truncated conjuncts a word's tokens depend only on the characters between the
    spaces around it, so this marks what tokenising the whole window would, at a fraction of the cost.
    """
    spans: list[tuple[int, int]] = []
    done = -1  # the end of the last stretch tokenised
    for h in hits:
        if h < done:
            continue
        a = max(text.rfind(" ", 0, h), text.rfind("\n", 0, h)) + 1
        ends = [i for i in (text.find(" ", h), text.find("\n", h)) if i != -1]
        done = min(ends) if ends else len(text)
        for w in words(text[a:done]):
            s, e = w.start + a, w.end + a
            if w.kind != "joined" and _has_hit(hits, s, e) and _word_matches(w, terms):
                spans.append((s, e))
    return spans


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
    single = terms.stems or terms.exact or terms.prefixes  # else (only phrases) no single word matches
    for w in all_words if single else ():
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
    where the last match ended. A text of one chunk (most articles) is searched directly, without a
    Python generator step per match."""
    if 0 < len(lower) <= SCAN_CHUNK:
        limits.check(PHASE)
        return rx.finditer(lower)
    return _scan_chunks(rx, lower, keys)


def _scan_chunks(rx: re.Pattern, lower: str, keys: frozenset[str]) -> Iterator[re.Match]:
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
    at: dict[str, dict[int, None]] = {}  # the positions of each folded form, in text order
    for w in words(text):
        folded = fold(w.text)
        by_pos.setdefault(w.pos, []).append((folded, w))
        at.setdefault(folded, {})[w.pos] = None
    out = []
    for phrase in phrases:
        for pos in at.get(phrase[0], ()):  # only where the phrase's first word stands
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
    found = _regions_and_matches(text, terms)
    return None if found is None else found[0]


def _regions_and_matches(
    text: str, terms: Terms
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]] | None:
    """:func:`_candidate_regions`, and the spans of every prefilter match in ``text`` (None: no prefilter)."""
    keys = _keys(terms)
    rx = _prefilter(keys)
    if rx is None:
        return None
    lower = _lower(text)
    matches: list[tuple[int, int]] = []
    regions: list[tuple[int, int]] = []
    found: list[set[str]] = []
    n, find, rfind = len(text), text.find, text.rfind
    cur: set[str] | None = None  # the distinct matches of the last region, which runs cur_s .. cur_e
    cur_s = cur_e = 0
    for m in _scan(rx, lower, keys):
        ms, me = m.span()
        matches.append((ms, me))
        s, e = ms - WINDOW, me + WINDOW
        if s > 0:  # start and end on whitespace so no word is cut
            cut = find(" ", s, ms)
            s = cut + 1 if cut != -1 else ms
        else:
            s = 0
        if e < n:
            cut = rfind(" ", me, e)
            e = cut if cut != -1 else me
        else:
            e = n
        if cur is not None and s <= cur_e and e - cur_s <= MAX_REGION:
            if e > cur_e:
                cur_e = e
                regions[-1] = (cur_s, cur_e)
            cur.add(m.group())
        elif cur is not None and ms < cur_e:  # inside a full region: counted there
            cur.add(m.group())
        else:
            if cur is not None:
                s = max(s, cur_e + 1)
            cur_s, cur_e, cur = s, e, {m.group()}
            regions.append((s, e))
            found.append(cur)
    if len(regions) > MAX_REGIONS:  # keep the richest regions, in text order
        best = sorted(range(len(regions)), key=lambda i: (-len(found[i]), i))[:MAX_REGIONS]
        regions = [regions[i] for i in sorted(best)]
    return regions, matches


def _region_hits(text: str, matches: list[tuple[int, int]], rs: int, re_: int) -> list[int] | None:
    """The prefilter's hits in ``text[rs:re_]`` (offsets into it) taken from the whole text's ``matches``,
    or None when they might differ from a search of the region itself: a match across one of its edges
    (searched alone, the region could match differently there), or a capital sigma in the text (the only
    letter whose lower case depends on its neighbours)."""
    if "\u03a3" in text:
        return None
    i = bisect_left(matches, (rs, -1))
    if i and matches[i - 1][1] > rs:
        return None
    hits = []
    for ms, me in matches[i:]:
        if ms >= re_:
            break
        if me > re_:
            return None
        hits.append(ms - rs)
    return hits


def snippets(
    text: str, terms: Terms, max_fragments: int = MAX_FRAGMENTS, size: int = FRAGMENT_CHARS
) -> list[str]:
    """Up to ``max_fragments`` marked sentence fragments; the lead when nothing in the text matches.

    Only the regions around places a cheap regex finds are tokenised and matched, so long articles
    cost little; sentences cut by a region's edge become fragments marked with an ellipsis.
    """
    found = _regions_and_matches(text, terms) if terms else ([], [])
    regions, matches = found if found is not None else ([(0, len(text))], None)
    scored = []
    for rs, re_ in regions:
        limits.check(PHASE)
        part = text[rs:re_]
        hits = None if matches is None else _region_hits(text, matches, rs, re_)
        found_in = match_spans(part, terms) if hits is None else _spans_at(part, terms, hits)
        spans = [(a + rs, b + rs) for a, b in found_in]
        if not spans:
            continue
        last = spans[-1][1]
        for s, e in sentence_spans(part, spans[0][0] - rs):  # sentences before the first match: no use
            s, e = s + rs, e + rs
            if s >= last:  # no match in this sentence or after it: its boundaries are not needed
                break
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

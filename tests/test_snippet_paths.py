"""The short ways of the query path give the answers of the long ways (issue 20: CPU per request).

Snippets tokenise only the stretches around prefilter hits when no phrase or truncated conjunct needs a
whole window, reuse the whole text's prefilter matches for its regions, and find sentence boundaries
with one character class first; BM25 scores of a term are kept per generation. Each test compares the
short way with the long one it replaces, so a short way that drifts fails here.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from search.text import highlight
from search.text.highlight import Terms, match_spans, query_terms, snippets
from search.text.query import parse
from search.text.sentences import _BOUNDARY, sentence_spans

TEXTS = [
    "Die Corona-Pandemie traf die Corona-Warn-App. Corona! Coronavirus und Coronaviren, "
    "Corona‐Pandemie mit U+2010. Das Robert Koch-Institut (RKI) meldet: Koch-Institut, Kochinstitut.",
    "Atomwaffen- und Raketenprogramm Nordkoreas. Das Atomprogramm, die Atomprogramme und Nordkorea. "
    "Masken- oder Testpflicht? Maskenpflicht, Masken, maskiert.",
    "Die Straße, die Strasse, der Strassenbau. Präsident, US-Präsident, Praesident, Präsidenten!",
    "In İstanbul und in Istanbul trafen sich am 3. Juni Dr. Müller und Stephen E. Biegun. Dann kam Merkel.",
    ("Impfstoff " * 30) + "Zulassung des Impfstoffs. " + ("Wort " * 80) + "Impfstoffe und Zulassungen.",
    "Das Raketenprogramm, das Atomprogramm und die Programme der Corona-Hilfen (Coronahilfen).",
]
QUERIES = ["Corona", "Koch", "Programm", "Maske*", "Straße Präsident", "Istanbul", "Impfstoff Zulassung"]


def _terms(q: str) -> Terms:
    return query_terms(parse(q).tree)


@pytest.mark.parametrize("q", QUERIES)
@pytest.mark.parametrize("text", TEXTS)
def test_hit_stretches_mark_what_whole_windows_mark(text: str, q: str) -> None:
    terms = _terms(q)
    hits = highlight._hit_starts(text, terms)
    assert hits is not None
    short = highlight._merge(highlight._hit_word_spans(text, terms, hits))
    if not terms.phrases and not highlight._TRUNCATION.search(text):
        assert short == highlight._spans_in(text, terms, hits)
    long_way = []
    for ws, we in highlight._windows(text, hits):
        inside = [h - ws for h in hits if ws <= h < we]
        long_way += [(a + ws, b + ws) for a, b in highlight._spans_in(text[ws:we], terms, inside)]
    assert match_spans(text, terms) == highlight._merge(long_way)


def test_truncated_conjuncts_are_recognised() -> None:
    for text in ("Atomwaffen- und Raketenprogramm", "Masken\u2010 oder Testpflicht", "Ende mit Test-"):
        assert highlight._TRUNCATION.search(text), text
    for text in ("Corona-Pandemie", "Koch-Institut, Kim Jong-un", "ein - Strich", "-vorn"):
        assert not highlight._TRUNCATION.search(text), text
    spans = match_spans("Atomwaffen- und Raketenprogramm", _terms("Programm"))
    assert spans == [(0, 10), (16, 31)]  # both conjuncts, only found by tokenising the whole window


def _rescanning_snippets(text: str, terms: Terms, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    with monkeypatch.context() as m:
        m.setattr(highlight, "_region_hits", lambda *a: None)  # every region searched by itself
        return snippets(text, terms)


@pytest.mark.parametrize("q", [*QUERIES, '"Robert Koch-Institut"', "Programm"])
def test_snippets_reusing_the_texts_matches_equal_searching_each_region(
    q: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    terms = _terms(q)
    for text in TEXTS + [" ".join(TEXTS) * 3]:
        assert snippets(text, terms) == _rescanning_snippets(text, terms, monkeypatch)


def test_region_hits_are_those_of_the_region_or_none() -> None:
    terms = _terms("Impfstoff Zulassung")
    text = TEXTS[4]
    regions, matches = highlight._regions_and_matches(text, terms)
    for rs, re_ in regions:
        assert highlight._region_hits(text, matches, rs, re_) == highlight._hit_starts(text[rs:re_], terms)
    # a match across a region's edge: the region searched alone could match differently there
    ms, me = matches[0]
    assert highlight._region_hits(text, matches, ms + 1, me + 50) is None
    assert highlight._region_hits(text, matches, 0, ms + 2) is None
    # a capital sigma lowers by its neighbours: the text's lower case may differ from the region's
    assert highlight._region_hits(text + " ΣΟΦΙΑΣ", matches, 0, len(text)) is None


ORIGINAL_BOUNDARY = re.compile(r"(?<![.!?…])[.!?…]++[\"'“”„«»)\]]*(?=\s)|\n\s*\n")


@pytest.mark.parametrize(
    "text",
    [
        *TEXTS,
        "a.....b. C",
        'x!!! "Ja." Nein\n\n\nY',
        "...",
        "\n\n",
        " \n \n ",
        "Er ging…” Dann? „Wirklich!“ Ja.) Nein.] Doch",
        ".a. b.\tc.\u2028d",
    ],
)
def test_sentence_boundaries_as_the_two_branch_pattern(text: str) -> None:
    assert [m.span() for m in _BOUNDARY.finditer(text)] == [
        m.span() for m in ORIGINAL_BOUNDARY.finditer(text)
    ]
    spans = list(sentence_spans(text))
    assert all(text[s:e] == text[s:e].strip() and e > s for s, e in spans)


def test_term_scores_are_kept_per_generation_and_read_only(store) -> None:
    from search.engine.whoosh.scoring import Scorer
    from search.engine.whoosh.searcher import columns, scorer

    gen = store.current()
    sc = scorer(gen)
    postings = sc.postings("body", sc_term := _a_body_term(sc, gen))
    assert len(postings.ids)
    ids, first = sc.term_scores("body", sc_term, 1.5)
    again = sc.term_scores("body", sc_term, 1.5)
    assert again[1] is first  # the same array, not computed again
    with pytest.raises(ValueError):
        first[0] = 0  # shared by every request: nobody may change it
    fresh = Scorer(gen.searcher().reader(), columns(gen).live).term_scores("body", sc_term, 1.5)
    np.testing.assert_array_equal(fresh[0], ids)
    np.testing.assert_array_equal(fresh[1], first)
    other_boost = sc.term_scores("body", sc_term, 3.0)[1]
    np.testing.assert_allclose(other_boost, 2 * first, rtol=1e-6)


def _a_body_term(sc, gen) -> str:
    """A word of the seeds' bodies that the index holds."""
    reader = gen.searcher().reader()
    for term in reader.lexicon("body"):
        word = term.decode("utf-8") if isinstance(term, bytes) else term
        if len(word) > 4 and len(sc.postings("body", word).ids) > 1:
            return word
    raise AssertionError("no body term in the seed index")


@pytest.mark.parametrize(
    "text", [*TEXTS, "Dr. A. kam am 3. Juni.\n\n  Dann z.B. 12. April. Ende! Ja.", "a.b. c"]
)
def test_sentences_after_an_offset_are_those_of_the_whole_text(text: str) -> None:
    """Snippets ask for the sentences from their first match on: a suffix of all sentences, with every
    sentence that ends after the offset."""
    whole = list(sentence_spans(text))
    for skip_to in range(len(text) + 2):
        after = list(sentence_spans(text, skip_to))
        assert after == whole[len(whole) - len(after) :]
        assert [sp for sp in whole if sp[1] > skip_to] == after[
            len(after) - sum(sp[1] > skip_to for sp in whole) :
        ]
        assert all(sp in after for sp in whole if sp[1] > skip_to)

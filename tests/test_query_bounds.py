"""Bounded work for every search request (issue 19, "A client can exhaust the server").

A quoted phrase of 666 short words took 7-30 s on 3,000 articles and ignored ``SEARCH_TIME_LIMIT``: phrases
of 256+ words went to Whoosh's own matcher, and the time budget was only checked between phases. Now the
parser caps phrases (and repeated clauses count once), the compiler shares one expansion budget among a
query's ``*``/``~`` words, the matcher handles any phrase itself and checks the budget inside its loops,
and snippets mark a bounded number of terms and check the budget while they scan a long text. Each cap
that cuts says so in the response's warnings.

Speed is not asserted: the tests count work (calls, terms, keys) and check where a timeout is raised.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from urllib.parse import quote

import numpy as np
import pytest
from rapidfuzz.distance import OSA
from whoosh import query as wq
from whoosh.searching import Searcher

from search.core import limits
from search.core.params import MAX_QUERY_CHARS, search_request
from search.engine.whoosh import compiler as compiler_module
from search.engine.whoosh import scoring
from search.engine.whoosh.compiler import MAX_EXPANSIONS, MAX_TOTAL_EXPANSIONS, Compiler
from search.engine.whoosh.searcher import prefixed_words, scorer, search
from search.text import highlight
from search.text.highlight import MAX_MARK_KEYS, query_terms, snippets
from search.text.query import MAX_CLAUSES, MAX_PHRASE_WORDS, And, Not, Phrase, Scoped, Word, parse

from .conftest import SEEDS, start_server, stop_server
from .helpers import build_index

PHRASE_CUT = f"only the first {MAX_PHRASE_WORDS} words of a phrase or hyphenated word are used"
LONG_PHRASE = '"' + " ".join(["in"] * 666) + '"'  # the reported query: 1,999 characters
# A sentence that occurs in one article: a phrase of it matches at every offset (no early stop).
SENTENCE = (
    "Die Gesundheitsminister der Länder beraten am Montag in Berlin über strengere Regeln für Schulen "
    "Kitas Geschäfte und Gaststätten weil die Zahl der Neuinfektionen weiter steigt"
)


@pytest.fixture(autouse=True)
def _no_response_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cached response would answer a repeated query without any matching."""
    monkeypatch.setenv("SEARCH_CACHE_SIZE", "0")


@pytest.fixture(scope="module")
def phrase_index(tmp_path_factory: pytest.TempPathFactory):
    """80 articles full of ``in``, one with 40 ``in`` in a row, one with :data:`SENTENCE`."""
    rnd = np.random.default_rng(19)
    vocab = [
        "in",
        "der",
        "die",
        "und",
        "das",
        "Stadt",
        "Land",
        "Schule",
        "Regierung",
        "Impfung",
        "Maske",
        "Woche",
        "Berlin",
        "Zahl",
        "neue",
    ]
    docs = {
        f"d{i:03d}": f"Meldung {i}\n\n" + " ".join(rnd.choice(vocab, size=300).tolist()) + "."
        for i in range(80)
    }
    docs["many-in"] = "Eine Zeile\n\nWir zählen: " + " ".join(["in"] * 40) + " und fertig."
    docs["sentence"] = f"Beratung\n\nHeute: {SENTENCE}. Mehr dazu morgen."
    return build_index(tmp_path_factory.mktemp("phrases"), docs)


@pytest.fixture(scope="module")
def wide_lexicon(tmp_path_factory: pytest.TempPathFactory):
    """1,500 words beginning with ``ab``: ``aba*`` to ``abj*`` have 150 expansions each."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = [f"ab{a}{b}{c}" for a in letters[:10] for b in letters[:15] for c in letters[:10]]
    docs = {f"d{i}": " ".join(words[i * 100 : (i + 1) * 100]) + "." for i in range(15)}
    return build_index(tmp_path_factory.mktemp("lexicon"), docs)


def _phrase_words(node: object) -> list[int]:
    if isinstance(node, Phrase):
        return [len(node.text.split())]
    if isinstance(node, Scoped):
        return _phrase_words(node.value)
    return [n for c in getattr(node, "children", ()) for n in _phrase_words(c)]


# ----------------------------------------------------------------------------- the parser's caps


def test_long_phrase_is_cut_with_a_warning() -> None:
    parsed = parse(LONG_PHRASE)
    assert parsed.tree == Phrase(" ".join(["in"] * MAX_PHRASE_WORDS))
    assert parsed.warnings == (PHRASE_CUT,)
    # a phrase of exactly the cap is left alone
    full = parse('"' + " ".join(["in"] * MAX_PHRASE_WORDS) + '"')
    assert full.tree == parsed.tree and full.warnings == ()
    # title phrases, many phrases, and one giant hyphenated word are cut the same way
    title = parse('titel:"' + " ".join(["die"] * 400) + '"')
    assert _phrase_words(title.tree) == [MAX_PHRASE_WORDS] and title.warnings == (PHRASE_CUT,)
    many = parse(" ".join('"' + " ".join(f"w{i}x{j}" for j in range(50)) + '"' for i in range(3)))
    assert _phrase_words(many.tree) == [MAX_PHRASE_WORDS] * 3 and many.warnings == (PHRASE_CUT,)
    hyphens = parse("-".join(["corona"] * 280))
    assert isinstance(hyphens.tree, Word) and hyphens.tree.text.count("-") == MAX_PHRASE_WORDS - 1
    assert hyphens.warnings == (PHRASE_CUT,)
    # hyphen pieces count as phrase words
    mixed = parse('"a-b-c ' + " ".join(["x"] * 40) + '"')
    assert mixed.tree == Phrase("a-b-c " + " ".join(["x"] * (MAX_PHRASE_WORDS - 3)))


def test_a_repeated_clause_counts_once() -> None:
    """``corona`` 250 times used up the 40-clause budget, so ``impfung`` after it was dropped."""
    parsed = parse(" ".join(["corona"] * 250) + " impfung")
    assert parsed.tree == And((Word("corona"), Word("impfung"))) and parsed.warnings == ()
    phrases = parse(" ".join(['"in der"'] * 100) + " Schule")
    assert phrases.tree == And((Phrase("in der"), Word("Schule"))) and phrases.warnings == ()
    # only the same clause in the same AND group, under the same scope and sign, is a repeat
    assert parse("a -a").tree == And((Word("a"), Not(Word("a"))))
    assert parse("person:x x").tree == And((Scoped("person", Word("x")), Word("x")))
    assert parse("(a OR b) a").tree.children[1] == Word("a")
    assert parse("titel:Gipfel titel:Gipfel").tree == Scoped("title", Word("Gipfel"))
    # distinct words still hit the clause cap
    assert any(w.startswith("only the first") for w in parse(" ".join(f"w{i}" for i in range(60))).warnings)


def test_a_repeated_word_finds_what_the_word_finds(store) -> None:
    once = search(store, search_request({"q": "Gipfel"}))
    many = search(store, search_request({"q": " ".join(["Gipfel"] * 50) + " Trump"}))
    both = search(store, search_request({"q": "Gipfel Trump"}))
    assert once.total > 0 and many.warnings == ()
    assert [h["id"] for h in many.results] == [h["id"] for h in both.results]


# ----------------------------------------------------------------------------- the phrase matcher


def test_long_phrase_never_takes_whooshs_slow_path(phrase_index, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reported query: answered from the capped phrase by the vectorised matcher, with the warning."""

    def slow_path(self, *args, **kwargs):
        raise AssertionError("Whoosh's own matcher was used")

    monkeypatch.setattr(Searcher, "docs_for_query", slow_path)
    resp = search(phrase_index, search_request({"q": LONG_PHRASE}))
    assert resp.warnings == (PHRASE_CUT,)
    assert [h["id"] for h in resp.results] == ["many-in"]  # the article with 40 "in" in a row


def test_time_budget_is_checked_inside_the_phrase_matcher(phrase_index, monkeypatch) -> None:
    """The budget runs out while the first word's positions are decoded: the matcher stops at its next
    step with ``search_timeout`` (it used to decode every word, and the search ran on to the next phase)."""
    gen = phrase_index.current()
    scorer(gen)._phrases.clear()
    real = scoring.Scorer._packed_positions
    calls = []

    def decode_then_run_out(self, *args, **kwargs):
        calls.append(args[1])
        out = real(self, *args, **kwargs)
        time.sleep(0.2)  # the budget (0.1 s) is gone after the first word
        return out

    monkeypatch.setattr(scoring.Scorer, "_packed_positions", decode_then_run_out)
    words = SENTENCE.split()[:20]
    with limits.time_limit(0.1), pytest.raises(limits.SearchTimeout) as err:
        search(phrase_index, search_request({"q": '"' + " ".join(words) + '"'}))
    assert err.value.phase == "matching" and err.value.code == "search_timeout"
    assert len(calls) == 1
    # unlimited, the same phrase is found (the sentence article), every distinct word decoded once
    monkeypatch.setattr(scoring.Scorer, "_packed_positions", real)
    scorer(gen)._phrases.clear()
    resp = search(phrase_index, search_request({"q": '"' + " ".join(words) + '"'}))
    assert [h["id"] for h in resp.results] == ["sentence"]


def test_phrase_matcher_handles_any_length(phrase_index) -> None:
    """Phrases of 256+ words (the old limit of the vectorised matcher) match as Whoosh's matcher does."""
    gen = phrase_index.current()
    sc, searcher = scorer(gen), gen.searcher()
    live = set(np.flatnonzero(sc.live).tolist())
    for words in (
        ("in",) * 300,
        ("in",) * 40,
        ("in",) * 41,
        ("die", "zahl", "der"),
        tuple(SENTENCE.lower().split()),
    ):
        got = sc.phrase_ids("exact", words).tolist()
        expected = sorted(set(searcher.docs_for_query(wq.Phrase("exact", list(words)))) & live)
        assert got == expected, words[:5]


def test_date_ranges_match_whooshs_range_query(store) -> None:
    """Date ranges are read from the pubdate column now: what Whoosh's range query finds, minus its bug."""
    gen = store.current()
    sc, searcher = scorer(gen), gen.searcher()
    for lo, hi in ((20180101, 20181231), (20180401, 20180531), (20000101, 99991231), (20190101, 20190101)):
        mask, _ = sc.evaluate(wq.NumericRange("pubdate", lo, hi), searcher)
        expected = sorted(set(searcher.docs_for_query(wq.NumericRange("pubdate", lo, hi))))
        assert np.flatnonzero(mask).tolist() == expected, (lo, hi)
    assert search(store, search_request({"q": "date:2018"})).total > 0
    # Whoosh's range query matched every article for some ranges of small numbers (date:0000,
    # date:[0001 TO 0500]); the column comparison finds what the dates say: none of these articles
    for q in ("date:0000", "date:[0001 TO 0500]", "date:0500", "date:[0001 TO 2017]"):
        assert search(store, search_request({"q": q})).total == 0, q
    dated = int((sc.live & (sc.pubdate >= 10101) & (sc.pubdate <= 20191231)).sum())
    assert dated and search(store, search_request({"q": "date:[0001 TO 2019]"})).total == dated


# ----------------------------------------------------------------------------- expansions


def _leaves(q) -> int:
    return sum(1 for _ in q.leaves())


def test_expansions_share_one_budget_per_query(wide_lexicon, monkeypatch: pytest.MonkeyPatch) -> None:
    reader = wide_lexicon.current().searcher().reader()
    compiler = Compiler(reader)
    ten = compiler.compile(parse(" ".join(f"ab{c}*" for c in "abcdefghij")).tree)
    assert _leaves(ten) == 10 * 150 and compiler.warnings == []  # ten get all their words
    # a smaller budget (as a longer query would have): ten words share 1,000, 100 each of their 150
    monkeypatch.setattr(compiler_module, "MAX_TOTAL_EXPANSIONS", 1000)
    twenty = " ".join(f"ab{c}*" for c in "abcdefghij")
    cut = compiler.compile(parse(twenty).tree)
    share = 100
    assert _leaves(cut) == 10 * share
    assert compiler.warnings == [
        f"ab{c}*: only the {share} most frequent of 150 matching words are used" for c in "abcdefghij"
    ]
    assert compiler.cuts[0] == ("aba*", share, 150)
    many = compiler.compile(parse(" OR ".join(f"ab{c}*" for c in "abcdefghij" * 10)).tree)
    assert _leaves(many) <= 1000 < MAX_CLAUSES * MAX_EXPANSIONS
    # the response carries the warnings
    monkeypatch.setenv("SEARCH_CACHE_SIZE", "0")
    resp = search(wide_lexicon, search_request({"q": twenty}))
    assert resp.warnings[0] == f"aba*: only the {share} most frequent of 150 matching words are used"


def test_expansion_warning_on_the_result_page(wide_lexicon, monkeypatch: pytest.MonkeyPatch) -> None:
    from search import create_app

    monkeypatch.setattr(compiler_module, "MAX_TOTAL_EXPANSIONS", 1000)
    monkeypatch.setenv("SEARCH_CACHE_SIZE", "0")
    app = create_app({"TESTING": True, "SEARCH_INDEX_DIR": str(wide_lexicon.index_dir)})
    client = app.test_client()
    q = " OR ".join(f"ab{c}*" for c in "abcdefghij")
    share = 100
    api = client.get("/api/search?q=" + quote(q))
    assert api.status_code == 200
    assert (
        f"abj*: only the {share} most frequent of 150 matching words are used" in api.get_json()["warnings"]
    )
    page = client.get("/?lang=en&q=" + quote(q)).get_data(as_text=True)
    assert f"abj*: only the {share} most frequent of 150 matching words were searched" in page
    de = client.get("/?q=" + quote(q)).get_data(as_text=True)
    assert f"abj*: nur die {share} häufigsten von 150 passenden Wörtern wurden gesucht" in de


def test_matching_loops_check_the_budget_per_step(wide_lexicon, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each clause of an OR and each postings block is a step that checks the deadline; it used to be
    checked only between the phases, so one phase ran on for as long as it took."""
    seen: dict[str, int] = {}
    real = limits.check

    def spy(phase: str) -> None:
        seen[phase] = seen.get(phase, 0) + 1
        real(phase)

    monkeypatch.setattr(limits, "check", spy)
    # an expansion read before is kept by the generation (no loop left to check): read these anew
    prefixed_words(wide_lexicon.current()).cache_clear()
    q = " OR ".join(f"ab{c}*" for c in "abcdefghij")
    with limits.time_limit(600):
        resp = search(wide_lexicon, search_request({"q": q}))
    assert resp.total == 15
    terms = 10 * min(150, MAX_TOTAL_EXPANSIONS // 10)
    assert seen.get("matching", 0) >= terms  # one check per expanded term at least
    assert seen.get("expanding * and ~", 0) >= 2 * 10  # per prefix, and per 64 of its words
    assert seen.get("snippets", 0) >= len(resp.results)


def test_short_fuzzy_words_get_one_edit(wide_lexicon) -> None:
    reader = wide_lexicon.current().searcher().reader()
    compiler = Compiler(reader)
    short = compiler.compile(parse("abcd~2").tree)
    terms = [t.text for t in short.leaves()]
    assert terms and all(OSA.distance("abcd", t) <= 1 for t in terms)
    long = compiler.compile(parse("abcdef~2").tree)  # six letters: two edits as asked
    assert any(OSA.distance("abcdef", t.text) == 2 for t in long.leaves())


# ----------------------------------------------------------------------------- snippets


def test_marked_terms_are_bounded() -> None:
    """Forty 32-word phrases were ~1,300 terms in one prefilter regex (~2 s per MB of article text)."""
    q = " OR ".join('"' + " ".join(f"w{i}x{j}" for j in range(MAX_PHRASE_WORDS)) + '"' for i in range(40))
    terms = query_terms(parse(q[:MAX_QUERY_CHARS]).tree)
    assert len(highlight._keys(terms)) < MAX_MARK_KEYS + MAX_PHRASE_WORDS + 2
    # a query of a few words marks them all
    few = query_terms(parse('Gipfel "Kim Jong-un" Atom*').tree)
    assert {"gipfel", "kim", "atom"} <= highlight._keys(few)


def test_chunked_scan_finds_what_one_search_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    lower = highlight._lower(text)
    monkeypatch.setattr(highlight, "SCAN_CHUNK", 37)
    for q in ("Gipfel Trump", "Straße Gespräch", "Atom*", '"Kim Jong-un" Nordkorea', "a e i o u s"):
        keys = highlight._keys(query_terms(parse(q).tree))
        rx = highlight._prefilter(keys)
        expected = [(m.start(), m.end()) for m in rx.finditer(lower)]
        got = [(m.start(), m.end()) for m in highlight._scan(rx, lower, keys)]
        assert got == expected and expected, q


def test_snippets_check_the_budget_while_scanning() -> None:
    text = "Vorwort. " + "Ein Satz ohne den gesuchten Begriff. " * 60_000 + "Am Ende der Gipfel."
    terms = query_terms(parse("Gipfel").tree)
    assert "<mark>Gipfel</mark>" in snippets(text, terms)[0]
    with limits.time_limit(1e-6), pytest.raises(limits.SearchTimeout) as err:
        time.sleep(0.001)
        snippets(text, terms)
    assert err.value.phase == "snippets"


def test_a_dotted_capital_i_does_not_make_the_whole_text_analysed() -> None:
    """``İ`` lower-cases to two characters; that used to send the whole article to the tokenizer."""
    text = "İstanbul meldet. " + "Füllsatz ohne Treffer. " * 2000 + "Der Gipfel tagt."
    terms = query_terms(parse("Gipfel").tree)
    regions = highlight._candidate_regions(text, terms)
    assert regions is not None and len(regions) == 1
    assert snippets(text, terms) == ["Der <mark>Gipfel</mark> tagt."]


# ----------------------------------------------------------------------------- spelling suggestions


def test_a_suggestion_that_would_make_the_query_too_long_is_dropped(store) -> None:
    """``Gipfl`` -> ``Gipfel`` made a 2,000-character query 2,001 long; re-parsing it raised a 400."""
    q = "Gipfl " + "." * (MAX_QUERY_CHARS - 6)
    resp = search(store, search_request({"q": q}))
    assert resp.suggestion is None
    assert search(store, search_request({"q": "Gipfl"})).suggestion == "Gipfel"


# ----------------------------------------------------------------------------- over HTTP


def test_long_phrase_over_http_is_answered_within_the_budget(phrase_index) -> None:
    """A real server with a 2 s budget: the reported phrase is answered with the warning (or refused with
    ``search_timeout`` on a very slow machine), never run on past the budget."""
    articles = phrase_index.index_dir.parent / "articles"  # what the index was built from (build_index)
    proc, base = start_server(phrase_index.index_dir, articles, {"SEARCH_TIME_LIMIT": "2"})
    try:
        for path in ("/api/search?q=", "/?lang=en&q="):
            started = time.monotonic()
            try:
                with urllib.request.urlopen(base + path + quote(LONG_PHRASE), timeout=60) as resp:
                    status, body = resp.status, resp.read().decode("utf-8")
            except urllib.error.HTTPError as err:
                status, body = err.code, err.read().decode("utf-8")
            took = time.monotonic() - started
            assert took < 30, took  # generous: the budget is 2 s
            if status == 503:
                assert "search_timeout" in body or "took too long" in body
            elif path.startswith("/api"):
                assert status == 200 and json.loads(body)["warnings"] == [PHRASE_CUT]
            else:
                assert status == 200 and "only its first terms were used" in body
                assert re.search(r"many-in", body)
    finally:
        stop_server(proc)

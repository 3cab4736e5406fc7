"""German analysis: Snowball conformance, stop words, umlauts, hyphens, compounds, exact-first ranking."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from search.text.analysis import stem, tokens
from search.text.compounds import split_compound

from .conftest import ROOT, shared_path
from .helpers import build_index, ids


def test_snowball_german_conformance() -> None:
    folder = shared_path("data", "snowball-german")
    words = (folder / "voc.txt").read_text(encoding="utf-8").split("\n")
    expected = (folder / "output.txt").read_text(encoding="utf-8").split("\n")
    words, expected = [w for w in words if w], [e for e in expected if e]
    assert len(words) == len(expected) == 35033
    mismatches = [(w, e, stem(w)) for w, e in zip(words, expected, strict=True) if stem(w) != e]
    assert mismatches == []


def test_stop_words_keep_positions() -> None:
    toks = list(tokens("Das Treffen in der Stadt Singapur", "stem"))
    assert [(t, p) for t, p, *_ in toks] == [("treff", 1), ("stadt", 4), ("singapur", 5)]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory):
    docs = {
        "umlaut": "Die Delegation reiste nach Pjöngjang und wohnte an der Straße der Einheit.",
        "oe": "Eine Reise nach Pjoengjang führte über die Strasse am Fluss.",
        "plain": "In Pjongjang wurde gefeiert.",
        "hyphen": "Machthaber Kim Jong-un empfing den US-Präsidenten.",
        "spaced": "Machthaber Kim Jong Un sprach mit dem Präsidenten.",
        "truncated": "Das Atomwaffen- und Raketenprogramm soll enden.",
        "atom": "Das Atomprogramm des Landes wächst.",
        "absage": "Nach der Gipfelabsage war die Stimmung schlecht.",
        "exact": "Das Programm der Regierung wurde vorgestellt.",
        "stopgap": "Sie wollten über das Treffen in Ruhe reden.",
        "nostop": "Das Treffen Ruhe ist ein Name.",
    }
    return build_index(tmp_path_factory.mktemp("analysis"), docs)


@pytest.mark.parametrize("q", ["Pjöngjang", "Pjoengjang", "Pjongjang"])
def test_umlaut_spellings_find_the_same_articles(corpus, q: str) -> None:
    assert sorted(ids(corpus, q)) == ["oe", "plain", "umlaut"]


@pytest.mark.parametrize("q", ["Straße", "Strasse"])
def test_sharp_s(corpus, q: str) -> None:
    assert sorted(ids(corpus, q)) == ["oe", "umlaut"]


@pytest.mark.parametrize("q", ["Kim Jong-un", "Kim Jong Un", '"Kim Jong Un"', '"Kim Jong-un"', "kim jong-UN"])
def test_hyphen_and_space_variants_match_each_other(corpus, q: str) -> None:
    assert sorted(ids(corpus, q)) == ["hyphen", "spaced"]


def test_hyphenated_word_found_by_its_parts(corpus) -> None:
    assert ids(corpus, "US") == ["hyphen"]
    assert "hyphen" in ids(corpus, "Präsident")
    assert "hyphen" in ids(corpus, "US-Präsident")


def test_truncated_conjunct_is_completed(corpus) -> None:
    assert ids(corpus, "Atomwaffenprogramm") == ["truncated"]
    assert "truncated" in ids(corpus, "Raketenprogramm")


def test_compound_parts_found_and_exact_match_ranks_first(corpus) -> None:
    hits = ids(corpus, "Programm")
    assert set(hits) == {"exact", "atom", "truncated"}
    assert hits[0] == "exact"
    assert ids(corpus, "Absage") == ["absage"]


def test_phrase_does_not_jump_over_stop_word(corpus) -> None:
    assert ids(corpus, '"Treffen in Ruhe"') == ["stopgap"]
    assert ids(corpus, '"Treffen Ruhe"') == ["nostop"]
    assert ids(corpus, '"über das Treffen"') == ["stopgap"]


def _gold() -> list[dict]:
    with open(ROOT / "tests" / "data" / "compounds_de.tsv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def test_gold_compounds_are_not_in_the_seeds() -> None:
    seeds = " ".join(p.read_text(encoding="utf-8").lower() for p in (ROOT / "seeds").glob("*.txt"))
    rows = _gold()
    assert len([r for r in rows if r["kind"] == "compound"]) >= 200
    assert [r["word"] for r in rows if r["word"].lower() in seeds] == []


def splitter_scores() -> dict[str, float]:
    """Precision and recall of the splitter on the gold list (parts compared after stemming)."""
    tp = fp = fn = 0
    for row in _gold():
        got = [stem(p) for p in split_compound(row["word"])]
        gold = [stem(p) for p in row["parts"].split("+")]
        if row["kind"] == "compound":
            if not got:
                fn += 1
            elif got == gold:
                tp += 1
            else:
                fp += 1
                fn += 1
        elif got:
            fp += 1
    return {"precision": tp / (tp + fp), "recall": tp / (tp + fn), "tp": tp, "fp": fp, "fn": fn}


def test_compound_splitter_precision() -> None:
    scores = splitter_scores()
    assert scores["precision"] >= 0.93, scores
    assert scores["recall"] >= 0.85, scores


def test_seeds_examples(store) -> None:
    programm = set(ids(store, "Programm"))
    # Atomprogramm (004), Atomwaffen- und Raketenprogramm (001), Atomwaffenprogramm (003)
    assert {"001_97987ffb7de63694", "003_2eafdbd6af974de4", "004_3edf93f4457be493"} <= programm
    assert ids(store, "Absage") == ["003_2eafdbd6af974de4"]
    assert set(ids(store, "Pjoengjang")) == set(ids(store, "Pjöngjang")) == set(ids(store, "Pjongjang"))
    assert set(ids(store, '"Kim Jong Un"')) == set(ids(store, '"Kim Jong-un"'))


def test_measured_precision_is_reported(capsys) -> None:
    scores = splitter_scores()
    with capsys.disabled():
        print(f"\ncompound splitter on {scores['tp'] + scores['fn']} gold compounds: {scores}")


def test_gold_file_path_exists() -> None:
    assert Path(ROOT / "tests" / "data" / "compounds_de.tsv").is_file()


def test_compound_tables_equal_wordfreq_and_release_its_lists() -> None:
    """The splitter's own tables give what wordfreq gives, and wordfreq's lists (about 90 MB that a server
    would hold for life) are not kept once the tables are built."""
    import math

    import wordfreq

    from search.text import compounds

    short = ["and", "ten", "off", "the", "für", "ab", "kern", "zzzq"]
    expected = {w: wordfreq.zipf_frequency(w, "en") for w in short}
    german = {w: wordfreq.zipf_frequency(w, "de") for w in ("atom", "waffen", "programm", "gipfel")}
    compounds._english_short.cache_clear()
    compounds._zipf_table.cache_clear()
    assert {w: compounds._english_zipf(w) for w in short} == expected
    for word, z in german.items():
        assert math.isclose(compounds.zipf(word), z, abs_tol=0.006)  # wordfreq rounds to two decimals
    assert wordfreq.get_frequency_dict.cache_info().currsize == 0
    assert wordfreq.get_frequency_list.cache_info().currsize == 0

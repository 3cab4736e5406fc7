"""The synthetic German article generator (search.synthetic) and its benchmark folders.

Determinism is pinned byte for byte, because benchmark runs at different times must index the same text;
lengths are checked against FANG-COVID's distribution only loosely. Nothing here is timed.
"""

from __future__ import annotations

import random
import re
import statistics
from collections import Counter
from pathlib import Path

import pytest

from search_tools import synthetic
from search_tools.synthetic import article_text, generate


def _files(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` by relative path, the completion mark aside (it names the folder)."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".complete.json"
    }


def test_same_seed_writes_byte_identical_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from benchmarks import corpora

    monkeypatch.setattr(corpora, "FOLDER_SIZE", 100)
    n = synthetic.BATCH + 44  # two batches, the second cut short
    first = _files(corpora.write_synthetic(tmp_path / "a", n, seed=7).folder)
    second = _files(corpora.write_synthetic(tmp_path / "b", n, seed=7).folder)
    assert len([k for k in first if k.endswith(".txt")]) == n
    assert len([k for k in first if k.endswith("metadata.json")]) == 3
    assert first == second
    other = _files(corpora.write_synthetic(tmp_path / "c", n, seed=8).folder)
    assert other.keys() == first.keys()
    assert all(other[k] != first[k] for k in first if k.endswith(".txt"))


def test_first_articles_do_not_depend_on_the_total() -> None:
    small = list(generate(10, seed=3))
    large = list(generate(synthetic.BATCH + 10, seed=3))
    assert large[:10] == small
    assert [doc_id for doc_id, _ in large[-2:]] == [
        f"synth_{synthetic.BATCH + 8:06d}",
        f"synth_{synthetic.BATCH + 9:06d}",
    ]


def test_articles_are_streamed() -> None:
    stream = generate(10**9)  # a list of that many articles would never finish
    doc_id, text = next(stream)
    assert doc_id == "synth_000000" and text


def test_lengths_are_news_like() -> None:
    """FANG-COVID: median 4,187 and mean 5,648 characters, 5 % under 1,250, 5 % over 14,250."""
    lengths = [len(text) for _, text in generate(3000, seed=1)]
    assert 3500 < statistics.median(lengths) < 5000
    assert 4700 < statistics.fmean(lengths) < 6600
    assert min(lengths) >= 200 and max(lengths) <= 42000
    assert 0.02 < sum(n < 1250 for n in lengths) / len(lengths) < 0.1
    assert 0.02 < sum(n > 14250 for n in lengths) / len(lengths) < 0.1


def test_text_looks_like_german_news() -> None:
    text = "".join(text for _, text in generate(40, seed=5))
    words = re.findall(r"\w+", text)
    counts = Counter(w.lower() for w in words)
    top = [w for w, _ in counts.most_common(5)]
    assert {"die", "der", "und"} <= set(top)  # wordfreq's German list, Zipf-like
    ranked = [n for _, n in counts.most_common()]
    assert ranked[0] > 5 * ranked[99] > 0
    assert sum(w[0].isupper() for w in words) / len(words) > 0.2  # capitalised nouns and sentence starts
    assert re.search(r"\b[A-ZÄÖÜ]\w+-[A-ZÄÖÜ]\w+", text)  # hyphenated compounds
    months = "|".join(synthetic.MONTHS)
    assert re.search(rf"\bam \d{{1,2}}\. ({months}) (19|20)\d\d\b", text)
    assert "\n\n" in text and ", " in text
    for _, one in generate(20, seed=5):
        assert re.match(r"\w+ \((dpa|AFP|Reuters|APA|KNA)\) - [A-ZÄÖÜ]", one)
        assert one.endswith(".\n") and not one.endswith("\n\n")


def test_article_text_keeps_its_sentence_count_and_seed() -> None:
    one = article_text(random.Random(9), 5)
    assert one == article_text(random.Random(9), 5)
    assert one != article_text(random.Random(10), 5)
    body = one.split(" - ", 1)[1]
    # sentence ends: a full stop before a space, a newline or the end, except in dates ("am 3. März")
    assert len(re.findall(r"(?<!\bam \d)(?<!\bam \d\d)\.(?=\s|$)", body)) == 5
    assert article_text(random.Random(9), 0).endswith("-\n")

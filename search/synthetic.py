"""A generator of synthetic German articles of any number, for scale benchmarks and fault tests.

Sentences are drawn from wordfreq's German list with Zipf-like frequencies, with capitalised nouns,
hyphenated compounds, dates and agency datelines sprinkled in, so every analysis path is exercised.
Deterministic for a given seed.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

AGENCIES = ("dpa", "AFP", "Reuters", "APA", "KNA")
PLACES = ("Berlin", "Wien", "Brüssel", "Paris", "Moskau", "Peking", "Washington", "Seoul", "Rom", "Madrid")
MONTHS = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[list[str], list[float]]:
    import wordfreq

    words, weights = [], []
    for i, word in enumerate(wordfreq.top_n_list("de", 20000)):
        if word.isalpha() and len(word) > 1:
            words.append(word)
            weights.append(1.0 / (i + 10))
    return words, weights


def article_text(rng: random.Random, sentences: int = 12) -> str:
    """One synthetic article: a dateline, then paragraphs of random German sentences."""
    words, weights = _vocabulary()
    out = [f"{rng.choice(PLACES)} ({rng.choice(AGENCIES)}) - "]
    for s in range(sentences):
        n = rng.randint(6, 22)
        ws = rng.choices(words, weights, k=n)
        ws = [w.capitalize() if rng.random() < 0.3 else w for w in ws]
        if rng.random() < 0.2:
            ws.insert(rng.randrange(n), f"{ws[0].capitalize()}-{ws[-1].capitalize()}")
        if rng.random() < 0.15:
            ws.insert(
                rng.randrange(n), f"am {rng.randint(1, 28)}. {rng.choice(MONTHS)} {rng.randint(1990, 2024)}"
            )
        sentence = " ".join(ws)
        out.append(sentence[0].upper() + sentence[1:] + ".")
        out.append("\n\n" if s % 4 == 3 else " ")
    return "".join(out).strip() + "\n"


def generate(n: int, seed: int = 42) -> Iterator[tuple[str, str]]:
    """``n`` (id, text) pairs."""
    rng = random.Random(seed)
    for i in range(n):
        yield f"synth_{i:06d}", article_text(rng, rng.randint(6, 30))


def write_corpus(folder: Path, n: int, seed: int = 42) -> Path:
    """Write ``n`` synthetic articles as ``*.txt`` files into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for doc_id, text in generate(n, seed):
        (folder / f"{doc_id}.txt").write_text(text, encoding="utf-8")
    return folder

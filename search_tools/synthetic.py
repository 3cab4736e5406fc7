"""A generator of synthetic German articles of any number, for scale benchmarks and fault tests.

Sentences are drawn from wordfreq's German list with Zipf-like frequencies (weight ``1 / (rank + 10)``),
with capitalised nouns, commas, hyphenated compounds, dates and agency datelines sprinkled in, so every
analysis path is exercised. Article lengths follow a log-normal fitted to FANG-COVID (median about 4,200,
mean about 5,600 characters).

Fast enough for 100,000 articles (about 560 M characters) in well under two minutes: articles are made in
batches of :data:`BATCH`, every random draw of a batch is one numpy call, words are drawn by an exact
inverse-cdf table built once, and each word comes ready with its capitalisation and following punctuation,
so an article is one ``join``. Deterministic for a given seed (byte-identical output with the same numpy
version), and the first N articles of a seed are the same whatever the total; only one batch is held in
memory, so memory stays flat however many are written.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

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

VOCABULARY_SIZE = 20000  # of wordfreq's German list; 19,844 remain without digits and one-letter words
NOUN_SHARE = 0.3  # of the words below the function words: always capitalised, as German nouns are
FUNCTION_WORDS = 150  # the most frequent words (der, und, ist, ...) are never nouns
SENTENCE_WORDS = (6, 22)  # words per sentence, uniform
COMMA = 0.06  # chance of a comma after a word
PARAGRAPH_BREAK = 0.3  # chance that a sentence ends its paragraph
COMPOUND = 0.2  # chance that a sentence holds a hyphenated compound of two nouns (``Gesundheit-Amt``)
DATE = 0.15  # chance that a sentence holds a date (``am 3. März 2020``)
YEARS = (1990, 2024)
# ln(characters) of FANG-COVID's 41,242 articles has mean 8.35 and standard deviation 0.76 (median 4,187
# characters, mean 5,648); FANG-COVID's few articles of 100,000+ characters are not imitated
LENGTH_MU = 8.35
LENGTH_SIGMA = 0.76
LENGTH_RANGE = (300, 40000)
BATCH = 256  # articles made together (part of the output: changing it changes the texts of a seed)

_SUFFIXES = (" ", ", ", ". ", ".\n\n", ".\n")  # after a word: plain, comma, sentence end, paragraph end, last
_COMMA, _STOP, _PARAGRAPH, _LAST = 1, 2, 3, 4
_TABLE_BITS = 20


@dataclass(frozen=True)
class _Vocabulary:
    size: int
    forms: (
        np.ndarray
    )  # object array: word ``i`` capitalised or not (c) with suffix s at (2 * s + c) * size + i
    capitalised: np.ndarray  # object array of the words capitalised, without suffix
    cdf: np.ndarray  # cumulative weights, normalised
    table: np.ndarray  # inverse cdf on 2**_TABLE_BITS buckets of [0, 1); -1 where a bucket spans two words
    noun: np.ndarray  # bool per word: always capitalised
    noun_ids: np.ndarray  # word ids of the nouns, for compounds
    noun_cdf: np.ndarray
    chars_per_word: (
        float  # expected characters of text per word drawn, punctuation, compounds, dates included
    )

    def draw(self, gen: np.random.Generator, n: int) -> np.ndarray:
        """``n`` word ids by weight: exact inverse-cdf sampling, a binary search only where a bucket is unsure."""
        u = gen.random(n)
        ids = self.table[(u * len(self.table)).astype(np.intp)].astype(np.intp)
        unsure = np.flatnonzero(ids < 0)
        if len(unsure):
            ids[unsure] = np.searchsorted(self.cdf, u[unsure], side="right")
        return np.minimum(ids, self.size - 1, out=ids)


def _inverse_table(cdf: np.ndarray) -> np.ndarray:
    edges = np.searchsorted(cdf, np.arange((1 << _TABLE_BITS) + 1) / (1 << _TABLE_BITS), side="right")
    return np.where(edges[:-1] == edges[1:], edges[:-1], -1).astype(np.int16)


@lru_cache(maxsize=1)
def _vocabulary() -> _Vocabulary:
    import wordfreq

    words, weights = [], []
    for i, word in enumerate(wordfreq.top_n_list("de", VOCABULARY_SIZE)):
        if word.isalpha() and len(word) > 1:
            words.append(word)
            weights.append(1.0 / (i + 10))
    w = np.array(weights)
    cdf = np.cumsum(w) / w.sum()
    # a fixed choice of nouns (independent of the article seed), so a word is capitalised consistently
    noun = np.random.default_rng(0).random(len(words)) < NOUN_SHARE
    noun[:FUNCTION_WORDS] = False
    noun_ids = np.flatnonzero(noun)
    capitalised = [x[0].upper() + x[1:] for x in words]
    forms = [x + s for s in _SUFFIXES for variant in (words, capitalised) for x in variant]

    lengths = np.array([len(x) for x in words])
    word = float(w @ lengths / w.sum())
    noun_word = float(w[noun_ids] @ lengths[noun_ids] / w[noun_ids].sum())
    date = len("am . ") + np.mean([len(str(d)) for d in range(1, 29)]) + np.mean([len(m) for m in MONTHS]) + 5
    per_sentence = 1 + PARAGRAPH_BREAK + COMPOUND * (2 * noun_word + 1 - word) + DATE * (date - word)
    chars = word + 1 + COMMA + per_sentence / np.mean(SENTENCE_WORDS)
    return _Vocabulary(
        size=len(words),
        forms=np.array(forms, dtype=object),
        capitalised=np.array(capitalised, dtype=object),
        cdf=cdf,
        table=_inverse_table(cdf),
        noun=noun,
        noun_ids=noun_ids,
        noun_cdf=np.cumsum(w[noun_ids]) / w[noun_ids].sum(),
        chars_per_word=float(chars),
    )


_SUFFIX_OBJ = np.array(_SUFFIXES, dtype=object)
_DATE_DAY = np.array([f"am {d}. " for d in range(1, 29)], dtype=object)
_DATE_MONTH_YEAR = np.array([f"{m} {y}" for m in MONTHS for y in range(YEARS[0], YEARS[1] + 1)], dtype=object)


def _texts(gen: np.random.Generator, lengths: np.ndarray, last: np.ndarray) -> list[str]:
    """Articles from sentence ``lengths`` (words); ``last``: index of each article's last sentence."""
    v = _vocabulary()
    count = len(last)
    heads = [
        f"{PLACES[p]} ({AGENCIES[a]}) - "
        for p, a in zip(
            gen.integers(len(PLACES), size=count).tolist(),
            gen.integers(len(AGENCIES), size=count).tolist(),
            strict=True,
        )
    ]
    ends = np.cumsum(lengths) - 1
    starts = ends - lengths + 1
    total = int(lengths.sum())
    ids = v.draw(gen, total)
    cap = v.noun[ids]
    cap[starts] = True
    suffix = (gen.random(total) < COMMA).view(np.int8)
    suffix[ends] = _STOP
    suffix[ends[gen.random(len(ends)) < PARAGRAPH_BREAK]] = _PARAGRAPH
    suffix[ends[last]] = _LAST
    tokens = v.forms[(suffix.astype(np.intp) * 2 + cap) * v.size + ids]
    # compounds and dates replace a word after the first of some sentences
    for chance in (COMPOUND, DATE):
        chosen = np.flatnonzero(gen.random(len(lengths)) < chance)
        at = starts[chosen] + 1 + (gen.random(len(chosen)) * (lengths[chosen] - 1)).astype(np.intp)
        if chance == COMPOUND:
            pair = np.searchsorted(v.noun_cdf, gen.random((2, len(at))), side="right")
            pair = v.noun_ids[np.minimum(pair, len(v.noun_ids) - 1)]
            tokens[at] = v.capitalised[pair[0]] + "-" + v.capitalised[pair[1]] + _SUFFIX_OBJ[suffix[at]]
        else:
            day = gen.integers(len(_DATE_DAY), size=len(at))
            month_year = gen.integers(len(_DATE_MONTH_YEAR), size=len(at))
            tokens[at] = _DATE_DAY[day] + _DATE_MONTH_YEAR[month_year] + _SUFFIX_OBJ[suffix[at]]
    words = tokens.tolist()
    bounds = [0, *(ends[last] + 1).tolist()]
    return [head + "".join(words[a:b]) for head, a, b in zip(heads, bounds, bounds[1:], strict=False)]


def _sentence_lengths(gen: np.random.Generator, count: int) -> np.ndarray:
    return gen.integers(SENTENCE_WORDS[0], SENTENCE_WORDS[1] + 1, count)


def article_lengths(gen: np.random.Generator, count: int) -> np.ndarray:
    """Target lengths in characters, log-normal like FANG-COVID's articles."""
    return np.clip(np.rint(np.exp(gen.normal(LENGTH_MU, LENGTH_SIGMA, count))), *LENGTH_RANGE).astype(int)


def _batch(gen: np.random.Generator, count: int) -> list[str]:
    """``count`` articles of news-like lengths."""
    v = _vocabulary()
    lo, hi = SENTENCE_WORDS
    # the last sentence overshoots the target by (E[L^2] / E[L] - 1) / 2 words on average
    overshoot = ((hi - lo + 1) ** 2 - 1) / 12 / ((lo + hi) / 2) / 2 + (lo + hi) / 4 - 0.5
    head = np.mean([len(x) for x in PLACES]) + np.mean([len(x) for x in AGENCIES]) + len(" () - ")
    words = np.maximum(lo, np.rint((article_lengths(gen, count) - head) / v.chars_per_word - overshoot))
    lengths = _sentence_lengths(gen, int(words.sum()) // lo + count)
    csum = np.cumsum(lengths).tolist()
    last, done = [], 0
    for target in words.tolist():
        end = bisect.bisect_left(csum, done + target)  # the sentence reaching the target ends the article
        last.append(end)
        done = csum[end]
    return _texts(gen, lengths[: last[-1] + 1], np.array(last))


def article_text(rng: random.Random, sentences: int = 12) -> str:
    """One synthetic article of ``sentences`` sentences: a dateline, then paragraphs of German sentences."""
    gen = np.random.default_rng(rng.getrandbits(64))
    if sentences <= 0:
        return f"{PLACES[gen.integers(len(PLACES))]} ({AGENCIES[gen.integers(len(AGENCIES))]}) -\n"
    return _texts(gen, _sentence_lengths(gen, sentences), np.array([sentences - 1]))[0]


def generate(n: int, seed: int = 42) -> Iterator[tuple[str, str]]:
    """``n`` (id, text) pairs with news-like lengths, streamed; the same ``seed`` gives the same texts.

    Batch ``k`` has its own generator seeded by ``(seed, k)``, so article ``i`` does not depend on ``n``.
    """
    for start in range(0, n, BATCH):
        texts = _batch(np.random.default_rng([seed, start // BATCH]), BATCH)
        for i, text in enumerate(texts[: n - start], start):
            yield f"synth_{i:06d}", text


def write_corpus(folder: Path, n: int, seed: int = 42) -> Path:
    """Write ``n`` synthetic articles as ``*.txt`` files into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for doc_id, text in generate(n, seed):
        (folder / f"{doc_id}.txt").write_text(text, encoding="utf-8")
    return folder

"""Near-duplicate articles: the same text published by several sites (agency copy, mirror sites).

Why: in a news archive one agency story appears on many sites, and a result list of ten copies of one text
hides everything else. Each article gets a MinHash signature of its word 5-grams at index time
(:func:`signature`); once all articles are known, :func:`group` puts articles whose estimated overlap is at
least ``THRESHOLD`` into one group (locality-sensitive hashing over bands of the signature, then the estimate
checked for every candidate pair). The engines show a group as one hit and count it once.

Standard technique (Broder 1997, "On the resemblance and containment of documents"); the parameters are
chosen so that copies with a different header or footer (Jaccard ~0.8-0.95 over 5-grams) are found and
articles that share only quotations or a boilerplate paragraph are not.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Sequence

import numpy as np

#: Hash functions in a signature; ``BANDS`` bands of ``ROWS`` values each are the LSH buckets.
PERMUTATIONS = 128
BANDS, ROWS = 32, 4
#: Word n-grams compared.
SHINGLE = 5
#: Estimated Jaccard overlap of the 5-grams from which two articles are one text.
THRESHOLD = 0.8
#: Earlier members of an LSH bucket a new member is checked against.
COMPARED = 8
#: Articles with fewer words are never grouped (short notices share too much by chance).
MIN_WORDS = 100

_rng = np.random.default_rng(20_201_231)  # fixed: signatures of every run and process must agree
_A = np.uint64(_rng.integers(0, 1 << 62) * 2 + 1)  # multiply-shift hash (odd multiplier)
_B = np.uint64(_rng.integers(0, 1 << 62))
_BIN_BITS = 7  # 2**7 == PERMUTATIONS bins
_EMPTY = np.uint64((1 << 64) - 1)
_WORD = re.compile(r"\w+")
_BASE = 1_000_003  # the polynomial's base (odd, so no word's bits are shifted out entirely)


def signature(text: str) -> list[int] | None:
    """The MinHash signature of ``text``'s word 5-grams (case and punctuation aside); None for a text too
    short to be compared."""
    words = _WORD.findall(text.lower())
    if len(words) < MIN_WORDS:
        return None
    # each 5-gram hashed from its words' CRC-32s (a polynomial over the window), vectorised
    word_hashes = np.fromiter(
        (zlib.crc32(w.encode("utf-8")) for w in words), dtype=np.uint64, count=len(words)
    )
    n = len(words) - SHINGLE + 1
    grams = np.zeros(n, dtype=np.uint64)
    for k in range(SHINGLE):
        grams = (grams * np.uint64(_BASE) + word_hashes[k : k + n]) & np.uint64(0xFFFFFFFF)
    # one-permutation MinHash: one hash per 5-gram; its top bits choose one of PERMUTATIONS bins, each bin
    # keeps its smallest value (Li, Owen, Zhang 2012); an empty bin borrows the next bin's value (rotation)
    hashed = np.unique(grams) * _A + _B
    bins = (hashed >> np.uint64(64 - _BIN_BITS)).astype(np.int64)
    values = hashed & np.uint64((1 << (64 - _BIN_BITS)) - 1)
    out = np.full(PERMUTATIONS, _EMPTY, dtype=np.uint64)
    np.minimum.at(out, bins, values)
    empty = np.flatnonzero(out == _EMPTY)
    if len(empty):
        filled = np.flatnonzero(out != _EMPTY)
        nxt = filled[np.searchsorted(filled, empty) % len(filled)]
        out[empty] = out[nxt] + np.uint64(1 << 58) * ((nxt - empty) % PERMUTATIONS).astype(np.uint64)
    return out.tolist()


def packed_signature(text: str) -> bytes | None:
    """:func:`signature` as the index keeps it: the low 32 bits of each value, 512 bytes (equal values stay
    equal; two different minima agree in their low 32 bits by chance once in four billion)."""
    sig = signature(text)
    return None if sig is None else np.asarray(sig, dtype=np.uint64).astype(np.uint32).tobytes()


def unpack(packed: bytes) -> np.ndarray | None:
    """A packed signature as an array (None when it is not one, e.g. written by another version)."""
    if len(packed) != PERMUTATIONS * 4:
        return None
    return np.frombuffer(packed, dtype=np.uint32)


def similarity(a: Sequence[int], b: Sequence[int]) -> float:
    """Estimated Jaccard overlap of two signatures (the share of equal minima)."""
    return float(np.mean(np.asarray(a) == np.asarray(b)))


def group(signatures: Iterable[tuple[str, Sequence[int] | None]]) -> dict[str, str]:
    """``{article id: group key}`` for every article that has a near-duplicate; the key is the group's
    smallest id (stable while the group's members stay). Articles without a signature stay alone."""
    ids: list[str] = []
    rows: list[Sequence[int]] = []
    for article_id, sig in signatures:
        if sig is not None and len(sig) == PERMUTATIONS:
            ids.append(article_id)
            rows.append(sig)
    if len(ids) < 2:
        return {}
    matrix = np.asarray(rows)
    parent = list(range(len(ids)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for band in range(BANDS):
        part = matrix[:, band * ROWS : (band + 1) * ROWS]
        buckets: dict[bytes, list[int]] = {}
        for i, key in enumerate(part):
            buckets.setdefault(key.tobytes(), []).append(i)
        for members in buckets.values():
            if len(members) < 2:
                continue
            for n, other in enumerate(members[1:], 1):
                for earlier in members[max(0, n - COMPARED) : n]:  # a few, not all pairs of a big bucket
                    a, b = root(earlier), root(other)
                    if a == b:
                        break
                    if np.mean(matrix[earlier] == matrix[other]) >= THRESHOLD:
                        parent[b] = a
                        break
    groups: dict[int, list[str]] = {}
    for i, article_id in enumerate(ids):
        groups.setdefault(root(i), []).append(article_id)
    out: dict[str, str] = {}
    for members in groups.values():
        if len(members) > 1:
            key = min(members)
            out.update(dict.fromkeys(members, key))
    return out

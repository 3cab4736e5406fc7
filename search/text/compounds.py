"""German compound splitting with a real word list (wordfreq's German frequencies).

``Atomwaffenprogramm`` -> ``atom``, ``waffen``, ``programm``. The parts are indexed beside the whole
word (in their own field, so exact matches still rank first). Method: Koehn & Knight (2003) — try every
split point with the linking elements of German, accept parts that are frequent German words, choose the
split whose parts have the highest geometric-mean frequency; a part that is itself a frequent word is only
split further when its parts are more frequent than it is. Rules (linking elements, blocked prefixes and
suffixes) live in ``data/compound_rules_de.txt``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from search.core.settings import DATA_DIR

MIN_WORD = 6  # shorter words are never split
# Longer words are never split either: they are URL slugs and run-together headlines, not compounds (the
# longest word split in 8,000 FANG-COVID articles has 74 letters), and splitting costs O(length²) (every
# suffix is tried as a head): a 4,000-letter word exhausted the recursion limit, a 2 KB one took 3 s.
MAX_WORD = 80
MIN_PART = 3
MODIFIER_ZIPF = 2.5  # modifiers are often rarer words ("Demarkation-s-linie")
HEAD_ZIPF = 3.0
LONG_HEAD_ZIPF = 2.0  # heads of 8+ letters are rarely junk, and inflected plurals are rare
SHORT_PART_ZIPF = 4.0  # 3-letter parts (Amt, Rat, Gas) must be common words
SHORT_PART_LEN = 4  # parts this short must be German words first (not "and", "ten", "off")
SHORT_PART_PENALTY = 0.5  # among splits, 3-letter parts are more often accidental
TOP_MARGIN = 0.5  # a frequent word is split when its parts are nearly as frequent as the whole


@lru_cache(maxsize=1)
def _rules() -> dict[str, tuple[str, ...]]:
    sections: dict[str, list[str]] = {}
    current = None
    for line in (DATA_DIR / "compound_rules_de.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), [])
        elif current is not None:
            current.append(line)
    return {k: tuple(v) for k, v in sections.items()}


@lru_cache(maxsize=1)
def _longest_known() -> int:
    """Letters of the longest word in the frequency table: a longer part is no known word."""
    return max(map(len, _zipf_table()), default=0)


@lru_cache(maxsize=1)
def _zipf_table() -> dict[str, float]:
    """German words with Zipf frequency >= the lowest threshold we use (about 120k words)."""
    import wordfreq  # imported lazily: loading the list takes about a second

    floor = min(MODIFIER_ZIPF, HEAD_ZIPF)
    out = {}
    for word, freq in wordfreq.get_frequency_dict("de").items():
        if freq <= 0 or not word.isalpha():
            continue
        zipf = math.log10(freq) + 9
        if zipf >= floor:
            out[word] = zipf
    _release_wordfreq()
    return out


def _release_wordfreq() -> None:
    """Drop wordfreq's own copies of the lists read so far: it keeps every list and dictionary it loaded
    (about 90 MB for German and English) while this module needs only its two small tables. A server holds
    this memory for its whole life; indexing workers that ask wordfreq again simply load it again."""
    import wordfreq

    wordfreq.get_frequency_list.cache_clear()
    wordfreq.get_frequency_dict.cache_clear()


def zipf(word: str) -> float:
    """Zipf frequency of a lowercase German word (0 when unknown or too rare).

    wordfreq spells ß as ss in its keys, so look up that spelling.
    """
    return _zipf_table().get(word.replace("ß", "ss"), 0.0)


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from search.text.analysis import stopwords

    return stopwords()


def _part_zipf(form: str, need: float) -> float:
    """Zipf of a candidate part, 0 when it is too short, a function word, or too rare."""
    if len(form) < MIN_PART or len(form) > _longest_known() or form in _stopwords():
        return 0.0  # (too long: saves a lookup for each of the many long heads of a long word)
    z = zipf(form)
    if len(form) == MIN_PART:
        need = max(need, SHORT_PART_ZIPF)
    if z < need or (len(form) <= SHORT_PART_LEN and _english_zipf(form) > z):
        return 0.0
    return z


def _english_zipf(word: str) -> float:
    """Short strings that are mainly English words (and, ten, off) are junk parts in German text."""
    return _english_short().get(word, 0.0)


@lru_cache(maxsize=1)
def _english_short() -> dict[str, float]:
    """Zipf frequencies of the English words of at most ``SHORT_PART_LEN`` letters (the only ones asked
    for), as ``wordfreq.zipf_frequency`` gives them (rounded to two decimals) — except that a German part
    is looked up as written: wordfreq case-folds ``maß`` to the English ``mass``, which kept ``Maßstab`` and
    ``Augenmaß`` from being split."""
    import wordfreq

    out = {
        word: round(math.log10(freq) + 9, 2)
        for word, freq in wordfreq.get_frequency_dict("en").items()
        if freq > 0 and len(word) <= SHORT_PART_LEN
    }
    _release_wordfreq()
    return out


def _modifier_forms(text: str) -> list[tuple[str, float]]:
    """Ways ``text`` (the left side of a split) can be a modifier: itself or minus a linking element."""
    rules = _rules()
    blocked = set(rules["blocked_modifiers"])
    if text in blocked or text in _rules()["blocked_heads"]:
        return []
    forms = []
    for link in ("", *rules["links"]):
        if link and not text.endswith(link):
            continue
        form = text[: len(text) - len(link)] if link else text
        if form in blocked or form in _rules()["blocked_heads"]:
            continue
        z = _part_zipf(form, MODIFIER_ZIPF)
        if z:
            forms.append((form, z))
    return forms


@lru_cache(maxsize=65_536)
def _head_ok(text: str) -> float:
    if text in _rules()["blocked_heads"]:
        return 0.0
    return _part_zipf(text, LONG_HEAD_ZIPF if len(text) >= 8 else HEAD_ZIPF)


@dataclass(frozen=True)
class _Node:
    """A decomposition: a part with its own parts (empty for a leaf) and the score of the split."""

    text: str
    children: tuple[_Node, ...] = ()
    zipf: float = 0.0

    def leaves(self) -> tuple[str, ...]:
        return tuple(x for c in self.children for x in c.leaves()) if self.children else (self.text,)

    def inner(self) -> tuple[str, ...]:
        """Every part at every level below this node (``atomwaffen``, ``atom``, ``waffen``, ``programm``)."""
        return tuple(x for c in self.children for x in (c.text, *c.inner()))


def _side(text: str, z: float) -> _Node:
    """A part, decomposed further when Koehn & Knight's criterion says its parts beat it."""
    if len(text) >= MIN_WORD:
        split = _decompose(text, False)
        if split:
            return split
    return _Node(text, (), z)


@lru_cache(maxsize=262_144)
def _decompose(word: str, top: bool) -> _Node | None:
    """Best binary split of ``word`` (each side possibly split again), or None."""
    best: tuple[float, str, str, float, float] | None = None
    for i in range(MIN_PART, len(word) - MIN_PART + 1):
        head = word[i:]
        head_z = _head_ok(head)
        if not head_z:
            sub = _decompose(head, False) if len(head) >= MIN_WORD else None
            head_z = sub.zipf if sub else 0.0
        if not head_z:
            continue
        for form, mod_z in _modifier_forms(word[:i]):
            score = (mod_z + head_z) / 2  # geometric mean of the frequencies
            score -= SHORT_PART_PENALTY * ((len(form) == MIN_PART) + (len(head) == MIN_PART))
            if best is None or score > best[0]:
                best = (score, form, head, mod_z, head_z)
    if best is None:
        return None
    score, form, head, mod_z, head_z = best
    own = zipf(word)
    if own and score <= own - (TOP_MARGIN if top else 0.0):
        return None  # a frequent word whose parts are rarer than itself is kept whole (Koehn & Knight)
    return _Node(word, (_side(form, mod_z), _side(head, head_z)), score)


def split_compound(word: str) -> tuple[str, ...]:
    """The finest parts of a German compound, lowercased (``()`` for words that are not split).

    >>> split_compound("Atomwaffenprogramm")
    ('atom', 'waffen', 'programm')
    """
    node = _split(word)
    return node.leaves() if node else ()


def compound_parts(word: str) -> tuple[str, ...]:
    """All parts at every level, for indexing (``atomwaffen``, ``atom``, ``waffen``, ``programm``)."""
    node = _split(word)
    return node.inner() if node else ()


def _split(word: str) -> _Node | None:
    w = word.lower()
    if not MIN_WORD <= len(w) <= MAX_WORD or not w.isalpha():
        return None
    return _decompose(w, True)


def compound_head(word: str) -> str | None:
    """The last part (head) of a compound or hyphenated word, for ``Atomwaffen- und Raketenprogramm``."""
    if "-" in word:
        return word.rsplit("-", 1)[1].lower() or None
    parts = split_compound(word)
    return parts[-1] if parts else None

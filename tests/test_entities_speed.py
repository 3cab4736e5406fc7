"""The fast paths of search.enrich.entities give what their straightforward definitions give, and scale
linearly.

Why: entity extraction runs on every article at index time, so ``search.enrich.entities`` replaces a few
obvious but slow constructions (spaCy's token Matcher, regex searches over a whole prefix, scans over every
known name) by look-ups. Each test here pins one replacement to the obvious version it stands for.
"""

from __future__ import annotations

import random
import re
import time
from collections import Counter

import pytest

from search.enrich.entities.keys import KeyIndex, repair_key
from search.enrich.entities.lexicon import _cues, glue_verbs, is_cue, stop_words
from search.enrich.entities.mentions import Draft, Mention
from search.enrich.entities.names import key_tokens
from search.enrich.entities.ner import _OrthMatcher, load_pipeline
from search.enrich.entities.references import _bare_pattern, _word_before
from search.enrich.entities.registry import Registry

ALPHABET = "ab AB-.'’\n\t_3äÖ"


def _random_texts(n: int, length: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    return ["".join(rnd.choice(ALPHABET) for _ in range(length)) for _ in range(n)]


# spaCy's token Matcher --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def nlp():  # spacy.Language
    return load_pipeline()


def test_orth_matcher_gives_the_matchers_matches(nlp) -> None:
    ruler = nlp.get_pipe("search_rules")
    assert isinstance(ruler.matcher, _OrthMatcher)
    texts = [
        "Die USA und die BRD, die DVRK und das UK: USAs Präsident, us und Us und U.S.A. sowie VAEs.",
        "Keine Abkürzung hier.",
        "",
        "US",
        "US-Präsident Trump traf in der DVRK Kim Jong Un; die USA und die VAE.\n\nUK UK UK",
    ]
    for text in texts:
        doc = nlp.make_doc(text)
        assert ruler.matcher(doc) == ruler.matcher._matcher(doc), text


def test_orth_matcher_falls_back_for_other_patterns(nlp) -> None:
    from spacy.matcher import Matcher

    matcher = _OrthMatcher(Matcher(nlp.vocab))
    matcher.add("X", [[{"ORTH": "USA"}]])
    doc = nlp.make_doc("USA und usa und USA")
    assert (
        matcher(doc)
        == matcher._matcher(doc)
        == [(nlp.vocab.strings["X"], 0, 1), (nlp.vocab.strings["X"], 4, 5)]
    )
    matcher.add("Y", [[{"LOWER": "usa"}]])  # not an exact ORTH pattern: spaCy's Matcher answers
    assert matcher(doc) == matcher._matcher(doc)
    assert len(matcher(doc)) == 5


# regexes ---------------------------------------------------------------------------------------------------


def test_word_before_is_the_prefix_regex() -> None:
    slow = re.compile(r"([^\W\d_][\w\-]*)\.?\s+$")
    for text in _random_texts(300, 40, seed=1):
        for pos in range(len(text) + 1):
            m = slow.search(text[:pos])
            assert _word_before(text, pos) == (m.group(1) if m else None), (text, pos)


def test_bare_pattern_is_the_lookbehind_regex() -> None:
    texts = _random_texts(300, 60, seed=2) + ["Bo'Bo xBo -Bo Bos Bo’s Bo's", "ab-ab ab_ab ab's ab’ ab"]
    for word in ("ab", "Ab", "a", "B-a", "ä"):
        slow = re.compile(r"(?<![\w\-])" + re.escape(word) + r"(?:s|'s|’s|'|’)?(?![\w])")
        for text in texts:
            fast = [m.span() for m in _bare_pattern(word).finditer(text)]
            assert fast == [m.span() for m in slow.finditer(text)], (word, text)


# word lists ------------------------------------------------------------------------------------------------


def test_is_cue_is_the_suffix_scan() -> None:
    cues = _cues()

    def slow(word: str) -> bool:
        w = word.lower().strip(".,;:")
        if not w:
            return False
        if w in cues.exact or re.split(r"[-\u2010\u2011]", w)[-1] in cues.exact:
            return True
        return any(w.endswith(s) and len(w) - len(s) >= 3 for s in cues.suffixes)

    words = [
        "Präsident",
        "US-Präsident",
        "Atomunterhändlers",
        "Präsidium",
        "Trump",
        "Vizepräsidentin",
        "Ministerpräsident.",
        "xyzsprecher",
        "sprecher",
        "",
        ".",
    ]
    rnd = random.Random(3)
    suffixes = sorted(cues.suffixes)
    words += [
        "".join(rnd.choice("abcxy") for _ in range(rnd.randint(0, 4))) + rnd.choice(suffixes)
        for _ in range(300)
    ]
    for word in words:
        assert is_cue(word) == slow(word), word


# the person registry ---------------------------------------------------------------------------------------


def _slow_repair(key: str, known: set[str]) -> str | None:
    """:func:`repair_key` as a scan over every known key (the definition the index implements; no weights:
    the middle-name rules only decide between keys written a different number of times)."""
    toks = list(key_tokens(key))
    last = toks[-1]
    for cut in range(2, len(last) - 3):
        tail = last[cut:]
        if tail in glue_verbs() or (len(tail) >= 4 and tail in stop_words()):
            cand = " ".join([*toks[:-1], last[:cut]])
            if cand in known or (cut <= 3 and tail in glue_verbs() and len(toks) >= 2):
                return cand
    fuller = [
        k for k in known if len(k.split()) == 3 and k.split()[0] == toks[0] and k.split()[-1] == toks[-1]
    ]
    if len(toks) == 2 and len(fuller) == 1:
        return fuller[0]
    prefixed = sorted(k for k in known if k != key and len(toks) >= 2 and k.split()[: len(toks)] == toks)
    if key in known and not prefixed:
        return key
    longer = [k for k in prefixed if len(k.split()) == len(toks) + 1]
    if len(toks[-1]) > 3:
        return key
    if len(longer) == 1:
        return longer[0]
    if len(longer) > 1:
        return None
    return key


def test_repair_with_index_is_the_scan() -> None:
    rnd = random.Random(4)
    syllables = [
        "kim",
        "jong",
        "un",
        "moon",
        "jae",
        "in",
        "lee",
        "peter",
        "ben",
        "embarek",
        "unwerden",
        "jaehat",
    ]
    keys = {" ".join(rnd.choice(syllables) for _ in range(rnd.randint(1, 4))) for _ in range(400)}
    base = set(list(keys)[:250])
    extra = keys - base
    index = KeyIndex(base)
    for key in sorted(keys):
        assert repair_key(key, index, set(), extra) == _slow_repair(key, keys), key


def test_registry_build_is_not_quadratic() -> None:
    """Many articles with many distinct names: the registry must not compare every name with every other."""
    n = 6000
    drafts = []
    for i in range(n):
        name = f"Vorname{i} Nachname{i}"
        text = f"{name} sagte, Nachname{i} habe recht."
        drafts.append(Draft(text, [Mention(0, len(name), name, "first")]))
    start = time.process_time()
    reg = Registry.build(drafts, {}, {}, Counter())
    for d in drafts[:500]:
        reg.resolve(d)
    assert time.process_time() - start < 15  # about 1 s; the scan over all names took minutes
    assert len(reg.variants) == n

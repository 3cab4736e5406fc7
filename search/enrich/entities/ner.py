"""The spaCy pipeline: statistical NER model (if any) + sentence splitter + country/person EntityRuler.

Why a module of its own: loading the pipeline is the one place that knows about spaCy's configuration —
which model (``SEARCH_SPACY_MODEL``, else the bundled ``search/models/de_news_ner``, else rules only), which
components are excluded, that the country gazetteer of :mod:`search.enrich.countries` and the alias table's
multi-word names become EntityRuler patterns after the model (so its country forms override what the model
says about them), and that the model's own entities are kept aside (``doc.spans["model_ents"]``) before the
rules overwrite them. Nothing is ever downloaded.

Speed: the EntityRuler's token Matcher is replaced by a set look-up for its exact-token patterns
(:class:`_OrthMatcher`), and models multiply their matrices with numpy's OpenBLAS (:func:`_fast_ops`).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from search.core.settings import BUNDLED_NER_MODEL, settings
from search.enrich import countries as _countries

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.matcher import Matcher
    from spacy.tokens import Doc, Span

BUNDLED_MODEL = BUNDLED_NER_MODEL

_STASH = "search_stash_model_ents"


def _register_components() -> None:
    from spacy.language import Language

    if _STASH in Language.factories:
        return

    @Language.component(_STASH)
    def stash_model_ents(doc: Doc) -> Doc:  # a spaCy component
        """Keep the model's own entities before the rules overwrite them (to tell "George Washington")."""
        doc.spans["model_ents"] = list(doc.ents)
        return doc


@contextlib.contextmanager
def _fast_ops() -> Iterator[None]:
    """Models loaded inside multiply matrices with numpy's OpenBLAS instead of thinc's default BLIS.

    Measured here (AMD EPYC, one thread): OpenBLAS runs the tok2vec's matrix products 2.9x faster than BLIS
    (58 vs 20 GFLOP/s), which makes the whole pipeline 1.7x faster on news articles, with the same entities
    (300 FANG-COVID articles, 15,780 entities, none different). The parser's small per-step products stay on
    BLIS (thinc calls it directly).
    """
    from thinc.api import use_ops

    with use_ops("numpy", use_blis=False):
        yield


def load_pipeline(model: str | None = None, alias_surfaces: dict[str, str] | None = None) -> Language:
    """The spaCy pipeline: statistical model (if any) + sentence splitter + country/person EntityRuler.

    Model choice: ``model`` (an installed pipeline name or a path), else env ``SEARCH_SPACY_MODEL``, else the
    bundled ``search/models/de_news_ner`` when present, else ``spacy.blank("de")`` (rules only). Never
    downloads anything.
    """
    import spacy

    _register_components()
    name = (model or settings().spacy_model).strip()
    unused = ["parser", "lemmatizer", "morphologizer", "tagger", "attribute_ruler", "trainable_lemmatizer"]
    with _fast_ops():
        if name:
            nlp = spacy.load(name, exclude=unused)
        elif (BUNDLED_MODEL / "meta.json").exists():
            nlp = spacy.load(BUNDLED_MODEL, exclude=unused)
        else:
            nlp = spacy.blank("de")
    if not any(p in nlp.pipe_names for p in ("senter", "sentencizer", "parser")):
        nlp.add_pipe("sentencizer", first=True)
    _split_glued_punctuation(nlp)
    if "ner" in nlp.pipe_names:
        nlp.add_pipe(_STASH, after="ner")
        ruler = nlp.add_pipe(
            "entity_ruler",
            name="search_rules",
            after=_STASH,
            config={"overwrite_ents": True, "phrase_matcher_attr": "LOWER"},
        )
    else:
        ruler = nlp.add_pipe("entity_ruler", name="search_rules", config={"phrase_matcher_attr": "LOWER"})
    patterns = _countries.entity_ruler_patterns()
    for surface, canonical in sorted((alias_surfaces or {}).items()):
        patterns.append({"label": "PER", "pattern": surface, "id": canonical})
    with nlp.select_pipes(enable=[]):
        ruler.add_patterns(patterns)
    ruler.matcher = _OrthMatcher(ruler.matcher)
    return nlp


def _split_glued_punctuation(nlp: Language) -> None:
    """A dash glued to the end of a word is a token of its own ("Viktor Orbán– you'll realize", a lost
    space): spaCy's German suffixes leave "Orbán–" one token, which no name rule takes for a name, so only
    "Viktor" was left of the person. So is a period before a glued "von" (below)."""
    from spacy.util import compile_infix_regex, compile_suffix_regex

    suffixes = [*nlp.Defaults.suffixes, r"(?<=[^\W\d_])[\u2013\u2014]"]
    nlp.tokenizer.suffix_search = compile_suffix_regex(suffixes).search
    # a byline glued to the sentence before it ("sagte Benjamin Franklin.von Giorgio Agamben", a lost line
    # break in scraped articles): the name before it was lost in the token "Franklin.von", which spaCy took
    # for a web address ("von" its domain)
    infixes = [*nlp.Defaults.infixes, r"(?<=[^\W\d_]{2})\.(?=[Vv]on$)"]
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    url = getattr(nlp.tokenizer.url_match, "__self__", None)  # its compiled pattern (spaCy's or a copy)
    if isinstance(url, re.Pattern):  # the same pattern, "Wort.von" excepted
        nlp.tokenizer.url_match = re.compile(
            r"(?![^\W\d_]{2,}\.[Vv]on$)" + url.pattern.removeprefix("(?u)")
        ).match


class _OrthMatcher:
    """Stands in for the EntityRuler's token Matcher; same ``(match_id, start, end)`` list, far cheaper.

    Why: spaCy's Matcher builds a Token object per token and steps every pattern over every token, so the 13
    abbreviation patterns (``US``, ``DVRK``: one exact ORTH token each) cost more than the PhraseMatcher with
    all other country forms. When every pattern is such a single ORTH token (one key per token text, no
    callback, no greedy filter), a set look-up per token gives the matches, in the Matcher's order (by
    token). Anything else, and every other method, goes to the wrapped Matcher.
    """

    def __init__(self, matcher: Matcher) -> None:
        self._matcher = matcher
        self._table: dict[int, int] | None = None  # ORTH hash -> match key; None: not built yet
        self._exact = False  # whether the table stands for all patterns

    def __getattr__(self, name: str) -> Any:  # get, vocab, _normalize_key, ... of the Matcher
        return getattr(self._matcher, name)

    def __len__(self) -> int:
        return len(self._matcher)

    def __contains__(self, key: object) -> bool:
        return key in self._matcher

    def add(self, *args: Any, **kwargs: Any) -> None:  # Matcher.add
        self._table = None
        self._matcher.add(*args, **kwargs)

    def remove(self, key: object) -> None:
        self._table = None
        self._matcher.remove(key)

    def _build(self) -> dict[int, int]:
        m = self._matcher
        table: dict[int, int] = {}
        self._exact = False
        for key, patterns in m._patterns.items():
            if m._callbacks.get(key) is not None or m._filter.get(key) is not None:
                return table
            for pattern in patterns:
                if (
                    len(pattern) != 1
                    or list(pattern[0]) != ["ORTH"]
                    or not isinstance(pattern[0]["ORTH"], str)
                ):
                    return table
                orth = m.vocab.strings.add(pattern[0]["ORTH"])
                if table.setdefault(orth, key) != key:
                    return table  # one token, two keys: the order of their matches is the Matcher's business
        self._exact = bool(table)
        return table

    def __call__(self, doclike: Doc | Span, **kwargs: Any) -> list:  # Matcher.__call__
        from spacy.attrs import ORTH
        from spacy.tokens import Doc

        if self._table is None:
            self._table = self._build()
        if kwargs or not self._exact or not isinstance(doclike, Doc):
            return self._matcher(doclike, **kwargs)
        table = self._table
        return [(table[o], i, i + 1) for i, o in enumerate(doclike.to_array(ORTH).tolist()) if o in table]

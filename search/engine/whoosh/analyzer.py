"""The Whoosh side of German analysis: one analyzer class per term flavour, pickled into the schema.

The analysis itself (:mod:`search.text.analysis`) knows nothing of Whoosh; this class only hands its
tokens (or the tokens a worker process computed already, :class:`PreAnalyzed`) to Whoosh's writer and
query parser.
"""

from __future__ import annotations

from collections.abc import Iterator

from whoosh.analysis import Analyzer, Token

from search.text.analysis import FLAVORS, PreAnalyzed, tokens


class GermanAnalyzer(Analyzer):
    """Whoosh analyzer for one flavour; pickled into the index schema, so keep its state tiny."""

    def __init__(self, flavor: str = "stem"):
        if flavor not in FLAVORS:
            raise ValueError(f"unknown flavour {flavor!r}")
        self.flavor = flavor

    def __repr__(self) -> str:
        return f"GermanAnalyzer({self.flavor!r})"

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pre = getattr(value, "tokens", None) if isinstance(value, PreAnalyzed) else None
        source = pre[self.flavor] if pre and self.flavor in pre else tokens(value, self.flavor)
        for term, pos, start, end in source:
            token.text = term
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = value[start:end]
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token

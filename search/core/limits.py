"""A time budget per search request: a deadline that the search steps check between and inside phases.

Why: the caps in :mod:`search.query` (length, clauses, ``*``/``~`` expansions) bound the *size* of a query,
not its cost on a large index (forty fuzzy words, each expanded against a big lexicon, then spelling
suggestions for each). A deadline stops such a search with a clear error instead of tying up one of the
server's few threads for as long as it takes.

The web app opens a deadline for each request (:func:`search.web.security.init_security`); the CLI, the
benchmarks and library callers run without one, so :func:`check` and :func:`checked` cost a context-variable
look-up and nothing else there. The deadline lives in a :class:`contextvars.ContextVar`: one per thread (and
per asyncio task), so concurrent requests never see each other's budget.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from search.core.errors import QuerySyntaxError

#: Seconds one web request may spend searching (``SEARCH_TIME_LIMIT`` in app config or environment).
DEFAULT_SEARCH_SECONDS = 5.0
#: :func:`checked` looks at the clock once per this many items (a clock read costs ~50 ns; a posting ~1 µs).
CHECK_EVERY = 512

T = TypeVar("T")


class SearchTimeout(QuerySyntaxError):
    """The search ran past its time budget.

    A :class:`~search.core.errors.QuerySyntaxError` so the result page treats it like a query it cannot run (the
    query stays in the box, the message says what to do); the API answers ``503`` with code
    ``search_timeout`` and ``parameter: "q"`` because the fix is usually a simpler query (fewer ``*``/``~``).
    """

    code = "search_timeout"
    status = 503

    def __init__(self, seconds: float, phase: str):
        super().__init__(
            "",
            f"the search took too long (more than {seconds:g} s, stopped during {phase}); "
            "try a simpler query with fewer * or ~ terms, or try again later",
        )
        self.seconds = seconds
        self.phase = phase


# (monotonic deadline, budget in seconds) of the current request, or None: no limit.
_deadline: contextvars.ContextVar[tuple[float, float] | None] = contextvars.ContextVar(
    "search_deadline", default=None
)


def start(seconds: float | None) -> contextvars.Token:
    """Open a deadline ``seconds`` from now (``None`` or ``<= 0``: no limit); pass the token to :func:`end`."""
    if seconds is None or seconds <= 0:
        return _deadline.set(None)
    return _deadline.set((time.monotonic() + seconds, seconds))


def end(token: contextvars.Token) -> None:
    """Close the deadline opened by :func:`start` (the thread may serve another request next)."""
    _deadline.reset(token)


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """``with time_limit(2.0): search(...)`` — a deadline for a block (tests, batch callers)."""
    token = start(seconds)
    try:
        yield
    finally:
        end(token)


def remaining() -> float | None:
    """Seconds left in the current budget, or None when there is no limit."""
    current = _deadline.get()
    return None if current is None else current[0] - time.monotonic()


def check(phase: str) -> None:
    """Raise :class:`SearchTimeout` if the current request's deadline has passed."""
    current = _deadline.get()
    if current is not None and time.monotonic() > current[0]:
        raise SearchTimeout(current[1], phase)


def checked(items: Iterable[T], phase: str = "matching", every: int = CHECK_EVERY) -> Iterator[T]:
    """``items``, checking the deadline every ``every`` items (for loops over postings or terms)."""
    if _deadline.get() is None:
        yield from items
        return
    for n, item in enumerate(items, 1):
        if n % every == 0:
            check(phase)
        yield item

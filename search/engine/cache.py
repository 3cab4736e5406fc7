"""A cache of finished responses per index generation, for any engine.

Keyed on the whole validated request; an engine keeps one cache per generation (snapshot), so a reindex
starts with an empty cache and nothing stale is ever served.

The size comes from ``SEARCH_CACHE_SIZE`` (:func:`search.core.settings.response_cache_size`).
"""

from __future__ import annotations

import copy
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from search.core.labels import locale_or_default
from search.core.models import SearchRequest, SearchResponse
from search.core.settings import response_cache_size


class ResponseCache:
    """Finished responses of one generation, least recently used first out.

    A newsroom asks the same things again (the start page's facet overview, today's topic, paging back):
    a repeated request costs a dictionary look-up and a copy. Keyed on the whole validated request and
    held by the generation, so a reindex starts with an empty cache and nothing stale is ever served.
    """

    def __init__(self, size: int):
        self.size = size
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple, SearchResponse] = OrderedDict()

    @staticmethod
    def key(request: SearchRequest) -> tuple:
        return (
            request.q,
            tuple(sorted((k, tuple(v)) for k, v in request.filters.items() if v)),
            request.sort,
            request.page,
            request.per_page,
            locale_or_default(request.lang),
            request.facet_size,
            tuple(sorted(request.facet_prefix.items())),
            request.with_snippets,
            request.date_from,
            request.date_to,
            request.date_certain,
            tuple(sorted(request.facet_ops.items())),
            request.explain,
            request.exact,
        )

    def get(self, key: tuple) -> SearchResponse | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
        return copy.deepcopy(hit) if hit is not None else None

    def put(self, key: tuple, response: SearchResponse) -> None:
        kept = copy.deepcopy(response)  # renderers may add keys to the dictionaries they are given
        with self._lock:
            self._items[key] = kept
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def through_cache(
    owner_cache: Callable[[int], ResponseCache],
    request: SearchRequest,
    compute: Callable[[SearchRequest, float], SearchResponse],
) -> SearchResponse:
    """``compute(request, started)``, or its earlier answer from the cache of the snapshot's state
    (``owner_cache(size)`` makes or finds it); without a cache size every request is computed."""
    started = time.perf_counter()
    size = response_cache_size()
    if not size:
        return compute(request, started)
    cache = owner_cache(size)
    key = ResponseCache.key(request)
    hit = cache.get(key)
    if hit is not None:
        hit.took_ms = (time.perf_counter() - started) * 1000
        return hit
    response = compute(request, started)
    cache.put(key, response)
    return response

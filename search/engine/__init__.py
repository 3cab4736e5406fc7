"""Engines behind one interface (:mod:`search.engine.base`); web, API and CLI get theirs from
:func:`open_engine` and never name an implementation.

To add an engine: implement :class:`~search.engine.base.Engine` in a subpackage and add it to
:data:`ENGINES` (imported only when chosen, so its client library is needed only by those who use it).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from pathlib import Path

from search.core.errors import InvalidParameter
from search.core.settings import Settings
from search.engine.base import Engine

#: engine name (``SEARCH_ENGINE``) -> "module:factory"; a factory takes the resolved settings.
ENGINES: dict[str, str] = {
    "whoosh": "search.engine.whoosh.engine:from_settings",
    "opensearch": "search.engine.opensearch.engine:from_settings",
}


def open_engine(settings: Settings, index_dir: Path | None = None) -> Engine:
    """The configured engine (``settings.engine``), over ``index_dir`` when given."""
    if index_dir is not None:
        from dataclasses import replace

        settings = replace(settings, index_dir=Path(index_dir))
    target = ENGINES.get(settings.engine)
    if target is None:
        raise InvalidParameter(
            "SEARCH_ENGINE",
            settings.engine,
            f"unknown engine {settings.engine!r}; known: {', '.join(ENGINES)}",
        )
    module, _, name = target.partition(":")
    factory: Callable[[Settings], Engine] = getattr(import_module(module), name)
    return factory(settings)

"""Search engine for German news archives.

``create_app`` is the Flask application factory (``flask --app search run``); Flask itself is only
imported by the web package and the CLI, so the indexing and search core can be used without it. The map
of the package is in ARCHITECTURE.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

__version__ = "0.1.0"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the web application (HTML pages and the JSON API) for the configured index."""
    from search.web.app import create_app as _create_app

    return _create_app(config)

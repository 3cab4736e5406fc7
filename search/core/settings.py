"""Defaults and environment: the one place that reads ``SEARCH_*`` variables.

Where articles, index, templates and models live, which engine serves, and the knobs of the server.
Paths are resolved relative to the project root (the folder holding ``pyproject.toml``), so the commands
work from any working directory; the environment overrides the defaults, and command-line options or the
web app's config override the environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
PROJECT_ROOT = PACKAGE_DIR.parent
DATA_DIR = PACKAGE_DIR / "data"
MODELS_DIR = PACKAGE_DIR / "models"
BUNDLED_NER_MODEL = MODELS_DIR / "de_news_ner"
TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = PROJECT_ROOT / "static"

DEFAULT_ARTICLES_DIR = PROJECT_ROOT / "seeds"
DEFAULT_INDEX_DIR = PROJECT_ROOT / "index"


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _env_path(name: str, default: Path) -> Path:
    value = _env(name)
    return Path(value).expanduser().resolve() if value else default


def _env_int(name: str, default: int) -> int:
    try:
        return max(0, int(_env(name, str(default))))
    except ValueError:
        return default


def response_cache_size() -> int:
    """``SEARCH_CACHE_SIZE`` alone (default 512; 0 turns the cache off): read on every search, so it is
    not worth building a whole :class:`Settings` for."""
    return _env_int("SEARCH_CACHE_SIZE", 512)


@dataclass(frozen=True)
class Settings:
    """Resolved settings for one process (CLI run or web app)."""

    articles_dir: Path = field(default_factory=lambda: _env_path("SEARCH_ARTICLES_DIR", DEFAULT_ARTICLES_DIR))
    index_dir: Path = field(default_factory=lambda: _env_path("SEARCH_INDEX_DIR", DEFAULT_INDEX_DIR))
    # Name of an installed spaCy pipeline (e.g. de_core_news_lg) or a path; empty = our bundled model.
    spacy_model: str = field(default_factory=lambda: os.environ.get("SEARCH_SPACY_MODEL", "").strip())
    # "0"/"false" turns entity extraction off (faster indexing, no person/country facets).
    ner_enabled: bool = field(
        default_factory=lambda: _env("SEARCH_NER", "1").lower() not in {"0", "false", "no"}
    )
    # An extra alias table (alias -> canonical person) besides the bundled one; empty: none.
    person_aliases: str = field(default_factory=lambda: _env("SEARCH_PERSON_ALIASES"))
    # Language of what the command line prints (labels, messages): "de" or "en".
    lang: str = field(default_factory=lambda: "en" if _env("SEARCH_LANG").lower().startswith("en") else "de")
    # Which engine serves (see search.engine.ENGINES).
    engine: str = field(default_factory=lambda: _env("SEARCH_ENGINE", "whoosh").lower() or "whoosh")
    # Where the OpenSearch engine finds its cluster (scripts/opensearch.sh starts one on this address).
    opensearch_url: str = field(
        default_factory=lambda: (
            _env("SEARCH_OPENSEARCH_URL", "http://127.0.0.1:9200").rstrip("/") or "http://127.0.0.1:9200"
        )
    )
    # The alias the OpenSearch engine searches (its versioned indices are named <alias>-v<time>).
    opensearch_index: str = field(
        default_factory=lambda: (
            _env("SEARCH_OPENSEARCH_INDEX", "nachrichtensuche").lower() or "nachrichtensuche"
        )
    )
    # Primary shards and replicas of each new versioned OpenSearch index (a full reindex creates one): one
    # shard and no replica for a single node; a cluster spreads shards over hosts and keeps replicas elsewhere.
    opensearch_shards: int = field(default_factory=lambda: max(1, _env_int("SEARCH_OPENSEARCH_SHARDS", 1)))
    opensearch_replicas: int = field(default_factory=lambda: _env_int("SEARCH_OPENSEARCH_REPLICAS", 0))
    # Finished responses kept per index generation and process (0: no cache).
    cache_size: int = field(default_factory=lambda: response_cache_size())
    # Per-client limit on /api/* (a Flask-Limiter string, "off" disables; None: the web app's default).
    rate_limit: str | None = field(default_factory=lambda: os.environ.get("SEARCH_RATE_LIMIT"))
    # Per-client limit on HTML pages and on /suggest.json (Flask-Limiter strings, "off" disables; None: the
    # web app's default, which is off when SEARCH_RATE_LIMIT is off).
    page_rate_limit: str | None = field(default_factory=lambda: os.environ.get("SEARCH_PAGE_RATE_LIMIT"))
    suggest_rate_limit: str | None = field(
        default_factory=lambda: os.environ.get("SEARCH_SUGGEST_RATE_LIMIT")
    )
    # Requests of one client address served at the same time, as written (None: the web app's default).
    client_concurrency: str | None = field(
        default_factory=lambda: os.environ.get("SEARCH_CLIENT_CONCURRENCY")
    )
    # Host names the web app answers for, comma-separated ("*": any; None: loopback names and the host
    # `search serve --host` binds).
    allowed_hosts: str | None = field(default_factory=lambda: os.environ.get("SEARCH_ALLOWED_HOSTS"))
    # Seconds of search work per web request as written (None: the default; parsed by the web app).
    time_limit: str | None = field(default_factory=lambda: os.environ.get("SEARCH_TIME_LIMIT"))
    # CPU seconds the analysis of one article may take in a reindex; an article over it is skipped with a
    # reason (0: no limit). 60 s: a news article takes about 0.05 s, a megabyte of news text about 17 s.
    article_seconds: int = field(default_factory=lambda: _env_int("SEARCH_ARTICLE_SECONDS", 60))


def select_engine(engine: str | None = None, opensearch_url: str | None = None) -> None:
    """The engine chosen on the command line (``--engine``, ``--opensearch-url``) as this process's setting,
    which the processes it starts (a server's workers) inherit."""
    if engine:
        os.environ["SEARCH_ENGINE"] = engine
    if opensearch_url:
        os.environ["SEARCH_OPENSEARCH_URL"] = opensearch_url


def settings(**overrides: object) -> Settings:
    """Settings from the environment, with explicit (non-None) overrides from the caller."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    for key in ("articles_dir", "index_dir"):
        if key in clean:
            clean[key] = Path(str(clean[key])).expanduser().resolve()
    return Settings(**clean)  # type: ignore[arg-type]

"""Defaults and environment: one place that says where articles, index, templates and models live.

Everything is resolved relative to the project root (the folder holding ``pyproject.toml``), so the
commands work from any working directory; the environment overrides the defaults and command-line
options override the environment.
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


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name, "").strip()
    return Path(value).expanduser().resolve() if value else default


@dataclass(frozen=True)
class Settings:
    """Resolved settings for one process (CLI run or web app)."""

    articles_dir: Path = field(default_factory=lambda: _env_path("SEARCH_ARTICLES_DIR", DEFAULT_ARTICLES_DIR))
    index_dir: Path = field(default_factory=lambda: _env_path("SEARCH_INDEX_DIR", DEFAULT_INDEX_DIR))
    # Name of an installed spaCy pipeline (e.g. de_core_news_lg) or a path; empty = our bundled model.
    spacy_model: str = field(default_factory=lambda: os.environ.get("SEARCH_SPACY_MODEL", "").strip())
    # "0"/"false" turns entity extraction off (faster indexing, no person/country facets).
    ner_enabled: bool = field(
        default_factory=lambda: os.environ.get("SEARCH_NER", "1").strip().lower() not in {"0", "false", "no"}
    )


def settings(**overrides: object) -> Settings:
    """Settings from the environment, with explicit (non-None) overrides from the caller."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    for key in ("articles_dir", "index_dir"):
        if key in clean:
            clean[key] = Path(str(clean[key])).expanduser().resolve()
    return Settings(**clean)  # type: ignore[arg-type]

"""Atom feeds of saved searches: ids, timestamps and text that a feed reader can rely on.

Pure helpers behind ``GET /feed`` (the view is in :mod:`search.web.views`, the XML in
``templates/feed.xml``). Why ids are UUIDs derived from the article id and the search, not URLs: a feed
reader recognises an entry it has shown by its id, and the same article must keep its id when the site is
reached under another host name or the feed's parameters are written in another order.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable

#: Entries per feed: the newest articles a search finds.
FEED_ENTRIES = 30
#: The namespace of the entry and feed ids (a fixed, random UUID: never change it, readers remember ids).
_NAMESPACE = uuid.UUID("6f1c2b8e-3d4a-4f0e-9a57-2c1d0b9e7a31")
#: Characters XML 1.0 does not allow (an archive may hold them; the feed must stay well-formed).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


def xml_text(value: object) -> str:
    """``value`` as text that XML 1.0 can carry (characters it forbids removed; escaping is Jinja's)."""
    return _NOT_XML.sub("", str(value or ""))


def entry_id(article_id: str) -> str:
    """The permanent Atom id of an article (``urn:uuid:...``)."""
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, 'article:' + article_id)}"


def feed_id(pairs: Iterable[tuple[str, str]]) -> str:
    """The Atom id of a search: the same for the same parameters in any order."""
    canonical = "&".join(f"{k}={v}" for k, v in sorted(pairs))
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, 'search:' + canonical)}"


def atom_time(date: str | None, fallback: str) -> str:
    """An article's ``YYYY-MM-DD`` as an RFC 3339 time (midnight UTC); ``fallback`` when it has none."""
    if date and _DATE.match(date):
        return f"{date}T00:00:00Z"
    return fallback


def index_time(created: str | None) -> str:
    """The index's build time (ISO, UTC) as an RFC 3339 time: what an undated article's entry shows."""
    text = str(created or "")
    if re.match(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", text):
        return text[:19] + "Z"
    return "1970-01-01T00:00:00Z"

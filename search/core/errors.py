"""Error types with stable codes: one place for what can go wrong and how it is reported."""

from __future__ import annotations


class SearchError(Exception):
    """Base class: ``code`` is stable for programs, ``message`` is for people."""

    code = "error"
    status = 500

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict:
        """The ``error`` object of the JSON error shape."""
        return {"code": self.code, "message": self.message}


class InvalidParameter(SearchError):
    """A request parameter (HTTP or CLI) that cannot be used as given."""

    code = "invalid_parameter"
    status = 400

    def __init__(self, name: str, value: object, message: str):
        super().__init__(message)
        self.parameter = name
        self.value = value

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "parameter": self.parameter}


class ReversedDateRange(InvalidParameter):
    """``date_from`` after ``date_to``: kept apart so the result page can say it in the reader's language."""

    def __init__(self, date_from: str, date_to: str):
        super().__init__(
            "date_from",
            date_from,
            f"the date range is reversed: date_from ({date_from}) is after date_to ({date_to})",
        )
        self.date_to = date_to


class AmbiguousName(InvalidParameter):
    """A name given for a person (``person=Trump``, ``person:Trump``) that fits several persons of the index:
    the user picks one of ``candidates`` (most articles first)."""

    code = "ambiguous_name"

    def __init__(self, name: str, value: str, candidates: list[str]):
        shown = ", ".join(candidates[:10]) + (", ..." if len(candidates) > 10 else "")
        super().__init__(name, value, f"{value!r} fits several persons: {shown}; please give the full name")
        self.candidates = candidates

    def to_dict(self) -> dict:
        return {**super().to_dict(), "candidates": self.candidates}


class QuerySyntaxError(InvalidParameter):
    """A query that cannot be run even after repair (kept separate so the UI can show help)."""

    code = "invalid_query"

    def __init__(self, value: str, message: str):
        super().__init__("q", value, message)


class NotFound(SearchError):
    """Something looked up by name or id that the index does not have."""

    code = "not_found"
    status = 404


class ArticleNotFound(NotFound):
    """No article with the id asked for (ids are only ever looked up in the index, never on disk)."""

    code = "article_not_found"


class IndexUnavailable(SearchError):
    """No usable index generation (never built, or the folder is unreadable)."""

    code = "index_unavailable"
    status = 503


class EngineUnreachable(IndexUnavailable):
    """The search engine's server (OpenSearch) does not answer: down, wrong address, or overloaded."""

    code = "engine_unreachable"
    status = 503

    def __init__(self, url: str, reason: str):
        super().__init__(f"engine not reachable at {url} ({reason})")
        self.url = url


class ReindexError(SearchError):
    """A reindex that could not finish; the previous index generation is untouched."""

    code = "reindex_failed"


class ReindexLocked(ReindexError):
    """Another reindex holds the lock."""

    code = "reindex_locked"

"""A small JSON-over-HTTP client for OpenSearch's REST API, on the standard library.

Why not opensearch-py: the engine needs a dozen endpoints with JSON bodies (bulk as NDJSON), and the one
thing that must be exact here is how failures are reported; the standard library keeps the Whoosh-only
install unchanged and maps every transport failure to :class:`EngineUnreachable` in one place.
Connections are kept per thread (``http.client`` keep-alive), so a web server's threads do not share one.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import urllib.parse
from typing import Any

from search.core.errors import EngineUnreachable, SearchError

#: Seconds to wait for a connection and for each answer (a bulk request of a reindex may take longer).
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 60.0


class OpenSearchError(SearchError):
    """OpenSearch answered, but with an error (kept with its status and type)."""

    code = "engine_error"
    status = 502

    def __init__(self, status: int, error: Any):
        kind = error.get("type", "") if isinstance(error, dict) else ""
        reason = error.get("reason", "") if isinstance(error, dict) else str(error)
        super().__init__(f"OpenSearch answered {status}: {kind} {reason}".strip())
        self.http_status = status
        self.error_type = kind


class ShardsUnavailable(SearchError):
    """Some shards of the index had no live copy: the answer would be partial, so there is none (503)."""

    code = "shards_unavailable"
    status = 503

    def __init__(self, failed: int, total: int):
        super().__init__(f"{failed} of {total} shards of the index are unavailable; try again shortly")


class Client:
    """``request(method, path, body)`` -> the decoded JSON answer; one connection per thread."""

    def __init__(self, url: str, timeout: float = READ_TIMEOUT):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise EngineUnreachable(url, "not an http(s) address")
        self.url = url.rstrip("/")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port or (443 if self._https else 80)
        self._prefix = parts.path.rstrip("/")
        self._timeout = timeout
        self._local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            conn = cls(self._host, self._port, timeout=CONNECT_TIMEOUT)
            self._local.conn = conn
        return conn

    def close(self) -> None:
        """Close this thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: dict[str, str] | None = None,
        ndjson: bytes | None = None,
        ok: tuple[int, ...] = (),
    ) -> Any:
        """The JSON answer; statuses in ``ok`` (besides 2xx) come back as ``{"status": n, ...}``."""
        target = self._prefix + path + (("?" + urllib.parse.urlencode(params)) if params else "")
        headers = {"Accept": "application/json"}
        data: bytes | None = None
        if ndjson is not None:
            data, headers["Content-Type"] = ndjson, "application/x-ndjson"
        elif body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        for attempt in (1, 2):  # a kept-alive connection the server closed meanwhile is retried once
            conn = self._connection()
            try:
                conn.timeout = CONNECT_TIMEOUT
                conn.request(method, target, body=data, headers=headers)
                if conn.sock is not None:
                    conn.sock.settimeout(self._timeout)
                response = conn.getresponse()
                raw = response.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                self.close()
                if attempt == 2:
                    raise EngineUnreachable(self.url, _reason(exc)) from exc
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                raise EngineUnreachable(self.url, _reason(exc)) from exc
        try:
            answer = json.loads(raw) if raw else {}
        except ValueError as exc:
            raise OpenSearchError(response.status, {"reason": "the answer is not JSON"}) from exc
        if 200 <= response.status < 300:
            return answer
        if response.status in ok:
            return {"status": response.status, **(answer if isinstance(answer, dict) else {})}
        raise OpenSearchError(
            response.status, answer.get("error", answer) if isinstance(answer, dict) else answer
        )


def _reason(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "no answer in time"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.gaierror):
        return "unknown host"
    return exc.__class__.__name__ + (f": {exc.strerror}" if getattr(exc, "strerror", None) else "")

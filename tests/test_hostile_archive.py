"""A hostile or careless archive: implausible dates, hostile sidecars, files swapped for links between the
scan and the read, a lock file that is a link, and an index folder that others can write (issue 19).

What must hold: the reindex finishes with a reason for everything it drops and indexes the rest; no link
out of the articles folder is followed, at any moment; the pages answer (no 500, bounded charts) even over
an index built before these checks; the index is private, and one that is not is refused.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from search.core.errors import ReindexError
from search.engine.whoosh import documents, indexer
from search.engine.whoosh.generations import LOCK_NAME, MANIFEST, POINTER, current_generation
from search.engine.whoosh.indexer import reindex
from search.engine.whoosh.store import IndexStore
from search.engine.whoosh.workers import prepare
from search.enrich import ingest
from search.enrich.dates import EARLIEST_PUBLICATION, check_publication_date, latest_publication
from search.enrich.ingest import (
    MAX_SIDECAR_DEPTH,
    META_TITLE_MAX_CHARS,
    SOURCE_MAX_CHARS,
    URL_MAX_CHARS,
    read_sidecar,
)
from search.web.pages import bar_chart, month_series

from .conftest import ROOT
from .helpers import ids

TEXT = "Die Regierung in Berlin beschloss am Montag ein Gesetz über {word}. Der Bundestag stimmte zu."


def _write(folder: Path, docs: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in docs.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder


def _stored(index: Path) -> dict[str, dict]:
    """id -> stored fields of every live document."""
    reader = IndexStore(index).current().searcher().reader()
    return {f["id"]: f for _, f in reader.iter_docs()}


def _client(index: Path, articles: Path):
    from search import create_app

    app = create_app({"TESTING": True, "SEARCH_INDEX_DIR": str(index), "SEARCH_ARTICLES_DIR": str(articles)})
    return app.test_client()


class Countries:
    """No NER: every article is about France (so the country page of FR lists them all)."""

    def __call__(self, articles):
        return [{"country": "FR"} for _ in articles]


# ----------------------------------------------------------------------------- 1. dates


def test_implausible_publication_dates_are_dropped_with_a_reason(tmp_path: Path) -> None:
    """Header and sidecar dates outside 1800 .. indexing + 31 days are dropped with a warning each; the
    others are stored with four-digit years, and the pages chart only them."""
    next_year = latest_publication().year + 1
    articles = _write(
        tmp_path / "articles",
        {
            "jahr1": "date 0001-01 " + TEXT.format(word="Jahreins"),
            "jahr999": "date 0999-05 " + TEXT.format(word="Neunhundert"),
            "jahr1799": "date 1799-12-31 " + TEXT.format(word="Revolution"),
            "ewig": TEXT.format(word="Ewigkeit"),  # 9999-12-31 from the sidecar
            "zukunft": TEXT.format(word="Zukunft"),  # next year from the sidecar
            "gut": "date 2018-05 " + TEXT.format(word="Gutes"),
            "alt": "date 1800-01-01 " + TEXT.format(word="Altes"),
        },
    )
    (articles / "metadata.json").write_text(
        json.dumps({"ewig": {"date": "9999-12-31"}, "zukunft": {"date": f"{next_year}-06"}}), encoding="utf-8"
    )
    index = tmp_path / "index"
    summary = reindex(articles, index, enrich=Countries())
    assert not summary.skipped and summary.added == 7
    dropped = {w.split(":")[0]: w for w in summary.warnings if "ignored date" in w}
    assert set(dropped) == {"jahr1.txt", "jahr999.txt", "jahr1799.txt", "ewig.txt", "zukunft.txt"}, dropped
    assert "0001-01-01 is before 1800" in dropped["jahr1.txt"]
    assert "9999-12-31 is more than 31 days after indexing" in dropped["ewig.txt"]
    dates = {doc_id: fields.get("date") for doc_id, fields in _stored(index).items()}
    assert dates == dict.fromkeys(["jahr1", "jahr999", "jahr1799", "ewig", "zukunft"]) | {
        "gut": "2018-05-01",
        "alt": "1800-01-01",
    }
    client = _client(index, articles)
    facets = client.get("/api/search?per_page=1").get_json()["facets"]
    # the five dropped dates are counted as undated ("ohne Datum", issue 18), not as years
    assert {v["value"]: v["count"] for v in facets["date"]} == {"1800": 1, "2018": 1, "none": 5}
    for url in ("/statistik", "/land/FR"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert page.data.count(b"<rect") <= 72, url


def test_pages_survive_an_index_with_unpadded_and_huge_years(tmp_path: Path, monkeypatch) -> None:
    """An index built before dates were checked (year 1 stored as ``1``/``1-01``, year 9999): the statistics
    and entity pages answer, with a bounded chart (it was a 500 for good, or 7,983 bars)."""
    monkeypatch.setattr(ingest, "check_publication_date", lambda value, today=None: value)
    monkeypatch.setattr(documents, "check_publication_date", lambda value, today=None: value)
    monkeypatch.setattr(
        documents,
        "date_facet_values",  # the unpadded values of the old code
        lambda date, precision: (
            f"{date.year}" if precision == "year" else f"{date.year},{date.year}-{date.month:02d}"
        ),
    )
    articles = _write(
        tmp_path / "articles",
        {
            "jahr1": "date 0001-01 " + TEXT.format(word="Jahreins"),
            "jahr999": "date 0999-05 " + TEXT.format(word="Neunhundert"),
            "ewig": "date 9999-12-31 " + TEXT.format(word="Ewigkeit"),
            "a": "date 2010-01 " + TEXT.format(word="Anfang"),
            "b": "date 2018-05 " + TEXT.format(word="Mitte"),
        },
    )
    index = tmp_path / "index"
    reindex(articles, index, enrich=Countries())
    assert _stored(index)["jahr1"]["published"] == "1,1-01"  # the old, broken values are in the index
    monkeypatch.undo()
    client = _client(index, articles)
    for url in ("/statistik", "/land/FR", "/?q=Gesetz", "/api/search?q=Gesetz"):
        page = client.get(url)
        assert page.status_code == 200, (url, page.data[:300])
        assert page.data.count(b"<rect") <= 72, url
        assert len(page.data) < 200_000, url


def test_month_series_is_bounded_and_ignores_malformed_values() -> None:
    facet = [
        {"value": "1-01", "count": 1, "children": []},
        {"value": "1", "count": 1, "children": [{"value": "1-01", "count": 1}]},
        {"value": "999", "count": 1, "children": [{"value": "999-05", "count": 1}]},
        {"value": "2018", "count": 2, "children": [{"value": "2018-05", "count": 2}]},
        {"value": "9999", "count": 1, "children": [{"value": "9999-12", "count": 1}]},
    ]
    series = month_series(facet)
    assert [s["value"] for s in series] == ["2018", "9999"]  # years with articles only: centuries apart
    assert len(bar_chart(series)["bars"]) == 2
    many = [{"value": f"{y:04d}", "count": 1, "children": []} for y in range(1800, 2027)]
    assert len(month_series(many)) == 72
    assert month_series([{"value": "x", "count": 3, "children": [{"value": "2018-13", "count": 1}]}]) == []


def test_estimated_and_mentioned_dates_keep_the_facet_well_formed(tmp_path: Path) -> None:
    """An estimate from the text is dropped when implausible; mentioned values are YYYY or YYYY-MM."""

    class Odd:
        def __call__(self, articles):
            return [
                {"estimated_date": dt.date(1, 1, 1), "mentioned": "1,1-01,2018,2018-05,999"}
                if a.id == "odd"
                else {"estimated_date": dt.date(2019, 2, 6)}
                for a in articles
            ]

    articles = _write(
        tmp_path / "articles", {"odd": TEXT.format(word="Seltsam"), "ok": TEXT.format(word="Gut")}
    )
    reindex(articles, tmp_path / "index", enrich=Odd())
    stored = _stored(tmp_path / "index")
    assert stored["odd"].get("date") is None and stored["odd"]["mentioned"] == "2018,2018-05"
    assert stored["ok"]["date"] == "2019-02-06" and stored["ok"]["date_estimated"] is True


# ----------------------------------------------------------------------------- 2. sidecars and caps


def _nested(depth: int) -> str:
    return '{"a": {"title": "Titel", "extra": ' + "[" * (depth - 2) + "]" * (depth - 2) + "}}"


def test_sidecar_nesting_depth_limit(tmp_path: Path) -> None:
    (tmp_path / "metadata.json").write_text(_nested(MAX_SIDECAR_DEPTH), encoding="utf-8")
    meta, warnings = read_sidecar(tmp_path)
    assert meta["a"].title == "Titel" and not warnings
    # brackets inside a string (after an escaped quote) are no nesting
    (tmp_path / "metadata.json").write_text(json.dumps({"a": {"title": '\\"' + "[" * 40}}), encoding="utf-8")
    meta, warnings = read_sidecar(tmp_path)
    assert meta["a"].title == '\\"' + "[" * 40 and not warnings
    for text in (_nested(MAX_SIDECAR_DEPTH + 1), "[" * 50_000, '{"a": ' + "{" * 50_000):
        (tmp_path / "metadata.json").write_text(text, encoding="utf-8")
        meta, warnings = read_sidecar(tmp_path)
        assert meta == {} and warnings == [
            f"metadata.json: ignored (nested more than {MAX_SIDECAR_DEPTH} levels deep)"
        ], warnings


def test_deeply_nested_sidecar_is_a_reason_not_a_crash(tmp_path: Path) -> None:
    """50,000 ``[`` in a sidecar: the CLI reindex finishes (exit 0, no traceback), says why the sidecar was
    ignored, and indexes the folder's articles and the rest of the archive."""
    articles = _write(tmp_path / "articles", {"oben": TEXT.format(word="Obenwort")})
    sub = _write(articles / "teil", {"unten": TEXT.format(word="Untenwort")})
    (sub / "metadata.json").write_text("[" * 50_000, encoding="utf-8")
    index = tmp_path / "index"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "search.cli",
            "reindex",
            "--no-ner",
            "--articles",
            str(articles),
            "--index",
            str(index),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert (
        f"warning: teil/metadata.json: ignored (nested more than {MAX_SIDECAR_DEPTH} levels deep)"
        in done.stderr
    )
    store = IndexStore(index)
    assert ids(store, "Untenwort") == ["unten"] and ids(store, "Obenwort") == ["oben"]


def test_sidecar_link_out_of_the_folder_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.json"
    outside.write_text(json.dumps({"a": {"title": "Fremder Titel", "date": "2018-05"}}), encoding="utf-8")
    articles = _write(tmp_path / "articles", {"a": TEXT.format(word="Eigenwort")})
    (articles / "metadata.json").symlink_to(outside)
    summary = reindex(articles, tmp_path / "index")
    assert "metadata.json: ignored (link points outside the articles folder)" in summary.warnings
    stored = _stored(tmp_path / "index")["a"]
    assert stored["title"] != "Fremder Titel" and stored.get("date") is None
    # a link to a sidecar inside the folder is read, like a link to an article inside it
    inside = articles / "daten"
    inside.mkdir()
    (inside / "meta.json").write_text(json.dumps({"a": {"title": "Eigener Titel"}}), encoding="utf-8")
    (articles / "metadata.json").unlink()
    (articles / "metadata.json").symlink_to(inside / "meta.json")
    meta, warnings = read_sidecar(articles)
    assert meta["a"].title == "Eigener Titel" and not warnings


def test_sidecar_over_the_size_limit_or_not_a_file_is_ignored(tmp_path: Path) -> None:
    with open(tmp_path / "metadata.json", "wb") as fh:  # sparse: refused before any reading
        fh.write(b"{}")
        fh.truncate(ingest.MAX_SIDECAR_BYTES + 1)
    meta, warnings = read_sidecar(tmp_path)
    assert meta == {} and warnings == ["metadata.json: ignored (too large (33 MB > 32 MB))"], warnings
    (tmp_path / "metadata.json").unlink()
    os.mkfifo(tmp_path / "metadata.json")  # would block a plain open() for good
    meta, warnings = read_sidecar(tmp_path)
    assert meta == {} and warnings == ["metadata.json: ignored (not a regular file)"], warnings


def test_metadata_values_are_capped(tmp_path: Path) -> None:
    """A 200,000-character title is shortened (it made a 407 KB page); an over-long source or url is dropped
    (with the header's value, if any, used instead), each with a warning; a value of the wrong type too."""
    articles = _write(
        tmp_path / "articles",
        {
            "lang": TEXT.format(word="Langwort"),
            "kopf": "url https://example.org/kurz " + TEXT.format(word="Kopfwort"),
        },
    )
    sidecar = {
        "lang": {
            "title": "T" * 10 + " Titelwort" * 19_999,
            "source": "Q" * (SOURCE_MAX_CHARS + 1),
            "url": "https://x.org/",
        },
        "kopf": {"url": "https://example.org/" + "x" * URL_MAX_CHARS, "title": ["keine", "Zeichenkette"]},
    }
    (articles / "metadata.json").write_text(json.dumps(sidecar), encoding="utf-8")
    index = tmp_path / "index"
    summary = reindex(articles, index)
    warned = "\n".join(summary.warnings)
    assert "lang.txt: title shortened (200,000 characters > 300)" in warned, warned
    assert f"lang.txt: ignored source: {SOURCE_MAX_CHARS + 1} characters > {SOURCE_MAX_CHARS}" in warned
    assert f"kopf.txt: ignored url: {URL_MAX_CHARS + 20:,} characters > {URL_MAX_CHARS}" in warned
    assert "metadata.json: kopf: title ignored (not a text)" in warned
    stored = _stored(index)
    assert len(stored["lang"]["title"]) <= META_TITLE_MAX_CHARS + 2 and stored["lang"]["title"].endswith("…")
    assert stored["lang"].get("source") is None and stored["lang"]["url"] == "https://x.org/"
    assert stored["kopf"]["url"] == "https://example.org/kurz"
    page = _client(index, articles).get("/artikel/lang")
    assert page.status_code == 200 and len(page.data) < 30_000


# ----------------------------------------------------------------------------- 3. files swapped after the scan


def test_file_swapped_after_the_scan_is_not_read(tmp_path: Path, monkeypatch) -> None:
    """Between the scan and the read: a file swapped for a link out of the folder is not followed (it was
    indexed and served, and stayed after the file was restored); one replaced by another file is not read;
    one rewritten in place is indexed as read, and the manifest records the fstat of what was read."""
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0:Geheimwort:/root:/bin/bash\n", encoding="utf-8")
    articles = _write(
        tmp_path / "articles",
        {
            "link": TEXT.format(word="Linkwort"),
            "ersetzt": TEXT.format(word="Ersatzwort"),
            "neu": TEXT.format(word="Neuwort"),
            "bleibt": TEXT.format(word="Bleibwort"),
        },
    )
    link, replaced, rewritten = (articles / f"{n}.txt" for n in ("link", "ersetzt", "neu"))
    saved = tmp_path / "saved.txt"
    real_scan = indexer.scan

    def scan_then_swap(*args, **kwargs):
        plan = real_scan(*args, **kwargs)
        os.rename(link, saved)  # the original is kept: its inode, size and mtime
        link.symlink_to(secret)
        (articles / ".tmp").write_text(TEXT.format(word="Tauschwort"), encoding="utf-8")
        os.replace(articles / ".tmp", replaced)  # an editor's atomic save: another inode
        rewritten.write_text(TEXT.format(word="Neuwort") + " Nachgetragen: Nachtragswort.", encoding="utf-8")
        return plan

    monkeypatch.setattr(indexer, "scan", scan_then_swap)
    index = tmp_path / "index"
    summary = reindex(articles, index)
    monkeypatch.undo()
    reasons = {s.path: s.reason for s in summary.skipped}
    assert reasons == {
        "link.txt": "became a link during the reindex (links are not followed here)",
        "ersetzt.txt": "replaced by another file during the reindex (the next run reads it)",
    }, reasons
    store = IndexStore(index)
    assert ids(store, "Geheimwort") == [] and ids(store, "root") == []
    assert ids(store, "Nachtragswort") == ["neu"] and ids(store, "Bleibwort") == ["bleibt"]
    manifest = json.loads((current_generation(index) / MANIFEST).read_text(encoding="utf-8"))
    st = rewritten.stat()
    assert {k: manifest["neu.txt"][k] for k in ("size", "mtime_ns", "ino")} == {
        "size": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "ino": st.st_ino,
    }
    link.unlink()
    os.rename(saved, link)  # restored with its scan-time size and mtime
    summary = reindex(articles, index)
    assert summary.added == 2 and not summary.skipped
    store = IndexStore(index)
    assert ids(store, "Geheimwort") == [] and ids(store, "Linkwort") == ["link"]
    assert ids(store, "Tauschwort") == ["ersetzt"] and ids(store, "Ersatzwort") == []


def test_article_read_follows_no_link_in_a_folder_on_the_way(tmp_path: Path) -> None:
    """A folder of the archive swapped for a link after the scan: the reader does not follow it."""
    secret = tmp_path / "draussen"
    secret.mkdir()
    (secret / "x.txt").write_text("Geheimwort draußen.", encoding="utf-8")
    articles = tmp_path / "articles"
    _write(articles / "teil", {"x": TEXT.format(word="Teilwort")})
    plan = indexer.scan(articles, {}, False)
    os.rename(articles / "teil", tmp_path / "teil-alt")
    (articles / "teil").symlink_to(secret)
    ((rel, doc, reason, _),) = prepare(plan.add)  # what a worker does with the planned files
    assert (rel, doc, reason) == (
        "teil/x.txt",
        None,
        "became a link during the reindex (links are not followed here)",
    )


# ----------------------------------------------------------------------------- 4. the lock file


def test_lock_file_that_is_a_link_or_not_a_file_is_refused(tmp_path: Path) -> None:
    articles = _write(tmp_path / "articles", {"a": TEXT.format(word="Sperrwort")})
    index = tmp_path / "index"
    index.mkdir()
    victim = tmp_path / "wichtig.txt"
    victim.write_text("nicht kürzen\n", encoding="utf-8")
    (index / LOCK_NAME).symlink_to(victim)
    with pytest.raises(ReindexError, match="is a symbolic link; refusing to follow it"):
        reindex(articles, index)
    assert victim.read_text(encoding="utf-8") == "nicht kürzen\n"
    (index / LOCK_NAME).unlink()
    os.mkfifo(index / LOCK_NAME)
    with pytest.raises(ReindexError, match="is not a regular file"):
        reindex(articles, index)
    (index / LOCK_NAME).unlink()
    assert reindex(articles, index).added == 1


# ----------------------------------------------------------------------------- 5. the index folder's trust


@contextlib.contextmanager
def _umask(mask: int):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def _writable_by_others(index: Path) -> list[str]:
    paths = [index, *index.rglob("*")]
    return [
        f"{p.relative_to(index)} {p.lstat().st_mode & 0o777:o}" for p in paths if p.lstat().st_mode & 0o022
    ]


def test_index_files_are_private_whatever_the_umask(tmp_path: Path) -> None:
    articles = _write(tmp_path / "articles", {f"a{i}": TEXT.format(word=f"Wort{i}") for i in range(3)})
    index = tmp_path / "neu" / "index"
    with _umask(0):
        reindex(articles, index)
        (articles / "a0.txt").write_text(TEXT.format(word="Anders"), encoding="utf-8")
        reindex(articles, index)  # an incremental run too (hard links and copies)
        reindex(articles, index, full=True)
        assert os.umask(0) == 0  # the reindex put the umask back
    assert _writable_by_others(index) == []
    assert not (index.parent.stat().st_mode & 0o022)


@pytest.mark.parametrize("what", ["folder", "CURRENT", "generation", "segment file"])
def test_reindex_refuses_an_index_folder_others_can_write(tmp_path: Path, what: str) -> None:
    articles = _write(tmp_path / "articles", {"a": TEXT.format(word="Vertrauen")})
    index = tmp_path / "index"
    reindex(articles, index)
    live = current_generation(index)
    target = {
        "folder": index,
        "CURRENT": index / POINTER,
        "generation": live,
        "segment file": next(live.glob("*.toc")),
    }[what]
    mode = target.stat().st_mode & 0o777
    target.chmod(mode | 0o002)
    (articles / "b.txt").write_text(TEXT.format(word="Neu"), encoding="utf-8")
    with pytest.raises(ReindexError) as caught:
        reindex(articles, index)
    message = str(caught.value)
    assert re.search(r"is writable by group or others \(mode 0\d{3}\)", message), message
    assert f"chmod -R go-w {index}" in message and str(target) in message
    assert current_generation(index) == live  # nothing was done
    target.chmod(mode)
    assert reindex(articles, index).added == 1


def test_publication_date_range_boundaries() -> None:
    today = dt.date(2019, 2, 6)
    for ok in (EARLIEST_PUBLICATION, today, latest_publication(today), dt.date(2019, 3, 9)):
        assert check_publication_date(ok, today) == ok
    for bad in (dt.date(1799, 12, 31), dt.date(2019, 3, 10), dt.date(1, 1, 1), dt.date(9999, 12, 31)):
        with pytest.raises(ValueError, match="not a publication date"):
            check_publication_date(bad, today)

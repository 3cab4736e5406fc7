"""The OpenSearch engine against a real node (started by scripts/opensearch.sh), and its failure paths.

The unreachable-engine tests need no node (they point at a closed port). The others use the session's node
(tests/conftest.py: ``--name pytest-session``, own ports and data) and skip only when java or mvn is missing.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from search.core.models import SearchRequest
from search.engine.opensearch.engine import OpenSearchEngine
from search.engine.whoosh.engine import WhooshEngine

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "opensearch.sh"
SEEDS = ROOT / "seeds"
NAME = "pytest-engine"

needs_node = pytest.mark.skipif(
    shutil.which("java") is None or shutil.which("mvn") is None,
    reason="OpenSearch needs java and mvn (to fetch the distribution once); install OpenJDK 17 and Maven",
)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the socket is


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), *args, "--name", NAME], capture_output=True, text=True, timeout=600, check=False
    )


@pytest.fixture(scope="module")
def node_url(opensearch_url: str) -> str:
    """The session's node (tests/conftest.py), shared with the API contract tests."""
    return opensearch_url


@pytest.fixture(scope="module")
def seeded(opensearch_seeds: OpenSearchEngine) -> OpenSearchEngine:
    return opensearch_seeds


# ------------------------------------------------------------------------------------- engine down


def test_cli_says_engine_not_reachable(monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    env = {"SEARCH_ENGINE": "opensearch", "SEARCH_OPENSEARCH_URL": url}
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "search"), "query", "Gipfel"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**__import__("os").environ, **env},
        check=False,
    )
    assert result.returncode == 1
    assert f"engine not reachable at {url}" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_cli_options_choose_the_engine() -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("SEARCH_")}
    result = subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "search"),
            "--engine",
            "opensearch",
            "--opensearch-url",
            url,
            "query",
            "Gipfel",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert result.returncode == 1
    assert f"engine not reachable at {url}" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_api_and_pages_answer_503(monkeypatch: pytest.MonkeyPatch) -> None:
    from search import create_app

    url = f"http://127.0.0.1:{_closed_port()}"
    monkeypatch.setenv("SEARCH_ENGINE", "opensearch")
    monkeypatch.setenv("SEARCH_OPENSEARCH_URL", url)
    app = create_app({"TESTING": True, "SEARCH_ARTICLES_DIR": str(SEEDS)})
    client = app.test_client()
    api = client.get("/api/search?q=Gipfel")
    assert api.status_code == 503
    error = json.loads(api.data)["error"]
    assert error["code"] == "engine_unreachable"
    assert f"engine not reachable at {url}" in error["message"]
    page = client.get("/?q=Gipfel")
    assert page.status_code == 503
    html = page.get_data(as_text=True)
    assert 'class="error-page"' in html  # the site's own 503 page ("Suche vorübergehend nicht verfügbar")
    assert "Traceback" not in html
    assert client.get("/healthz").status_code == 503


# ------------------------------------------------------------------------------------- reindex


@needs_node
def test_full_reindex_swaps_the_alias_and_incremental_touches_only_changes(
    node_url: str, tmp_path: Path
) -> None:
    articles = tmp_path / "articles"
    shutil.copytree(SEEDS, articles)
    engine = OpenSearchEngine(node_url, "pytest-reindex")
    first = engine.reindex(articles, full=True)
    assert first.full and first.added == len(list(SEEDS.glob("*.txt")))
    assert engine.snapshot().name == first.generation
    unchanged = engine.reindex(articles)
    assert unchanged.generation is None and unchanged.unchanged == first.added
    victim = sorted(articles.glob("*.txt"))[0]
    victim.write_text(victim.read_text(encoding="utf-8") + "\nEin Zusatz über Quallenforschung.\n", "utf-8")
    changed = engine.reindex(articles)
    assert (changed.updated, changed.added, changed.removed) == (1, 0, 0)
    assert changed.generation == first.generation  # incremental: written into the live index
    assert engine.search(SearchRequest(q="Quallenforschung")).total == 1
    second = engine.reindex(articles, full=True)
    assert second.generation != first.generation
    assert engine.snapshot().name == second.generation
    old = engine.client.request("GET", f"/{first.generation}", ok=(404,))
    assert old.get("status") == 404  # the previous index is gone once the alias moved
    assert engine.search(SearchRequest(q="Quallenforschung")).total == 1


@needs_node
def test_article_view_and_unknown_article(seeded: OpenSearchEngine) -> None:
    from search.core.errors import ArticleNotFound

    hit = seeded.search(SearchRequest(q="Singapur")).results[0]
    view = seeded.article(hit["id"])
    assert view.data["id"] == hit["id"]
    assert "Singapur" in view.data["text"]
    with pytest.raises(ArticleNotFound):
        seeded.article("does-not-exist")


# ------------------------------------------------------------------------------------- parity

QUERIES = [
    "",
    "Regierung",
    "Kim Jong-un",
    '"Donald Trump"',
    '"Kim Jong Un"',
    "Trump -Singapur",
    "Gipfel OR Vietnam",
    "nordkorea*",
    "Gipfeltreffen",
    "Atomwaffen",
    "die",
]
ENTITY_FACETS = ("person", "country", "source")


@needs_node
@pytest.mark.parametrize("q", QUERIES)
def test_same_results_and_facet_counts_as_whoosh(q: str, seeded: OpenSearchEngine, seed_index: Path) -> None:
    whoosh = WhooshEngine(seed_index)
    request = SearchRequest(q=q, per_page=50, facet_size=100, sort="newest")
    expected = whoosh.search(request)
    got = seeded.search(request)
    assert got.total == expected.total
    assert [h["id"] for h in got.results] == [h["id"] for h in expected.results]
    assert [h["snippets"] for h in got.results] == [h["snippets"] for h in expected.results]
    for facet in ENTITY_FACETS:
        want = {v["value"]: v["count"] for v in expected.facets.get(facet, []) if v["count"]}
        have = {v["value"]: v["count"] for v in got.facets.get(facet, []) if v["count"]}
        assert have == want, facet


@needs_node
def test_disjunctive_facets_same_as_whoosh(seeded: OpenSearchEngine, seed_index: Path) -> None:
    whoosh = WhooshEngine(seed_index)
    base = whoosh.search(SearchRequest(q="", facet_size=100))
    # the rarest country: other countries then count more articles than the filtered result has
    country = min(base.facets["country"], key=lambda v: (v["count"], v["value"]))["value"]
    request = SearchRequest(q="", filters={"country": (country,)}, per_page=50, facet_size=100, sort="newest")
    expected, got = whoosh.search(request), seeded.search(request)
    assert got.total == expected.total
    assert [h["id"] for h in got.results] == [h["id"] for h in expected.results]
    for facet in ENTITY_FACETS:  # the country facet still counts the other countries (disjunctive)
        want = {v["value"]: v["count"] for v in expected.facets.get(facet, []) if v["count"]}
        have = {v["value"]: v["count"] for v in got.facets.get(facet, []) if v["count"]}
        assert have == want, facet


# ------------------------------------------------------------------------------------- corrections


@needs_node
def test_corrections_re_enrich_only_what_they_concern_and_show_on_entity_pages(
    node_url: str, tmp_path: Path
) -> None:
    from search.enrich.entities.corrections import append_rule

    articles = tmp_path / "articles"
    shutil.copytree(SEEDS, articles)
    engine = OpenSearchEngine(node_url, "pytest-corrections")
    engine.reindex(articles, full=True, ner=True)

    def persons() -> dict[str, int]:
        return {row["value"]: row["count"] for row in engine.entities("person", 1000)["person"]}

    before = persons()
    pompeo = before["Mike Pompeo"]
    append_rule(articles, "merge: Mike Pompeo = Michael R. Pompeo")
    summary = engine.reindex(articles, ner=True)
    assert (summary.updated, summary.added, summary.removed) == (pompeo, 0, 0)
    after = persons()
    assert "Mike Pompeo" not in after and after["Michael R. Pompeo"] == pompeo
    page = engine.entity_page("person", "Michael R. Pompeo")
    assert page is not None and page.response.total == pompeo
    assert [note["rule"] for note in page.corrections] == ["merge: Mike Pompeo = Michael R. Pompeo"]
    assert engine.entity_page("person", "Mike Pompeo") is None
    other = next(p for p in after if p != "Michael R. Pompeo")
    assert engine.entity_page("person", other).corrections == []

    # the line taken out: the same articles again, and everything as before
    path = articles / "corrections.txt"
    path.write_text(
        path.read_text(encoding="utf-8").replace("merge: Mike Pompeo = Michael R. Pompeo\n", ""), "utf-8"
    )
    assert engine.reindex(articles, ner=True).updated == pompeo
    assert "Michael R. Pompeo" not in persons()  # (the Whoosh engine gives the same counts here)
    assert engine.reindex(articles, ner=True).generation is None  # nothing left to do


def _searches_run(url: str) -> int:
    """Search requests the node has executed (its own statistics)."""
    from search.engine.opensearch.client import Client

    stats = Client(url).request("GET", "/_nodes/stats/indices/search")["nodes"]
    return sum(node["indices"]["search"]["query_total"] for node in stats.values())


def test_response_cache_answers_a_repeated_request_and_a_reindex_starts_afresh(
    opensearch_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text("Eins\n\nDer Gipfel in Hanoi.", encoding="utf-8")
    engine = OpenSearchEngine(opensearch_url, "pytest-cache")
    engine.reindex(folder, full=True, ner=False)
    request = SearchRequest(q="Gipfel")
    monkeypatch.setenv("SEARCH_CACHE_SIZE", "0")
    fresh = engine.search(request).to_json()
    monkeypatch.setenv("SEARCH_CACHE_SIZE", "64")
    first = engine.search(request).to_json()
    before = _searches_run(opensearch_url)
    again = engine.search(request).to_json()
    assert _searches_run(opensearch_url) == before  # answered without asking the cluster
    for data in (fresh, first, again):
        data.pop("took_ms")
    assert fresh == first == again
    (folder / "b.txt").write_text("Zwei\n\nNoch ein Gipfel in Singapur.", encoding="utf-8")
    engine.reindex(folder, ner=False)
    assert engine.search(request).total == 2

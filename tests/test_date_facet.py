"""The date facet tells the truth: estimated dates counted apart, "only certain dates", "ohne Datum".

A real folder (sidecar dates, a path date, undated files), a real reindex, the JSON API, the OpenAPI
document and one real browser test against ``search serve``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from search.engine.whoosh.indexer import reindex
from search.enrich.pipeline import enrich_articles

from .conftest import start_server, stop_server

TEXT = "Die {word} Stadtverwaltung hat neue Regeln für den Verkehr beschlossen. Die Händler reagierten."
#: id -> (folder, word); dates: "meta-*" from the sidecar, "2019/07/pfad" from its path, "geschaetzt"
#: estimated, "ohne-*" none at all
FILES = {
    "meta-a": ("", "erste"),
    "meta-b": ("", "zweite"),
    "pfad": ("2019/07", "dritte"),
    "geschaetzt": ("", "vierte"),
    "ohne-a": ("", "fünfte"),
    "ohne-b": ("", "sechste"),
}


class EstimateOne:
    """The real enrichment, plus an estimate for the article ``geschaetzt`` (the shipped estimator is
    silent on weak evidence, so the test supplies the estimate the way the pipeline hands it over)."""

    def __call__(self, articles):
        out = enrich_articles(articles, ner=False)
        for article, fields in zip(articles, out, strict=True):
            if article.id == "geschaetzt":
                fields["estimated_date"] = (dt.date(2019, 7, 1), "month")
        return out


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("date-facet")
    articles = root / "articles"
    for name, (sub, word) in FILES.items():
        (articles / sub).mkdir(parents=True, exist_ok=True)
        (articles / sub / f"{name}.txt").write_text(TEXT.format(word=word), encoding="utf-8")
    meta = {"meta-a": {"date": "2019-07-03"}, "meta-b": {"date": "2018-02"}}
    (articles / "metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    reindex(articles, root / "index", enrich=EstimateOne())
    return articles, root / "index"


@pytest.fixture(scope="module")
def client(folder):
    from search import create_app

    articles, index = folder
    app = create_app({"TESTING": True, "SEARCH_INDEX_DIR": str(index), "SEARCH_ARTICLES_DIR": str(articles)})
    return app.test_client()


def facet(client, query: str = "") -> list[dict]:
    return client.get(f"/api/search?q=&facet_size=50{query}").get_json()["facets"]["date"]


def test_undated_articles_are_counted_and_filterable(client) -> None:
    entries = {e["value"]: e for e in facet(client)}
    assert entries["none"]["count"] == 2 and entries["none"]["label"] == "ohne Datum"
    assert facet(client, "&lang=en")[-1]["label"] == "undated"
    body = client.get("/api/search?q=&date=none&per_page=50").get_json()
    assert sorted(r["id"] for r in body["results"]) == ["ohne-a", "ohne-b"]
    both = client.get("/api/search?q=&date=none&date=2018").get_json()
    assert both["total"] == 3  # OR within the facet
    assert {e["value"]: e["selected"] for e in both["facets"]["date"]}["none"] is True
    assert client.get("/api/search?q=&date=2020&date=none").get_json()["total"] == 2
    # the timeline draws periods only
    assert all(bar["value"] != "none" for bar in client.get("/api/search?q=").get_json()["timeline"])


def test_estimated_dates_are_marked_in_the_facet_and_on_the_hit(client) -> None:
    years = {e["value"]: e for e in facet(client)}
    assert years["2019"]["count"] == 3 and years["2019"]["estimated"] == 1
    months = {m["value"]: m for m in years["2019"]["children"]}
    assert months["2019-07"]["estimated"] == 1 and years["2018"]["estimated"] == 0
    hit = client.get("/api/articles/geschaetzt").get_json()
    assert (hit["date"], hit["date_precision"], hit["date_estimated"]) == ("2019-07-01", "month", True)
    path = client.get("/api/articles/pfad").get_json()
    assert (path["date"], path["date_precision"], path["date_estimated"]) == ("2019-07-01", "month", False)


def test_only_certain_dates(client) -> None:
    all_ids = {r["id"] for r in client.get("/api/search?q=&per_page=50").get_json()["results"]}
    body = client.get("/api/search?q=&per_page=50&date_certain=1").get_json()
    assert {r["id"] for r in body["results"]} == all_ids - {"geschaetzt"}
    years = {e["value"]: e for e in body["facets"]["date"]}
    assert years["2019"]["count"] == 2 and years["2019"]["estimated"] == 0 and years["none"]["count"] == 2
    export = client.get("/api/export?q=&format=jsonl&date_certain=1").get_data(as_text=True)
    assert "geschaetzt" not in export and export.count("\n") == len(all_ids) - 1
    for bad in ("date_certain=2", "date_certain=ja", "date=nix"):
        response = client.get(f"/api/search?q=&{bad}")
        assert response.status_code == 400, bad
        assert bad.split("=")[0] in response.get_json()["error"]["message"]


def test_the_openapi_document_names_them(client) -> None:
    doc = client.get("/api/openapi.json").get_json()
    for path in ("/api/search", "/api/export", "/feed"):
        params = {p["name"]: p for p in doc["paths"][path]["get"]["parameters"]}
        assert params["date_certain"]["schema"]["enum"] == [0, 1]
        assert "none" in params["date"]["schema"]["items"]["pattern"]
    assert "estimated" in doc["components"]["schemas"]["FacetValue"]["properties"]


def test_the_html_panel_offers_them(client) -> None:
    page = client.get("/?sort=newest").get_data(as_text=True)
    assert 'name="date_certain"' in page and "ohne Datum" in page and "(1 geschätzt)" in page
    page = client.get("/?sort=newest&date_certain=1").get_data(as_text=True)
    assert "nur sichere Daten" in page and 'value="1" checked' in page


# ----------------------------------------------------------------------------- in a real browser


def test_browser_only_certain_dates_and_undated(folder) -> None:
    from .test_browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS

    sync_api = pytest.importorskip("playwright.sync_api")
    articles, index = folder
    proc, base = start_server(index, articles)
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(locale="de-DE", viewport={"width": 1280, "height": 900})
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(base + "/?sort=newest")
            panel = page.locator("#facet-date")
            sync_api.expect(panel).to_contain_text("ohne Datum")
            sync_api.expect(panel).to_contain_text("(1 geschätzt)")
            panel.get_by_label("nur sichere Daten").check()
            page.wait_for_url("**date_certain=1**")
            sync_api.expect(page.locator(".result-count, #result-count").first).to_contain_text("5")
            sync_api.expect(page.locator("#facet-date")).not_to_contain_text("geschätzt")
            page.locator("#facet-date").get_by_label("ohne Datum").check()
            page.wait_for_url("**date=none**")
            sync_api.expect(page.locator(".result-count, #result-count").first).to_contain_text("2")
            browser.close()
    finally:
        stop_server(proc)

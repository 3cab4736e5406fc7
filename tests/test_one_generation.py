"""Every part of one page comes from one index generation, even when a reindex swaps generations while
the page is being built (issue: the results page used to ask for the live generation several times)."""

from __future__ import annotations

from pathlib import Path

import pytest

from search import create_app
from search.engine.whoosh.indexer import reindex
from search.enrich.pipeline import default_enricher
from search.web import results

GEN_A = {  # two articles about Merkel in France
    "a1": "Angela Merkel besuchte am Montag Paris und sprach mit dem französischen Präsidenten.",
    "a2": "Angela Merkel sprach in Berlin über Frankreich und die Europäische Union.",
}
GEN_B = {  # five other articles, none naming Merkel or France
    f"b{i}": f"Der Gemeinderat von Ort {i} beschloss am Dienstag einen neuen Haushalt für Schulen."
    for i in range(5)
}


def _write(folder: Path, docs: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.txt"):
        old.unlink()
    for doc_id, text in docs.items():
        (folder / f"{doc_id}.txt").write_text(text, encoding="utf-8")


@pytest.fixture()
def swapping_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple:
    """An app over generation A; the first time the page builds its chips (after the search), a full
    reindex makes generation B live."""
    articles, index = tmp_path / "articles", tmp_path / "index"
    _write(articles, GEN_A)
    enricher = default_enricher()
    reindex(articles, index, enrich=enricher)
    app = create_app({"TESTING": True, "SEARCH_INDEX_DIR": str(index), "SEARCH_ARTICLES_DIR": str(articles)})
    real_chips = results.chips
    swapped: list[str] = []

    def chips_then_swap(*args: object, **kwargs: object) -> list:
        if not swapped:
            _write(articles, GEN_B)
            swapped.append(reindex(articles, index, full=True, enrich=default_enricher()).generation)
        return real_chips(*args, **kwargs)

    monkeypatch.setattr(results, "chips", chips_then_swap)
    return app, swapped


def test_results_page_uses_one_generation_across_a_swap(swapping_app: tuple) -> None:
    app, swapped = swapping_app
    client = app.test_client()
    page = client.get("/?q=Xylophon&person=Angela+Merkel&country=FR&lang=en")
    assert page.status_code == 200
    assert swapped, "the reindex between the parts of the page did not run"
    text = page.get_data(as_text=True)
    # the empty-result hints count in generation A: both Merkel articles without the word (B has none)
    assert "Keep the filters, drop the words" in text
    assert "(2 results)" in text
    # the entity links were checked against generation A, where Merkel and France exist
    assert "All about Angela Merkel" in text
    assert "All about France" in text
    # the next request sees generation B
    after = client.get("/api/search?q=Haushalt").get_json()
    assert after["total"] == 5 and after["generation"] == swapped[0]

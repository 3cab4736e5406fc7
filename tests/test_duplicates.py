"""Near-duplicates (issue 16): the same text on several sites is found at index time and shown as one hit
with "auch bei", counted once in the total and the facets; through the real index, API and page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from search.engine.whoosh.generations import current_generation
from search.engine.whoosh.grouping import GROUPS, SIGNATURES
from search.engine.whoosh.indexer import reindex
from search.enrich.duplicates import group, signature, similarity

from .api_helpers import engine_app, facet, ids, search

# Our own text (about 170 words), the kind of agency story mirror sites copy.
STORY = """Die Stadtwerke von Oberhausen haben am Montag angekündigt, das alte Kohlekraftwerk am Rhein-Herne-Kanal
bis zum Ende des kommenden Jahres stillzulegen. Nach Angaben des Unternehmens sollen die rund zweihundert
Beschäftigten in anderen Bereichen weiterarbeiten können; betriebsbedingte Kündigungen seien nicht geplant.
Der Betriebsrat zeigte sich erleichtert, forderte aber verbindliche Zusagen für die Auszubildenden. An die
Stelle des Kraftwerks soll eine Wärmepumpenanlage treten, die Abwärme aus dem Klärwerk nutzt und nach den
Plänen der Stadtwerke etwa vierzigtausend Haushalte mit Fernwärme versorgen kann. Die Kosten des Umbaus
werden auf knapp dreihundert Millionen Euro geschätzt, ein Drittel davon soll aus Fördermitteln des Landes
kommen. Umweltverbände begrüßten die Entscheidung, kritisierten jedoch den späten Zeitpunkt. Die
Oberbürgermeisterin sprach von einem wichtigen Schritt für die Region, die seit Jahrzehnten vom Bergbau
geprägt sei. Bis zur Stilllegung will das Unternehmen die Leistung schrittweise verringern. Anwohner hatten
sich seit Jahren über Lärm und Staub beschwert; eine Bürgerinitiative hatte zuletzt mehr als
zwölftausend Unterschriften gesammelt. Ob die denkmalgeschützte Maschinenhalle erhalten bleibt, ist noch
offen. Der Stadtrat will im Frühjahr darüber beraten."""

# Another story of the same length that quotes one sentence of the first (shares a little, not the text).
OTHER = """Im Ruhrgebiet wächst der Druck auf die Energieversorger, ihre Pläne für die Zeit nach der Kohle offenzulegen.
Bei einer Anhörung im Landtag berichteten Vertreter mehrerer Städte über Fortschritte und Rückschläge. In
Gelsenkirchen stockt der Bau eines Speichers, weil Bauteile fehlen; in Bottrop verzögert ein Rechtsstreit den
Anschluss neuer Wohngebiete an das Wärmenetz. Die Stadtwerke von Oberhausen haben am Montag angekündigt, das
alte Kohlekraftwerk am Rhein-Herne-Kanal bis zum Ende des kommenden Jahres stillzulegen. Fachleute der
Verbraucherzentrale warnten vor steigenden Preisen für Fernwärme, solange es keine unabhängige
Preisaufsicht gebe. Die Landesregierung verwies auf ein Gesetz, das noch vor der Sommerpause beraten werden
soll und die Versorger zu mehr Transparenz verpflichten würde. Gewerkschaften verlangen zudem einen Fonds für
Beschäftigte, deren Arbeitsplätze wegfallen. Die Opposition warf der Regierung vor, zu lange gezögert zu
haben, und forderte einen verbindlichen Zeitplan für jede Stadt. Mehrere Abgeordnete regten an, die
Ergebnisse der Anhörung jedes Jahr zu wiederholen, um den Fortschritt sichtbar zu machen. Eine Entscheidung
über weitere Anhörungen soll im Herbst fallen."""


def copy_of(text: str, intro: str, footer: str) -> str:
    """The story as a mirror site publishes it: its own first line and credit line around the same text."""
    return f"{intro}\n\n{text}\n\n{footer}\n"


def write(folder: Path, articles: dict[str, tuple[str, str]]) -> None:
    """``articles``: id -> (source, text); the sources go into the folder's sidecar."""
    folder.mkdir(parents=True, exist_ok=True)
    meta = {}
    for article_id, (source, text) in articles.items():
        (folder / f"{article_id}.txt").write_text(text, encoding="utf-8")
        meta[article_id] = {"source": source, "date": "2021-03-0" + str(1 + len(meta) % 9)}
    (folder / "metadata.json").write_text(json.dumps(meta), encoding="utf-8")


ARTICLES = {
    "a_original": ("ruhr-nachrichten.example", "Kraftwerk wird stillgelegt\n\n" + STORY),
    "b_mirror": (
        "mirror-one.example",
        copy_of("Oberhausen: Aus für das Kohlekraftwerk", STORY, "(dpa) Foto: Stadtwerke"),
    ),
    "c_mirror": (
        "mirror-two.example",
        copy_of("Das Kohlekraftwerk am Kanal geht vom Netz", STORY, "Quelle: Agenturen"),
    ),
    "d_other": ("ruhr-nachrichten.example", "Anhörung im Landtag\n\n" + OTHER),
    "e_short": ("mirror-one.example", "Kurz notiert\n\nDas Kohlekraftwerk in Oberhausen wird stillgelegt."),
    "f_short": ("mirror-two.example", "Kurz notiert\n\nDas Kohlekraftwerk in Oberhausen wird stillgelegt."),
}


@pytest.fixture(scope="module")
def dup_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("dups")
    write(root / "articles", ARTICLES)
    reindex(root / "articles", root / "index")
    return root / "articles", root / "index"


@pytest.fixture(scope="module", params=("whoosh", "opensearch"))
def dup_client(request: pytest.FixtureRequest, dup_index: tuple[Path, Path]):
    """The app over the articles above, on each engine (OpenSearch: a real node, alias ``pytest-dups``)."""
    articles, index = dup_index
    if request.param == "whoosh":
        return engine_app("whoosh", index, articles).test_client()
    from search.engine.opensearch.engine import OpenSearchEngine

    url = request.getfixturevalue("opensearch_url")
    OpenSearchEngine(url, "pytest-dups").reindex(articles, full=True)
    return engine_app("opensearch", index, articles, url, "pytest-dups").test_client()


def test_signatures_tell_copies_from_related_texts() -> None:
    story, mirror = signature(STORY), signature(copy_of(STORY, "Eine andere Zeile", "(AFP)"))
    other = signature(OTHER)
    assert story is not None and mirror is not None and other is not None
    assert similarity(story, mirror) >= 0.8
    assert similarity(story, other) < 0.3  # one shared sentence is not the same text
    assert signature("Das Kohlekraftwerk in Oberhausen wird stillgelegt.") is None  # too short to compare
    groups = group([("x", story), ("y", mirror), ("z", other), ("w", None)])
    assert groups == {"x": "x", "y": "x"}


def test_copies_are_one_hit_with_the_others_listed(dup_client) -> None:
    data = search(dup_client, q="Kohlekraftwerk")
    assert data["total"] == 5 - 2 + 1  # a, b, c are one group; d, e, f alone
    grouped = [h for h in data["results"] if h.get("duplicates")]
    assert len(grouped) == 1
    hit = grouped[0]
    shown = {hit["id"], *(d["id"] for d in hit["duplicates"])}
    assert shown == {"a_original", "b_mirror", "c_mirror"}
    assert all(d["url"].startswith("/") and d["source"] for d in hit["duplicates"])
    # every copy appears once: as the hit or listed with it
    assert sorted(ids(data)).count(hit["id"]) == 1
    assert not {"a_original", "b_mirror", "c_mirror"} - {hit["id"]} & set(ids(data))
    # the short notices are the same text too, but too short to be compared: two hits
    assert {"e_short", "f_short"} <= set(ids(data))


def test_facet_counts_count_a_group_once(dup_client) -> None:
    data = search(dup_client, q="Kohlekraftwerk")
    sources = facet(data, "source")
    # the group has a copy on each site: each site's count is "hits if you tick it"
    assert sources == {"ruhr-nachrichten.example": 2, "mirror-one.example": 2, "mirror-two.example": 2}
    ticked = search(dup_client, q="Kohlekraftwerk", source="mirror-one.example")
    assert ticked["total"] == 2
    hit = next(h for h in ticked["results"] if h["id"] in {"a_original", "b_mirror", "c_mirror"})
    assert hit["id"] == "b_mirror"  # the filtered site's copy stands for the group
    assert not hit.get("duplicates")  # the other copies do not match the filter
    # all six articles are of March 2021: the year and the month count the three copies once
    year = next(y for y in data["facets"]["date"] if y["value"] == "2021")
    assert year["count"] == 4 == data["total"]
    assert [m["count"] for m in year["children"]] == [4]


def test_sorting_by_date_shows_the_newest_copy(dup_client) -> None:
    data = search(dup_client, q="Kohlekraftwerk", sort="newest")
    hit = next(h for h in data["results"] if h.get("duplicates"))
    assert hit["date"] == max([hit["date"], *(d["date"] for d in hit["duplicates"])])


def test_an_incremental_reindex_compares_new_articles_with_the_old(tmp_path: Path) -> None:
    folder, target = tmp_path / "articles", tmp_path / "index"
    write(folder, ARTICLES)
    reindex(folder, target)
    first = current_generation(target)
    before = {name: (first / name).read_bytes() for name in (SIGNATURES, GROUPS)}
    (folder / "g_late.txt").write_text(copy_of(STORY, "Nachtrag", "(epd)"), encoding="utf-8")
    (folder / "b_mirror.txt").unlink()
    reindex(folder, target)
    assert current_generation(target) != first
    groups = json.loads((current_generation(target) / GROUPS).read_text())
    assert groups == {"a_original": "a_original", "c_mirror": "a_original", "g_late": "a_original"}
    # the previous generation (still serving until the pointer flipped) was not written into
    assert {name: (first / name).read_bytes() for name in (SIGNATURES, GROUPS)} == before


def test_an_index_without_signatures_gets_them_from_the_stored_texts(tmp_path: Path) -> None:
    folder, target = tmp_path / "articles", tmp_path / "index"
    write(folder, ARTICLES)
    reindex(folder, target)
    live = current_generation(target)
    (live / SIGNATURES).unlink()  # as built before near-duplicates existed
    (live / GROUPS).unlink()
    (folder / "h_new.txt").write_text("Neu\n\n" + OTHER.replace("Herbst", "Winter"), encoding="utf-8")
    reindex(folder, target)
    groups = json.loads((current_generation(target) / GROUPS).read_text())
    assert groups["b_mirror"] == groups["c_mirror"] == "a_original"
    assert groups["h_new"] == groups["d_other"] == "d_other"


def test_the_results_page_says_where_else_the_text_is(dup_client) -> None:
    html = dup_client.get("/", query_string={"q": "Kohlekraftwerk"}).get_data(as_text=True)
    assert html.count('class="dups"') == 1
    assert "Auch bei:" in html
    assert "mirror-two.example" in html
    english = dup_client.get("/", query_string={"q": "Kohlekraftwerk", "lang": "en"}).get_data(as_text=True)
    assert "Also at:" in english


def test_opensearch_keeps_the_groups_of_an_incremental_reindex(opensearch_url: str, tmp_path: Path) -> None:
    from search.engine.opensearch.client import Client
    from search.engine.opensearch.engine import OpenSearchEngine
    from search.engine.opensearch.indexer import live_index, read_record

    folder = tmp_path / "articles"
    write(folder, ARTICLES)
    engine = OpenSearchEngine(opensearch_url, "pytest-dups-incremental")
    engine.reindex(folder, full=True)
    (folder / "g_late.txt").write_text(copy_of(STORY, "Nachtrag", "(epd)"), encoding="utf-8")
    (folder / "b_mirror.txt").unlink()
    engine.reindex(folder)
    client = Client(opensearch_url)
    index = live_index(client, "pytest-dups-incremental")
    record = read_record(client, "pytest-dups-incremental", index, ("duplicates",))
    assert json.loads(record["duplicates"]) == {
        "a_original": "a_original",
        "c_mirror": "a_original",
        "g_late": "a_original",
    }
    body = {"query": {"term": {"dup_group": "a_original"}}, "size": 10, "_source": ["id"]}
    hits = client.request("POST", f"/{index}/_search", body)["hits"]["hits"]
    assert sorted(h["_source"]["id"] for h in hits) == ["a_original", "c_mirror", "g_late"]

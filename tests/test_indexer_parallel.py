"""The parallel reindex path: worker processes that die with the reindex, results equal to the serial path,
segments committed during the run, worker generations, memory-bounded entity extraction.

The kill tests start a real ``search reindex`` (or a reindex with small generations) as a subprocess, record
every process whose parent chain leads to it while it runs, SIGKILL it, and require that none of them is
still alive a few seconds later. Recorded by ancestry, not by command line: spawned workers and the
multiprocessing resource tracker do not carry the index path in their arguments.
"""

from __future__ import annotations

import contextlib
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from search.core.errors import ReindexError
from search.engine.whoosh import indexer, planning, segments, workers
from search.engine.whoosh.generations import current_generation
from search.engine.whoosh.indexer import reindex
from search.engine.whoosh.schema import build_schema
from search.engine.whoosh.store import IndexStore
from search.enrich import pipeline as enrich_module
from search.enrich.pipeline import Enricher, extract_entities, split_text
from search_tools.synthetic import article_text, write_corpus

from .conftest import ROOT
from .helpers import short_articles
from .procs import cpu_seconds, descendants, kill_and_check, watch

SEED = 20240611


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """320 short articles: a full run takes the parallel path (>= PARALLEL_MIN), five batches."""
    return short_articles(tmp_path_factory.mktemp("parallel") / "articles", 320, SEED, prefix="p")


def stored(index: Path) -> dict[str, dict]:
    reader = IndexStore(index).current().searcher().reader()
    return {f["id"]: f for _, f in reader.iter_docs()}


# ------------------------------------------------------------------------------------ kill -9 of a reindex


@pytest.mark.parametrize("ner", ["--ner", "--no-ner"])
def test_no_child_survives_a_killed_cli_reindex(corpus: Path, tmp_path: Path, ner: str) -> None:
    """kill -9 of ``search reindex`` while its workers extract and analyse: all its children die with it
    (the workers, and the resource tracker of multiprocessing), and the next reindex can start at once."""
    if (os.cpu_count() or 1) < 2:
        pytest.skip("one core: the reindex has no worker processes")
    index = tmp_path / "index"
    cmd = [sys.executable, "-m", "search.cli", "reindex", "--full", ner, "--articles", str(corpus)]
    proc = subprocess.Popen([*cmd, "--index", str(index)], cwd=ROOT, stderr=subprocess.DEVNULL)
    family: set[int] = set()
    try:
        # wait until the workers have started working (they use CPU time), then a little more
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            family |= descendants(proc.pid)
            if sum(cpu_seconds(p) for p in family) > 1.0:
                break
            time.sleep(0.02)
        watch(proc, time.monotonic() + 0.3, family)
        assert proc.poll() is None, "the reindex finished before it could be killed"
        assert len(family) >= 2, family  # the workers (and the resource tracker) were seen
        kill_and_check(proc, family)
    finally:
        with contextlib.suppress(OSError):
            proc.kill()
        proc.wait()
    assert current_generation(index) is None  # nothing became live
    summary = reindex(corpus, index, enrich=Enricher(ner=False), workers=2)  # no lock left behind
    assert summary.added == 320


DRIVER = """
import sys
from pathlib import Path
from search.engine.whoosh import indexer, workers
from search.enrich.pipeline import Enricher
workers.WORKER_ARTICLES = 32  # a new generation of workers every batch: children start all the time
indexer.SEGMENT_DOCS = 100
indexer.reindex(Path(sys.argv[1]), Path(sys.argv[2]), full=True, enrich=Enricher(ner=False), workers=2)
"""


@pytest.fixture(scope="module")
def replaced(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], float]:
    """The driver's command on one index for all trials, and how long an uninterrupted run takes here."""
    index = tmp_path_factory.mktemp("replaced") / "index"
    cmd = [sys.executable, "-c", DRIVER, str(corpus), str(index)]
    started = time.monotonic()
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
    assert len(stored(index)) == 320
    return cmd, time.monotonic() - started


@pytest.mark.parametrize("trial", range(6))
def test_no_child_survives_a_kill_while_workers_are_replaced(
    replaced: tuple[list[str], float], trial: int
) -> None:
    """Worker generations are replaced every batch here, so the kill often falls just before or after a
    worker was started: a worker started a moment before its parent died must not outlive it either."""
    if (os.cpu_count() or 1) < 2:
        pytest.skip("one core: the reindex has no worker processes")
    cmd, took = replaced
    rng = random.Random(SEED + trial)
    proc = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.DEVNULL)
    family: set[int] = set()
    try:
        watch(proc, time.monotonic() + rng.uniform(0.2, 0.9) * took, family)
        if proc.poll() is not None:
            pytest.skip("the run finished before the kill")
        kill_and_check(proc, family)
    finally:
        with contextlib.suppress(OSError):
            proc.kill()
        proc.wait()
    assert len(stored(Path(cmd[-1]))) == 320  # the previous generation is still live and whole


# ------------------------------------------------------------------------------- what the parallel path writes


def test_parallel_run_writes_what_the_serial_run_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers, several segments and several worker generations give the documents of a serial run."""
    articles = write_corpus(tmp_path / "articles", 700, seed=3)
    monkeypatch.setattr(indexer, "SEGMENT_DOCS", 250)  # three segments
    monkeypatch.setattr(workers, "WORKER_ARTICLES", 160)  # a new generation every five batches
    calls: list[tuple[int, int]] = []
    parallel = reindex(
        articles,
        tmp_path / "parallel",
        enrich=Enricher(ner=False),
        workers=2,
        progress=lambda stage, done, total: calls.append((done, total)),
    )
    serial = reindex(articles, tmp_path / "serial", enrich=Enricher(ner=False), workers=1)
    assert parallel.added == serial.added == 700
    assert calls[-1] == (700, 700) and len(calls) == 11  # every batch of 64, and the end
    gen = IndexStore(tmp_path / "parallel").current()
    assert len(gen.searcher().reader().leaf_readers()) == 3
    a, b = stored(tmp_path / "parallel"), stored(tmp_path / "serial")
    assert a == b
    from .helpers import ids

    for q in ("Regierung", "Atomprogramm", '"der Regierung"'):
        assert sorted(ids(IndexStore(tmp_path / "parallel"), q)) == sorted(
            ids(IndexStore(tmp_path / "serial"), q)
        )


def test_parallel_ner_run_gives_the_persons_of_a_serial_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With entity extraction: the same person and country values as a serial run, through worker
    generations that learn the persons registered so far; an incremental run keeps them."""
    from .conftest import SEEDS

    articles = tmp_path / "articles"
    articles.mkdir()
    seeds = sorted(SEEDS.glob("*.txt"))
    for i in range(220):
        src = seeds[i % len(seeds)]
        (articles / f"copy{i:03d}_{src.name}").write_bytes(src.read_bytes())
    monkeypatch.setattr(workers, "WORKER_ARTICLES", 64)  # a new generation every other batch
    parallel = reindex(articles, tmp_path / "parallel", enrich=Enricher(), workers=2)
    serial = reindex(articles, tmp_path / "serial", enrich=Enricher(), workers=1)
    assert parallel.added == serial.added == 220
    a, b = stored(tmp_path / "parallel"), stored(tmp_path / "serial")
    assert {k: (v.get("person"), v.get("country")) for k, v in a.items()} == {
        k: (v.get("person"), v.get("country")) for k, v in b.items()
    }
    assert "Kim Jong-un" in a[f"copy000_{seeds[0].stem}"]["person"].split(",")
    # incremental, parallel: 210 changed articles; the workers learn the index's persons first
    for path in sorted(articles.glob("*.txt"))[:210]:
        path.write_text(path.read_text(encoding="utf-8") + "\n\nNachtrag.", encoding="utf-8")
    again = reindex(articles, tmp_path / "parallel", enrich=Enricher(), workers=2)
    assert again.updated == 210
    c = stored(tmp_path / "parallel")
    assert {k: v.get("person") for k, v in c.items()} == {k: v.get("person") for k, v in a.items()}


class Crasher:
    """An enricher whose worker process dies (as if killed by the kernel for lack of memory)."""

    def __call__(self, articles):
        os._exit(3)


def test_a_dying_worker_is_a_clear_error_and_keeps_the_index(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    reindex(corpus, index, enrich=Enricher(ner=False), workers=2)
    live = current_generation(index)
    with pytest.raises(ReindexError, match="worker process died"):
        reindex(corpus, index, full=True, enrich=Crasher(), workers=2)
    assert current_generation(index) == live
    assert [p.name for p in index.glob("gen-*")] == [live.name]  # the unfinished generation is gone


def test_chunked_posting_pool_writes_the_same_postings(tmp_path: Path) -> None:
    """The posting buffer that spills its runs in chunks gives exactly Whoosh's postings."""
    from whoosh import index as whoosh_index

    articles = write_corpus(tmp_path / "articles", 120, seed=5)
    plan = planning.scan(articles, {}, True)
    docs = [doc for _, doc, _, _ in workers.prepare(plan.add, None)]

    def postings(folder: Path, chunked: bool) -> dict:
        folder.mkdir()
        ix = whoosh_index.create_in(str(folder), build_schema())
        writer = (
            segments.segment_writer(ix, 1) if chunked else ix.writer(limitmb=1)
        )  # 1 MB: many spilled runs
        assert isinstance(writer.pool, segments.ChunkedPostingPool) == chunked
        for doc in docs:
            writer.add_document(**doc)
        if chunked:
            assert writer.pool.runs  # it did spill
        writer.commit()
        reader = ix.reader()
        return {
            (field, term): list(
                reader.postings(field, term).items_as("positions" if field == "exact" else "weight")
            )
            for field in ("title", "body", "exact", "parts", "person", "id")
            for term in reader.lexicon(field)
        }

    assert postings(tmp_path / "chunked", True) == postings(tmp_path / "plain", False)


# ------------------------------------------------------------------------- memory-bounded entity extraction


def test_split_text_puts_the_text_back_together() -> None:
    rng = random.Random(SEED)
    text = "\n\n".join(article_text(rng, 6) for _ in range(30))
    pieces = split_text(text, 2_000)
    assert "".join(p for _, p in pieces) == text
    assert all(len(p) <= 2_000 for _, p in pieces)
    assert all(text[o : o + len(p)] == p for o, p in pieces)
    assert all(p.endswith("\n\n") for _, p in pieces[:-1])  # at paragraph breaks when there are some
    word = "x" * 5_000
    assert [len(p) for _, p in split_text(word, 2_000)] == [2_000, 2_000, 1_000]  # one endless word


class Spy:
    """The real entity extractor, recording the texts and batch size it is given."""

    def __init__(self) -> None:
        self.real = enrich_module._extractor("")
        self.texts: list[str] = []
        self.batch_sizes: list[int] = []

    def extract_many(self, texts, batch_size=32):
        texts = list(texts)
        self.texts.extend(texts)
        self.batch_sizes.append(batch_size)
        return self.real.extract_many(texts, batch_size=batch_size)


def test_long_texts_reach_the_pipeline_in_bounded_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """No text longer than the piece limit reaches spaCy (which refuses texts over 1,000,000 characters and
    needs ~2.5 KB per character); the pieces' entities are merged with spans pointing into the whole text,
    and give the countries the whole text gives in one piece."""
    rng = random.Random(SEED)
    long_text = "\n\n".join(f"{article_text(rng, 1)} Die Regierung in Nordkorea schwieg." for _ in range(12))
    texts = ["Kurz: Nordkorea droht erneut.", long_text, "Noch ein kurzer Text."]
    whole = list(Spy().extract_many(texts))
    monkeypatch.setattr(enrich_module, "NER_BATCH_CHARS", 2_000)
    monkeypatch.setattr(enrich_module, "NER_PIECE_CHARS", 1_000)
    spy = Spy()
    found = extract_entities(spy, texts)
    assert len(found) == 3
    assert max(len(t) for t in spy.texts) <= 1_000 and len(spy.texts) > 3
    (size,) = spy.batch_sizes
    batches = [spy.texts[i : i + size] for i in range(0, len(spy.texts), size)]
    assert size == 1 or all(sum(map(len, b)) <= 2_000 for b in batches)
    merged = found[1]
    assert merged.countries == whole[1].countries and merged.countries["KP"] >= 12
    kp = [long_text[s:e] for s, e, kind, value in merged.spans if value == "KP"]
    assert kp == ["Nordkorea"] * merged.countries["KP"]  # spans point into the whole text
    assert found[0].countries == whole[0].countries == {"KP": 1} and found[2].countries == {}
    assert extract_entities(spy, []) == []


@pytest.mark.parametrize("seed", range(5))
def test_texts_are_arranged_into_batches_within_the_budget(seed: int) -> None:
    """nlp.pipe cuts consecutive batches of one size: the order and size keep every batch within the
    character budget, with batches as large as that allows (small batches cost CPU time)."""
    rng = random.Random(seed)
    lengths = [int(rng.lognormvariate(8.4, 0.7)) for _ in range(rng.randint(1, 80))]
    lengths = [min(n, 40_000) for n in lengths]  # pieces are never longer than NER_PIECE_CHARS
    order, size = enrich_module._arrange(lengths, 60_000, 16)
    assert sorted(order) == list(range(len(lengths)))
    batches = [[lengths[i] for i in order[k : k + size]] for k in range(0, len(order), size)]
    assert size == 1 or max(map(sum, batches)) <= 60_000
    assert 1 <= size <= 16
    if len(lengths) >= 40 and sum(lengths) < 8 * 60_000 // 2 and max(lengths) < 30_000:
        assert size >= 8  # typical news articles (~5,000 characters) still go 8 or more at a time


def test_a_primed_enricher_loads_nothing_until_it_extracts() -> None:
    """Priming only remembers the persons (the writer process never loads spaCy); the real extractor
    learns them before the first extraction, once."""
    enrich_module._extractor.cache_clear()
    e = Enricher()
    e.prime({"Kim Jong-un": ["Kim Jong Un"]})
    assert enrich_module._extractor.cache_info().currsize == 0 and e.registry == {
        "Kim Jong-un": ["Kim Jong Un"]
    }
    assert e([]) == []
    assert enrich_module._extractor.cache_info().currsize == 1 and not e._unlearned
    from search.enrich.entities.names import person_key

    assert person_key("Kim Jong-un") in enrich_module._extractor("")._known  # taught to the real extractor


def test_new_workers_learn_the_persons_named_in_two_articles() -> None:
    """The writer counts articles per person; a new worker is taught those named twice or more, and those
    known from the index, not every person named once (which would slow every batch it resolves)."""
    enrich = Enricher()
    names = indexer._PersonNames(enrich)

    def doc(*persons: str) -> dict:
        return {"entities": {"persons": dict.fromkeys(persons, 1), "aliases": {}, "spans": []}}

    for persons in (
        ("Angela Merkel", "Jens Spahn"),
        ("Angela Merkel",),
        ("Karl Lauterbach", "Angela Merkel"),
    ):
        names.apply(doc(*persons))
    assert set(enrich.registry) == {"Angela Merkel", "Jens Spahn", "Karl Lauterbach"}
    assert enrich.articles == {"Angela Merkel": 3, "Jens Spahn": 1, "Karl Lauterbach": 1}
    assert set(enrich.established()) == {"Angela Merkel"}
    enrich.prime({"Olaf Scholz": ["Olaf Scholz", "Scholz"]})  # from the live index (incremental run)
    assert set(enrich.established()) == {"Angela Merkel", "Olaf Scholz"}


def _worker_state() -> tuple[int, bool, str]:
    """In a worker: entity extractors loaded already, whether the fork server is its parent, its BLAS threads."""
    from search.engine.whoosh import forkserver

    return (
        enrich_module._extractor.cache_info().currsize,
        forkserver.server_pid() == os.getppid(),
        os.environ.get("OPENBLAS_NUM_THREADS", ""),
    )


def _fork_servers() -> set[int]:
    """This process's children that are multiprocessing fork servers (their own children, forked, carry the
    same command line)."""
    out = set()
    for pid in descendants(os.getpid()):
        with contextlib.suppress(OSError, ValueError):
            stat = Path(f"/proc/{pid}/stat").read_text()
            parent = int(stat[stat.rindex(")") + 2 :].split()[1])
            if (
                parent == os.getpid()
                and b"multiprocessing.forkserver" in Path(f"/proc/{pid}/cmdline").read_bytes()
            ):
                out.add(pid)
    return out


def test_workers_are_forked_with_the_model_loaded_and_the_server_stops() -> None:
    """A reindex's workers are forks of a server that loaded the entity model once (a fresh interpreter would
    load it again in each of them: about 3 s of CPU, 35 times in a 41,242-article reindex), with one BLAS
    thread; the server is gone when the reindex's use of it ends."""
    from concurrent.futures import ProcessPoolExecutor

    from search.engine.whoosh.forkserver import worker_context

    assert not _fork_servers()
    with worker_context(Enricher()) as ctx, ProcessPoolExecutor(1, mp_context=ctx) as pool:
        loaded, forked, blas = pool.submit(_worker_state).result(timeout=300)
        servers = _fork_servers()
    assert (loaded, forked, blas) == (1, True, "1")
    assert len(servers) == 1
    deadline = time.monotonic() + 10
    while _fork_servers() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _fork_servers()


def test_documents_changed_at_the_end_are_written_by_helpers_into_their_own_segments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real news (the first 260 FANG-COVID articles): the documents whose persons change once the run has
    seen every article are written again by helper processes, each into a segment of its own, and the index
    holds every article once, as a run writing them in the reindex process does."""
    from benchmarks import corpora

    from .conftest import shared_path

    shared_path("corpora", "fang-covid")
    articles = corpora.write_fang(tmp_path / "articles", 260).folder
    monkeypatch.setattr(segments, "CHUNK", 4)  # chunks for both helpers
    reindex(articles, tmp_path / "helpers", enrich=Enricher(), workers=2)
    monkeypatch.setattr(indexer, "write_in_helpers", _write_here)
    reindex(articles, tmp_path / "here", enrich=Enricher(), workers=2)
    assert stored(tmp_path / "helpers") == stored(tmp_path / "here")
    reader = IndexStore(tmp_path / "helpers").current().searcher().reader()
    again = reader.doc_count_all() - reader.doc_count()  # first versions of the documents written again
    assert reader.doc_count() == 260 and again > 8
    sizes = [leaf.doc_count_all() for leaf, _ in reader.leaf_readers()]
    assert sizes[0] == 260 and sum(sizes[1:]) == again and len(sizes) == 3, sizes


def _write_here(docs, gen_dir: Path, helpers: int, before) -> list:
    """The late documents written in this process, as one segment (for comparison)."""
    from whoosh import index as whoosh_index

    from search.engine.reindexing import analysed_again
    from search.engine.whoosh.documents import add_mentions

    writer = segments.segment_writer(whoosh_index.open_dir(str(gen_dir)), 64, lock=False)
    for doc in docs:
        before(doc)
        analysed_again(doc)
        add_mentions(doc)
        writer.add_document(**doc)
    return [writer._finalize_segment()]

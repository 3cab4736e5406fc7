"""Tantivy as a reference point: the same documents and query mix in a Rust engine, in the same run.

Why: absolute milliseconds on a loaded two-core machine say little; the ratio to a mature engine measured
minutes apart on the same data does. Tantivy gets the texts, titles, dates, sources and the *entity values
our index extracted* (read from our stored fields), so its indexing time contains no NER.

Schema (tantivy-py >= 0.22): ``title``/``body`` stemmed with Tantivy's Snowball German stemmer
(``Filter.stemmer("german")`` after lowercase and German stop words, ASCII folding last), ``exact`` the
folded unstemmed words for ``prefix*`` (as our ``exact`` field), multi-valued raw fast string fields
``person``/``country``/``published``/``mentioned``/``source`` for filters and term aggregations, ``pubdate``
as a fast u64 for date sorting.

What cannot be expressed the same way (reported as notes per query): our compound-part and exact-form
scoring fields (Tantivy scores title^3 + body only); our "some words" fallback and spelling suggestions
(none in Tantivy); our disjunctive facets are reproduced with one aggregation request per filtered facet.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

# our facet name -> Tantivy field (same values as our index fields of the same name)
FACET_FIELDS = {
    "person": "person",
    "country": "country",
    "date": "published",
    "mentioned": "mentioned",
    "source": "source",
}
TITLE_BOOST = 3.0
MAX_EXPANSIONS = 200  # as search.engine.whoosh.compiler.MAX_EXPANSIONS
WRITER_HEAP = 256_000_000  # as the Whoosh writer's limitmb=256
_TOKEN = re.compile(r'"[^"]*"?|\S+')
_OPS_OR = {"OR", "ODER"}
_OPS_AND = {"AND", "UND"}
_OPS_NOT = {"NOT", "NICHT"}


def available() -> str | None:
    """The installed tantivy-py version, or None when it is not importable."""
    try:
        import tantivy  # noqa: F401 - importable is what matters
    except ImportError:
        return None
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tantivy")
    except PackageNotFoundError:
        return "unknown"


def documents_from_index(searcher) -> list[dict]:  # a Whoosh searcher
    """Our index's stored fields as plain documents for Tantivy (not timed: this is our NER's output)."""
    docs = []
    for stored in searcher.all_stored_fields():
        date = stored.get("date") or ""
        docs.append(
            {
                "id": stored["id"],
                "title": stored.get("title") or "",
                "body": stored.get("body") or "",
                "pubdate": int(date.replace("-", "")) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", date) else 0,
                **{f: _split(stored.get(f)) for f in FACET_FIELDS.values()},
            }
        )
    return docs


def build_from_generation(gen, path: Path) -> tuple[TantivyRef, dict] | None:  # a whoosh Generation
    """Tantivy's in-process build of the documents of one of our index generations, at ``path``: the
    reference and its build figures (wall, CPU, bytes, version); None when tantivy is not installed."""
    version = available()
    if version is None:
        return None
    ref = TantivyRef(path)
    built = ref.build(documents_from_index(gen.searcher()))
    print(f"tantivy {version}: index {built['seconds']} s", flush=True)
    return ref, built | {"version": version}


def _split(value: object) -> list[str]:
    if not value:
        return []
    return [v for v in str(value).split(",") if v]


class TantivyRef:
    """One Tantivy index of the benchmark corpus and the query-mix runner against it."""

    def __init__(self, path: Path, threads: int = 1):
        self.path = Path(path)
        self.threads = threads
        self.index = None
        self.schema = None
        self.notes: set[str] = set()

    # ----------------------------------------------------------------------------------------- indexing

    def _schema(self):
        import tantivy

        sb = tantivy.SchemaBuilder()
        sb.add_text_field("id", stored=True, tokenizer_name="raw")
        sb.add_text_field("title", stored=True, tokenizer_name="de_stem")
        sb.add_text_field("body", stored=True, tokenizer_name="de_stem")
        sb.add_text_field("exact", stored=False, tokenizer_name="de_exact")
        for field in FACET_FIELDS.values():
            sb.add_text_field(field, stored=False, fast=True, tokenizer_name="raw")
        sb.add_unsigned_field("pubdate", stored=False, indexed=True, fast=True)
        return sb.build()

    def _register(self) -> None:
        from tantivy import Filter, TextAnalyzerBuilder, Tokenizer

        stem = (
            TextAnalyzerBuilder(Tokenizer.simple())
            .filter(Filter.remove_long(40))
            .filter(Filter.lowercase())
            .filter(Filter.stopword("german"))
            .filter(Filter.stemmer("german"))
            .filter(Filter.ascii_fold())
            .build()
        )
        exact = (
            TextAnalyzerBuilder(Tokenizer.simple())
            .filter(Filter.remove_long(40))
            .filter(Filter.lowercase())
            .filter(Filter.ascii_fold())
            .build()
        )
        self.index.register_tokenizer("de_stem", stem)
        self.index.register_tokenizer("de_exact", exact)

    def build(self, docs: list[dict]) -> dict:
        """Index ``docs`` from nothing; returns wall and CPU seconds, documents, threads and bytes on disk."""
        import tantivy

        if self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir(parents=True)
        started, cpu_started = time.perf_counter(), time.process_time()
        self.schema = self._schema()
        self.index = tantivy.Index(self.schema, path=str(self.path))
        self._register()
        writer = self.index.writer(heap_size=WRITER_HEAP, num_threads=self.threads)
        for d in docs:
            doc = tantivy.Document()
            doc.add_text("id", d["id"])
            doc.add_text("title", d["title"])
            doc.add_text("body", d["body"])
            doc.add_text("exact", f"{d['title']}\n\n{d['body']}")
            for field in FACET_FIELDS.values():
                for value in d[field]:
                    doc.add_text(field, value)
            doc.add_unsigned("pubdate", d["pubdate"])
            writer.add_document(doc)
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        seconds = time.perf_counter() - started
        return {
            "seconds": round(seconds, 3),
            "cpu_seconds": round(time.process_time() - cpu_started, 3),  # all of Tantivy's threads
            "docs": len(docs),
            "threads": self.threads,
            "bytes": sum(f.stat().st_size for f in self.path.rglob("*") if f.is_file()),
        }

    # ----------------------------------------------------------------------------------------- querying

    def _text_query(self, searcher, q: str):
        """Our query language (words ANDed, OR, -word/NOT, "phrase", prefix*) as a Tantivy query."""
        from tantivy import Occur, Query

        groups: list[list[tuple]] = [[]]
        negate = False
        for tok in _TOKEN.findall(q):
            if tok in _OPS_OR:
                groups.append([])
                continue
            if tok in _OPS_AND:
                continue
            if tok in _OPS_NOT:
                negate = True
                continue
            occur = Occur.MustNot if negate or (tok.startswith("-") and len(tok) > 1) else Occur.Must
            negate = False
            text = tok[1:] if tok.startswith("-") and len(tok) > 1 else tok
            if ":" in text and not text.startswith('"'):
                self.notes.add("field scopes in q are not translated (read as words)")
                text = text.replace(":", " ")
            sub = self._clause(searcher, text)
            if sub is not None:
                groups[-1].append((occur, sub))
        built = []
        for clauses in (g for g in groups if g):
            if not any(o != Occur.MustNot for o, _ in clauses):
                clauses = [(Occur.Must, Query.all_query()), *clauses]
            built.append(clauses[0][1] if len(clauses) == 1 else Query.boolean_query(clauses))
        if not built:
            return None
        return built[0] if len(built) == 1 else Query.boolean_query([(Occur.Should, b) for b in built])

    def _clause(self, searcher, text: str):
        from tantivy import Occur, Query

        if text.endswith("*") and not text.startswith('"'):
            from search.text.analysis import fold

            prefix = fold(text.rstrip("*").lower())
            terms = [t for t, _ in searcher.terms_with_prefix("exact", prefix, limit=MAX_EXPANSIONS)]
            if not terms:
                return Query.empty_query()
            subs = [(Occur.Should, Query.term_query(self.schema, "exact", t)) for t in terms]
            return Query.boolean_query(subs)
        if text.startswith('"') and not text.endswith('"'):
            text += '"'
        try:
            return self.index.parse_query(text, ["title", "body"], field_boosts={"title": TITLE_BOOST})
        except ValueError:
            self.notes.add("unparsable words dropped")
            return None

    def _filter(self, facet: str, values: tuple[str, ...]):
        from tantivy import Occur, Query

        field = FACET_FIELDS[facet]
        terms = [Query.term_query(self.schema, field, v) for v in values]
        return terms[0] if len(terms) == 1 else Query.boolean_query([(Occur.Should, t) for t in terms])

    @staticmethod
    def _and(parts: list):
        from tantivy import Occur, Query

        parts = [p for p in parts if p is not None]
        if not parts:
            return Query.all_query()
        return parts[0] if len(parts) == 1 else Query.boolean_query([(Occur.Must, p) for p in parts])

    def run(self, request, size: int = 10) -> dict:  # a search.engine.whoosh.searcher.SearchRequest
        """One request like our JSON endpoint: top ``per_page`` with snippets + facet term aggregations.

        Returns ``total_ms`` (query, hits, snippets, aggregations), ``agg_ms`` (aggregations alone), the
        same as process CPU time (``*_cpu_ms``), ``total`` and the ids of the hits.
        """
        from tantivy import Order, SnippetGenerator

        started, cpu_started = time.perf_counter(), time.process_time()
        searcher = self.index.searcher()
        text = self._text_query(searcher, request.q) if request.q.strip() else None
        filters = {f: self._filter(f, v) for f, v in request.filters.items() if v and f in FACET_FIELDS}
        query = self._and([text, *filters.values()])
        limit = request.page * request.per_page
        offset = (request.page - 1) * request.per_page
        if request.sort == "newest" or (request.sort == "relevance" and text is None):
            result = searcher.search(query, limit, offset=0, order_by_field="pubdate", order=Order.Desc)
        elif request.sort == "oldest":
            result = searcher.search(query, limit, offset=0, order_by_field="pubdate", order=Order.Asc)
        else:
            result = searcher.search(query, limit)
        hits = result.hits[offset:]
        ids = []
        snippet_gen = None
        if request.with_snippets and hits:
            snippet_gen = SnippetGenerator.create(searcher, query, self.schema, "body")
            snippet_gen.set_max_num_chars(240)
        for _score, address in hits:
            doc = searcher.doc(address)
            ids.append(doc["id"][0])
            if snippet_gen is not None:
                snippet_gen.snippet_from_doc(doc).to_html()
        agg_started, agg_cpu_started = time.perf_counter(), time.process_time()
        self._facets(searcher, text, filters, request.facet_size)
        done, cpu_done = time.perf_counter(), time.process_time()
        return {
            "total_ms": (done - started) * 1000,
            "agg_ms": (done - agg_started) * 1000,
            "total_cpu_ms": (cpu_done - cpu_started) * 1000,
            "agg_cpu_ms": (cpu_done - agg_cpu_started) * 1000,
            "total": result.count,
            "ids": ids,
        }

    def _facets(self, searcher, text, filters: dict, size: int) -> dict:
        """Disjunctive facet counts: a facet with a filter is counted without its own filter."""
        plain = [f for f in FACET_FIELDS if f not in filters]
        out: dict = {}
        requests = [(plain, self._and([text, *filters.values()]))]
        for facet in filters:
            others = [q for f, q in filters.items() if f != facet]
            requests.append(([facet], self._and([text, *others])))
        for facets, query in requests:
            if not facets:
                continue
            aggs = {f: {"terms": {"field": FACET_FIELDS[f], "size": size}} for f in facets}
            out.update(searcher.aggregate(query, aggs))
        return out

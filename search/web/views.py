"""HTML pages blueprint: start and result pages, article, person and country pages, help, statistics,
OpenSearch description and suggestions, health check.

Every page state is a plain GET URL (``q``, ``person``, ``country``, ``date``, ``mentioned``, ``source``,
``sort``, ``page``, ``per_page``, ``facet_size``, ``person_prefix``, ``lang``), so an address copied from the
browser shows the same page elsewhere. The pages work without JavaScript; ``static/app.js`` only makes
them faster (facets without reload, suggestions in the search box).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import default_exceptions
from werkzeug.urls import iri_to_uri

from search.core.errors import IndexUnavailable, QuerySyntaxError
from search.core.labels import country_label
from search.core.params import FILTER_PARAMS, MAX_PAGE, search_request
from search.engine.whoosh.articles import ArticleNotFound, get_article, more_like_this, suggest
from search.engine.whoosh.searcher import SearchRequest, SearchResponse, search
from search.text.highlight import match_spans, query_terms
from search.text.query import MAX_QUERY_CHARS, parse
from search.web.i18n import current_lang, explicit_lang
from search.web.pages import (
    KEEP_ON_RESET,
    QueryArgs,
    bar_chart,
    entity_aliases,
    entity_exists,
    flat_labels,
    group_periods,
    highlight_paragraphs,
    index_statistics,
    month_series,
    pagination,
)

log = logging.getLogger(__name__)
bp = Blueprint("web", __name__)

FACET_TITLES = {
    "person": _l("Persons"),
    "country": _l("Countries"),
    "date": _l("Publication date"),
    "mentioned": _l("Mentioned dates"),
    "source": _l("Sources"),
}
#: The name of one value of a facet, for filter chips ("Person: Donald Trump").
FACET_ITEM = {
    "person": _l("Person"),
    "country": _l("Country"),
    "date": _l("Published"),
    "mentioned": _l("Mentioned"),
    "source": _l("Source"),
}
FACET_ORDER = ("person", "country", "date", "mentioned", "source")
DEFAULT_FACET_SIZE = 10
MORE_FACET_SIZE = 50
MAX_EMPTY_HELP = 8  # active filter values for which the empty-result page counts what removing them gives
ENTITY_PER_PAGE = 20
_WARNINGS = {
    "unbalanced ')' ignored": _l("A closing parenthesis without an opening one was ignored."),
    "missing ')' added": _l("A missing closing parenthesis was added."),
    "only the first": _l("The query is long: only its first terms were used."),
}


def _store():  # noqa: ANN202
    return current_app.extensions["search_store"]


def _args() -> QueryArgs:
    return QueryArgs.from_multidict(request.args)


def _base_args() -> QueryArgs:
    """The arguments every link of the site keeps: only ``lang``, when the URL has it."""
    lang = explicit_lang()
    return QueryArgs([("lang", lang)] if lang else [])


def _search_path() -> str:
    return url_for("web.index")


def _warnings(resp: SearchResponse) -> list[str]:
    out = []
    for w in resp.warnings:
        text = next((str(msg) for key, msg in _WARNINGS.items() if w.startswith(key)), w)
        if text not in out:
            out.append(text)
    return out


def _is_search(args: QueryArgs) -> bool:
    return any(
        args.has(k) for k in ("q", *FILTER_PARAMS, "sort", "page", "per_page", "facet_size", "person_prefix")
    )


@bp.app_context_processor
def _page_globals() -> dict:
    """What every template may use: the current URL state and the site-wide link arguments."""
    return {
        "here": iri_to_uri(request.path),
        "args": _args(),
        "base_args": _base_args(),
        "search_path": _search_path(),
    }


@bp.app_template_filter("http_url")
def _http_url(value: object) -> bool:
    """Whether a stored URL may become a link (http or https only: never ``javascript:``)."""
    text = str(value or "").strip().lower()
    return text.startswith(("http://", "https://"))


@bp.app_template_filter("is_default_http_message")
def _is_default_http_message(message: object, status: int) -> bool:
    """Werkzeug's generic English description of a status (the page explains it in the user's language)."""
    try:
        exc = default_exceptions[int(status)]
    except (KeyError, TypeError, ValueError):
        return False
    return str(message or "").strip() == (exc.description or "").strip()


# ----------------------------------------------------------------------------- search


@bp.get("/")
def index():  # noqa: ANN201
    args = _args()
    if not _is_search(args):
        return _start_page()
    return _results_page(args)


def _start_page():  # noqa: ANN202
    lang = current_lang()
    overview = search(
        _store(),
        SearchRequest(sort="newest", per_page=5, lang=lang, facet_size=12, with_snippets=False),
    )
    return render_template("index.html", overview=overview, q="")


def _results_page(args: QueryArgs):  # noqa: ANN202
    lang = current_lang()
    q = request.args.get("q", "")
    try:
        req = search_request(request.args, lang=lang)
        prefix = " ".join((request.args.get("person_prefix") or "").split())[:100]
        if prefix:
            req = replace(req, facet_prefix={"person": prefix})
        resp = search(_store(), req)
    except QuerySyntaxError as exc:
        return (
            render_template("search.html", q=q, error=exc.message, resp=None, req=None, person_prefix=""),
            exc.status,  # 400 for a query that cannot run, 503 when the search ran out of time
        )
    context = _results_context(args, req, resp)
    context["person_prefix"] = prefix
    return render_template("search.html", q=q, error=None, **context)


def _results_context(args: QueryArgs, req: SearchRequest, resp: SearchResponse) -> dict:
    labels = flat_labels(resp.facets)
    active = []
    seen = set()
    for facet, raw in args.filters():
        value = raw.strip().upper() if facet == "country" else raw.strip()
        if (facet, value) in seen:
            continue
        seen.add((facet, value))
        label = labels.get((facet, value)) or (
            country_label(value, req.lang) if facet == "country" else _period_or_value(facet, value)
        )
        active.append(
            {
                "facet": facet,
                "value": value,
                "label": label,
                "title": FACET_ITEM[facet],
                "href": args.remove(facet, raw).href(_search_path()),
            }
        )
    facets = []
    for name in FACET_ORDER:
        entries = resp.facets.get(name, [])
        if name in ("person", "country", "source"):
            # a selected value hidden by the person filter box stays in the form, or the next
            # change of the form would silently drop it
            shown = {e["value"] for e in entries}
            entries = entries + [
                {
                    "value": v,
                    "label": labels.get((name, v))
                    or (country_label(v, req.lang) if name == "country" else v),
                    "count": None,
                    "selected": True,
                }
                for v in req.filters.get(name, ())
                if v not in shown
            ]
        if name == "mentioned":
            entries = group_periods(entries)
        shown_flat = sum(1 for e in resp.facets.get(name, []) if e.get("count"))
        total = resp.facet_totals.get(name, 0)
        facets.append(
            {
                "name": name,
                "title": FACET_TITLES[name],
                "entries": entries,
                "total": total,
                "more": name != "date" and total > shown_flat,
                "fewer": name != "date"
                and req.facet_size > DEFAULT_FACET_SIZE
                and total > DEFAULT_FACET_SIZE,
            }
        )
    pager = pagination(resp.total, req.page, req.per_page, MAX_PAGE)
    empty = _empty_help(args, req, resp) if resp.total == 0 else None
    entity_links = []
    gen = _store().current()
    for chip in active:
        if chip["facet"] in ("person", "country") and not entity_exists(gen, chip["facet"], chip["value"]):
            continue
        if chip["facet"] == "person":
            entity_links.append(
                {"label": chip["label"], "href": _entity_url("web.person", name=chip["value"])}
            )
        elif chip["facet"] == "country":
            entity_links.append(
                {"label": chip["label"], "href": _entity_url("web.country", code=chip["value"])}
            )
    return {
        "req": req,
        "resp": resp,
        "active": active,
        "facets": facets,
        "pager": pager,
        "empty": empty,
        "notices": _warnings(resp),
        "match": getattr(resp, "match", "all"),
        "entity_links": entity_links[:3],
        "more_size": max(MORE_FACET_SIZE, req.facet_size),
        "default_facet_size": DEFAULT_FACET_SIZE,
        "reset_href": args.keep(*KEEP_ON_RESET).href(_search_path()),
    }


def _period_or_value(facet: str, value: str) -> str:
    from search.core.labels import label

    return label(facet, value, current_lang())


def _empty_help(args: QueryArgs, req: SearchRequest, resp: SearchResponse) -> dict:
    """For an empty result: how many hits there would be without all filters and without each one."""
    out: dict = {"without_all": None, "per_filter": [], "suggestion": resp.suggestion, "without_query": None}
    if not req.filters:
        return out
    light = replace(req, page=1, per_page=1, with_snippets=False, facet_size=1)
    if req.q.strip():
        count = search(_store(), replace(light, q="")).total
        out["without_query"] = {"count": count, "href": args.remove("q").href(_search_path())}
    out["without_all"] = search(_store(), replace(light, filters={})).total
    values = [(f, v) for f, vals in req.filters.items() for v in vals][:MAX_EMPTY_HELP]
    for facet, value in values:
        rest = {
            f: tuple(x for x in vals if not (f == facet and x == value)) for f, vals in req.filters.items()
        }
        rest = {f: vals for f, vals in rest.items() if vals}
        count = search(_store(), replace(light, filters=rest)).total
        out["per_filter"].append(
            {
                "facet": facet,
                "title": FACET_ITEM[facet],
                "label": _period_or_value(facet, value),
                "count": count,
                "href": args.remove(facet, value).href(_search_path()),
            }
        )
    return out


# ----------------------------------------------------------------------------- article


@bp.get("/artikel/<path:article_id>")
def article(article_id: str):  # noqa: ANN201
    store = _store()
    lang = current_lang()
    q = (request.args.get("q") or "")[:MAX_QUERY_CHARS]
    query_error = None
    try:
        art = get_article(store, article_id, q, lang)
    except ArticleNotFound:
        message = _("There is no article with the id “%(id)s”.", id=article_id[:200])
        return render_template("error.html", status=404, message=message), 404
    except QuerySyntaxError as exc:
        query_error = exc.message
        art = get_article(store, article_id, "", lang)
    matches = []
    if q and query_error is None:
        terms = query_terms(parse(q).tree)
        matches = match_spans(art["text"], terms) if terms else []
    kinds = {"PER": _("Person"), "COUNTRY": _("Country")}

    def value_label(kind: str, value: str) -> str:
        return country_label(value, lang) if kind == "COUNTRY" else value

    paras = highlight_paragraphs(art["text"], matches, art.get("entity_spans") or (), kinds, value_label)
    similar = more_like_this(store, article_id)
    back = _base_args()
    if q:
        back = QueryArgs([("q", q), *back.pairs])
    return render_template(
        "article.html",
        article=art,
        paragraphs=paras,
        match_count=len(matches),
        similar=similar,
        q=q,
        query_error=query_error,
        back_href=back.href(_search_path()) if q else None,
    )


# ----------------------------------------------------------------------------- entity pages


def _entity_url(endpoint: str, **values: str) -> str:
    lang = explicit_lang()
    if lang:
        values["lang"] = lang
    return url_for(endpoint, **values)


def _entity_page(facet: str, value: str, display: str):  # noqa: ANN202
    store = _store()
    gen = store.current()
    if not entity_exists(gen, facet, value):
        if facet == "person":
            message = _("No article mentions the person “%(name)s”.", name=display)
        else:
            message = _("No article mentions the country “%(name)s”.", name=display)
        return render_template("error.html", status=404, message=message), 404
    lang = current_lang()
    base = search_request({"page": request.args.get("page") or "1"}, lang=lang)
    req = SearchRequest(
        filters={facet: (value,)},
        sort="newest",
        page=base.page,
        per_page=ENTITY_PER_PAGE,
        lang=lang,
        facet_size=15,
        with_snippets=False,
    )
    resp = search(gen, req)
    series = month_series(resp.facets.get("date", []))
    related_persons = [e for e in resp.facets.get("person", []) if e["value"] != value or facet != "person"]
    related_countries = [
        e for e in resp.facets.get("country", []) if e["value"] != value or facet != "country"
    ]
    filter_href = _base_args().add(facet, value).href(_search_path())
    return render_template(
        "entity.html",
        facet=facet,
        value=value,
        display=display,
        resp=resp,
        aliases=entity_aliases(gen, facet, value),
        chart=bar_chart(series),
        series=series,
        related_persons=related_persons[:12],
        related_countries=related_countries[:12],
        filter_href=filter_href,
        pager=pagination(resp.total, req.page, req.per_page, MAX_PAGE),
        q="",
    )


@bp.get("/person/<path:name>")
def person(name: str):  # noqa: ANN201
    name = " ".join(name.split())[:200]
    if not name:
        abort(404)
    return _entity_page("person", name, name)


@bp.get("/land/<code>")
def country(code: str):  # noqa: ANN201
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        message = _("“%(code)s” is not a country code (two letters such as KP).", code=code[:50])
        return render_template("error.html", status=404, message=message), 404
    if code != code.upper():
        return redirect(_entity_url("web.country", code=code.upper()), 301)
    return _entity_page("country", code, country_label(code, current_lang()))


# ----------------------------------------------------------------------------- help, statistics


@bp.get("/hilfe")
def help_page():  # noqa: ANN201
    return render_template("help.html", q="")


@bp.get("/statistik")
def statistics():  # noqa: ANN201
    gen = _store().current()
    stats = index_statistics(gen)
    overview = search(gen, SearchRequest(per_page=1, lang=current_lang(), facet_size=10, with_snippets=False))
    series = month_series(overview.facets.get("date", []))
    return render_template(
        "stats.html", stats=stats, overview=overview, chart=bar_chart(series), series=series, q=""
    )


# ----------------------------------------------------------------------------- OpenSearch


@bp.get("/opensearch.xml")
def opensearch():  # noqa: ANN201
    lang = explicit_lang()
    extra = f"&lang={lang}" if lang else ""
    body = render_template(
        "opensearch.xml",
        search_template=url_for("web.index", _external=True) + "?q={searchTerms}" + extra,
        suggest_template=url_for("web.suggest_json", _external=True) + "?q={searchTerms}" + extra,
        self_url=url_for("web.opensearch", _external=True),
        search_form_url=url_for("web.index", _external=True),
        icon_url=url_for("static", filename="favicon.svg", _external=True),
        lang_tag="en-US" if current_lang() == "en" else "de-DE",
    )
    return Response(body, mimetype="application/opensearchdescription+xml")


@bp.get("/suggest.json")
def suggest_json():  # noqa: ANN201
    """OpenSearch suggestions: ``[query, [completions], [descriptions], [urls]]``."""
    q = (request.args.get("q") or "")[:200]
    lang = current_lang()
    data = suggest(_store(), q, lang)
    head = " ".join(q.split()[:-1])
    completions, descriptions, urls = [], [], []
    kinds = {"person": _("Person"), "country": _("Country"), "term": ""}
    for s in data["suggestions"]:
        if s["kind"] == "term":
            text = s["value"]
            href = _base_args().set("q", text).href(url_for("web.index", _external=True))
        else:
            text = f"{head} {s['label']}".strip()
            args = _base_args().add(s["kind"], s["value"])
            if head:
                args = args.set("q", head)
            href = args.href(url_for("web.index", _external=True))
        completions.append(text)
        descriptions.append(kinds.get(s["kind"], ""))
        urls.append(href)
    import json

    body = json.dumps([q, completions, descriptions, urls], ensure_ascii=False)
    return Response(body, content_type="application/x-suggestions+json; charset=utf-8")


# ----------------------------------------------------------------------------- health


@bp.get("/healthz")
def healthz():  # noqa: ANN201
    try:
        gen = _store().current()
    except IndexUnavailable as exc:
        return {"status": "no-index", "message": exc.message}, 503
    return {"status": "ok", "generation": gen.name}

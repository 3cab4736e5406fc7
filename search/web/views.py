"""HTML pages blueprint: start and result pages, article, person and country pages, help, statistics,
OpenSearch description and suggestions, health check.

Every page state is a plain GET URL (``q``, the facet filters, ``sort``, ``page``, ``per_page``,
``facet_size``, ``person_prefix``, ``lang``), so an address copied from the browser shows the same page
elsewhere. The pages work without JavaScript; ``static/app.js`` only makes them faster (facets without
reload, suggestions in the search box). Each view takes one engine snapshot and builds the whole page from
it, so a reindex between two parts of a page cannot mix two index generations.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import replace
from urllib.parse import quote

from babel.numbers import format_decimal
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
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import default_exceptions

from search.core.errors import (
    AmbiguousName,
    ArticleNotFound,
    IndexUnavailable,
    InvalidParameter,
    QuerySyntaxError,
    ReversedDateRange,
)
from search.core.export import MAX_EXPORT_ROWS
from search.core.labels import country_label
from search.core.models import ARTICLE_PATH, SearchRequest, SearchResponse, expansion_cut
from search.core.params import (
    CERTAIN_PARAM,
    FILTER_PARAMS,
    MAX_PAGE,
    MAX_QUERY_CHARS,
    RANGE_PARAMS,
    clean_text,
    search_request,
)
from search.engine.base import Engine, Snapshot
from search.engine.relax import relaxations
from search.web import feeds, results
from search.web.feeds import FEED_ENTRIES
from search.web.i18n import current_lang, explicit_lang
from search.web.pages import (
    KEEP_ON_RESET,
    PER_PAGE_CHOICES,
    RESULT_VIEWS,
    SEARCH_PARAMS,
    QueryArgs,
    bar_chart,
    highlight_paragraphs,
    match_count,
    month_series,
    pagination,
    timeline_chart,
)

log = logging.getLogger(__name__)
bp = Blueprint("web", __name__)

#: Characters a path keeps as they are (RFC 3986 sub-delims, ":" and "@"); everything else is encoded.
_PATH_SAFE = "/!$&'()*+,;=:@"
#: The route argument of each entity page.
ENTITY_ARG = {"web.person": "name", "web.country": "code"}
_WARNINGS = {
    "unbalanced ')' ignored": _l("A closing parenthesis without an opening one was ignored."),
    "missing ')' added": _l("A missing closing parenthesis was added."),
    "only the first": _l("The query is long: only its first terms were used."),
}


def _engine() -> Engine:
    return current_app.extensions["search_engine"]


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
        cut = expansion_cut(w)
        if cut is not None:  # a * or ~ word matched more words than were searched: say how many
            word, used, found = cut
            lang = current_lang()
            more = "+" if found.endswith("+") else ""  # the lexicon had even more than were read
            text = _(
                "%(word)s: only the %(used)s most frequent of %(found)s matching words were searched – "
                "articles containing only the others are not among the hits.",
                word=word,
                used=format_decimal(used, locale=lang),
                found=format_decimal(int(found.rstrip("+")), locale=lang) + more,
            )
        else:
            text = next((str(msg) for key, msg in _WARNINGS.items() if w.startswith(key)), w)
        if text not in out:
            out.append(text)
    return out


def _is_search(args: QueryArgs) -> bool:
    keys = (
        "q",
        *FILTER_PARAMS,
        *RANGE_PARAMS,
        CERTAIN_PARAM,
        "sort",
        "page",
        "per_page",
        "facet_size",
        "person_prefix",
        "view",
    )
    return any(args.has(k) for k in keys)


def _here() -> str:
    """The current path as a link on this site, whatever the path: percent-encoded (a tab, newline or
    backslash cannot reach the browser, which would drop or turn them into ``/``) and never starting with
    ``//``, which a browser reads as another site (``GET /%09/evil.example`` must not link to evil.example)."""
    path = quote(request.path, safe=_PATH_SAFE)
    return "/" + path.lstrip("/")


@bp.app_context_processor
def _page_globals() -> dict:
    """What every template may use: the current URL state and the site-wide link arguments."""
    return {
        "here": _here(),
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


@bp.get("/")
def index() -> ResponseReturnValue:
    """The start page, or the results of the search the URL describes."""
    args = _args()
    if not _is_search(args):
        return _start_page()
    return _results_page(args)


def _start_page() -> ResponseReturnValue:
    lang = current_lang()
    overview = _engine().search(
        SearchRequest(sort="newest", per_page=5, lang=lang, facet_size=12, with_snippets=False)
    )
    return render_template("index.html", overview=overview, q="")


def _results_page(args: QueryArgs) -> ResponseReturnValue:
    lang = current_lang()
    q = request.args.get("q", "")
    snap = _engine().snapshot()  # one generation for the results, the entity links and the empty-result hints
    try:
        req = search_request(request.args, lang=lang)
        prefix = " ".join((request.args.get("person_prefix") or "").split())[:100]
        if prefix:
            req = replace(req, facet_prefix={"person": prefix})
        view = _result_view(args)
        if view == "compact":  # titles, dates and sources only: no snippets to build, no explanations
            req = replace(req, with_snippets=False, explain=False)
        resp = snap.search(req)
    except QuerySyntaxError as exc:
        return (
            render_template("search.html", q=q, error=exc.message, resp=None, req=None, person_prefix=""),
            exc.status,  # 400 for a query that cannot run, 503 when the search ran out of time
        )
    except AmbiguousName as exc:  # "Kim": each person it may mean, as a link
        return (
            render_template(
                "search.html",
                q=q,
                error=_("“%(name)s” fits several persons. Which one do you mean?", name=exc.value),
                error_title=_("This name is ambiguous."),
                choices=[{"label": c, "href": _choice_href(args, exc, c)} for c in exc.candidates[:20]],
                resp=None,
                req=None,
                person_prefix="",
            ),
            exc.status,
        )
    except InvalidParameter as exc:
        if exc.parameter not in RANGE_PARAMS:
            raise
        return (
            render_template(
                "search.html",
                q=q,
                error=_range_message(exc),
                error_title=_("This period cannot be used."),
                range_reset_href=args.remove("date_from").remove("date_to").href(_search_path()),
                resp=None,
                req=None,
                person_prefix="",
            ),
            exc.status,
        )
    path = _search_path()
    renamed = [r for r in resp.resolved if r.get("parameter") in FILTER_PARAMS]
    if renamed:  # person=Trump -> person=Donald Trump: the page's boxes and chips show the indexed values
        to = {(r["parameter"], r["value"]): r["resolved"] for r in renamed}
        pairs = [(k, to.get((k, clean_text(v)), v)) for k, v in args.pairs]
        return redirect(QueryArgs(pairs).href(path), 302)
    active = results.chips(args, req, resp, path)
    empty = None
    if resp.total == 0:
        empty = results.empty_help(args, req, resp, relaxations(snap, req), path)
    search_args = args.keep(*SEARCH_PARAMS, "lang")
    return render_template(
        "search.html",
        q=q,
        error=None,
        req=req,
        resp=resp,
        timeline=timeline_chart(resp.timeline, args, path),
        feed_href=search_args.href(url_for("web.feed")),
        export_args=args.keep(*SEARCH_PARAMS, "sort", "lang"),
        export_limit=MAX_EXPORT_ROWS,
        export_formats=[("csv", "CSV"), ("jsonl", "JSON Lines"), ("ris", _("RIS (citation managers)"))],
        active=active,
        facets=results.panels(req, resp),
        pager=pagination(resp.total, req.page, req.per_page, MAX_PAGE),
        empty=empty,
        notices=_warnings(resp),
        match=resp.match,
        entity_links=results.entity_links(active, snap.entity_exists, _entity_value_url),
        more_size=max(results.MORE_FACET_SIZE, req.facet_size),
        default_facet_size=results.DEFAULT_FACET_SIZE,
        reset_href=args.keep(*KEEP_ON_RESET).href(path),
        person_prefix=prefix,
        view=view,
        views=[("full", _("Full")), ("compact", _("Compact"))],
        per_page_choices=PER_PAGE_CHOICES,
    )


def _choice_href(args: QueryArgs, exc: AmbiguousName, candidate: str) -> str:
    """The search with the ambiguous name replaced by one of its persons (in the filter or in ``q``)."""
    if exc.parameter == "q":
        name = re.escape(str(exc.value))
        q = re.sub(rf'(\w+:)"?{name}"?', lambda m: f'{m.group(1)}"{candidate}"', args.get("q"), count=1)
        return args.set("q", q).href(_search_path())
    return args.remove(exc.parameter, str(exc.value)).add(exc.parameter, candidate).href(_search_path())


def _result_view(args: QueryArgs) -> str:
    """The result list's view from ``view=`` (an unknown value is the default view, not an error)."""
    value = args.get("view").strip().lower()
    return value if value in RESULT_VIEWS else RESULT_VIEWS[0]


def _range_message(exc: InvalidParameter) -> str:
    """A date range error in the reader's language (the API keeps the English message)."""
    if isinstance(exc, ReversedDateRange):
        return _(
            "The period is reversed: “from” (%(start)s) is after “until” (%(end)s).",
            start=exc.value,
            end=exc.date_to,
        )
    return _(
        "“%(value)s” is not a date. Write it as YYYY, YYYY-MM or YYYY-MM-DD, such as 2018, 2018-05 or "
        "2018-05-31.",
        value=exc.value,
    )


# ----------------------------------------------------------------------------- feed


@bp.get("/feed")
def feed() -> ResponseReturnValue:
    """The Atom feed of a search: its newest articles, so a feed reader follows a saved search. The same
    parameters as the result page (and the same search); bad parameters are a 400 page."""
    lang = current_lang()
    req = search_request(request.args, lang=lang)
    req = replace(req, sort="newest", page=1, per_page=FEED_ENTRIES, facet_size=1)
    snap = _engine().snapshot()
    resp = snap.search(req)
    args = _args().keep(*SEARCH_PARAMS)
    fallback = feeds.index_time(snap.statistics().get("created"))
    entries = [
        {
            "id": feeds.entry_id(hit["id"]),
            "title": feeds.xml_text(hit["title"]),
            "href": url_for("web.article", article_id=hit["id"], lang=explicit_lang(), _external=True),
            "updated": feeds.atom_time(hit["date"], fallback),
            "published": feeds.atom_time(hit["date"], ""),
            "summary": feeds.xml_text(" ".join(hit["snippets"])),
            "source": feeds.xml_text(hit["source"]),
            "persons": [feeds.xml_text(p) for p in hit["persons"]],
        }
        for hit in resp.results
    ]
    labels = [f"{c['title']}: {c['label']}" for c in results.chips(args, req, resp, _search_path())]
    what = [_("“%(q)s”", q=req.q.strip())] if req.q.strip() else []
    body = render_template(
        "feed.xml",
        feed_id=feeds.feed_id(args.pairs),
        title=feeds.xml_text(" · ".join([*what, *labels]) or _("All articles")),
        updated=max((e["updated"] for e in entries), default=fallback),
        self_url=_args().keep(*SEARCH_PARAMS, "lang").href(url_for("web.feed", _external=True)),
        html_url=_args().keep(*SEARCH_PARAMS, "lang").href(url_for("web.index", _external=True)),
        entries=entries,
        total=resp.total,
    )
    return Response(body, content_type="application/atom+xml; charset=utf-8")


# ----------------------------------------------------------------------------- article


@bp.get(ARTICLE_PATH.format(id="<path:article_id>"))
def article(article_id: str) -> ResponseReturnValue:
    """One article with the query's matches, its persons and countries marked, and similar articles."""
    snap = _engine().snapshot()
    lang = current_lang()
    q = (request.args.get("q") or "")[:MAX_QUERY_CHARS]
    query_error = None
    try:
        view = snap.article(article_id, q, lang)
    except ArticleNotFound:
        message = _("There is no article with the id “%(id)s”.", id=article_id[:200])
        return render_template("error.html", status=404, message=message), 404
    except QuerySyntaxError as exc:
        query_error = exc.message
        view = snap.article(article_id, "", lang)
    art = view.data
    kinds = {"PER": _("Person"), "COUNTRY": _("Country")}

    def value_label(kind: str, value: str) -> str:
        return country_label(value, lang) if kind == "COUNTRY" else value

    paras = highlight_paragraphs(art["text"], view.matches, art.get("entity_spans") or (), kinds, value_label)
    back = _base_args()
    if q:
        back = QueryArgs([("q", q), *back.pairs])
    return render_template(
        "article.html",
        article=art,
        paragraphs=paras,
        match_count=len(view.matches),
        hit_count=match_count(art["text"], view.matches),
        similar=snap.similar(article_id),
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


def _entity_value_url(endpoint: str, value: str) -> str:
    return _entity_url(endpoint, **{ENTITY_ARG[endpoint]: value})


def _entity_page(facet: str, value: str, display: str) -> ResponseReturnValue:
    lang = current_lang()
    page = search_request({"page": request.args.get("page") or "1"}, lang=lang).page
    snap = _engine().snapshot()  # one state for the page and its note
    data = snap.entity_page(facet, value, page, lang)
    if data is None:
        if facet == "person":
            message = _("No article mentions the person “%(name)s”.", name=display)
        else:
            message = _("No article mentions the country “%(name)s”.", name=display)
        return render_template("error.html", status=404, message=message), 404
    resp = data.response
    series = month_series(resp.facets.get("date", []))
    related_persons = [e for e in resp.facets.get("person", []) if e["value"] != value or facet != "person"]
    related_countries = [
        e for e in resp.facets.get("country", []) if e["value"] != value or facet != "country"
    ]
    return render_template(
        "entity.html",
        facet=facet,
        value=value,
        display=display,
        resp=resp,
        aliases=data.aliases,
        corrections=data.corrections,
        not_counted=_not_counted(snap, facet, value, lang),
        chart=bar_chart(series),
        series=series,
        related_persons=related_persons[:12],
        related_countries=related_countries[:12],
        filter_href=_base_args().add(facet, value).href(_search_path()),
        pager=pagination(resp.total, resp.page, resp.per_page, MAX_PAGE),
        q="",
    )


def _not_counted(snap: Snapshot, facet: str, value: str, lang: str) -> tuple[int, str] | None:
    """How many articles write a person's full name but are not counted for the person, and a search for
    them: articles about a namesake of a common name (:mod:`search.enrich.entities.namesakes`) or a mention
    the engine took for no one. Why: a facet that leaves articles out should say so, not hide it."""
    if facet != "person" or " " not in value or '"' in value:
        return None
    q = f'"{value}" -person:"{value}"'
    try:
        total = snap.search(search_request({"q": q}, lang=lang)).total
    except InvalidParameter:  # a name the person filter finds several persons for: no note
        return None
    return (total, _base_args().set("q", q).href(_search_path())) if total else None


@bp.get("/person/<path:name>")
def person(name: str) -> ResponseReturnValue:
    name = " ".join(name.split())[:200]
    if not name:
        abort(404)
    return _entity_page("person", name, name)


@bp.get("/land/<code>")
def country(code: str) -> ResponseReturnValue:
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        message = _("“%(code)s” is not a country code (two letters such as KP).", code=code[:50])
        return render_template("error.html", status=404, message=message), 404
    if code != code.upper():
        return redirect(_entity_url("web.country", code=code.upper()), 301)
    return _entity_page("country", code, country_label(code, current_lang()))


# ----------------------------------------------------------------------------- help, statistics


@bp.get("/hilfe")
def help_page() -> ResponseReturnValue:
    return render_template("help.html", q="")


@bp.get("/statistik")
def statistics() -> ResponseReturnValue:
    """Index statistics with the publication dates as a chart and the top facet values."""
    snap = _engine().snapshot()
    stats = snap.statistics()
    overview = snap.search(SearchRequest(per_page=1, lang=current_lang(), facet_size=10, with_snippets=False))
    series = month_series(overview.facets.get("date", []))
    return render_template(
        "stats.html", stats=stats, overview=overview, chart=bar_chart(series), series=series, q=""
    )


# ----------------------------------------------------------------------------- OpenSearch


@bp.get("/opensearch.xml")
def opensearch() -> ResponseReturnValue:
    """The browser's search integration. Its URLs are absolute, on the request's host: one of
    ``SEARCH_ALLOWED_HOSTS``, as the app refuses any other before a view runs (``security.py``)."""
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
def suggest_json() -> ResponseReturnValue:
    """OpenSearch suggestions: ``[query, [completions], [descriptions], [urls]]`` (absolute URLs on an
    allowed host, as in :func:`opensearch`)."""
    q = (request.args.get("q") or "")[:200]
    lang = current_lang()
    data = _engine().suggest(q, lang)
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
    body = json.dumps([q, completions, descriptions, urls], ensure_ascii=False)
    return Response(body, content_type="application/x-suggestions+json; charset=utf-8")


# ----------------------------------------------------------------------------- health


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """``ok`` and the live generation, or 503 when there is no index."""
    try:
        return _engine().health()
    except IndexUnavailable as exc:
        return {"status": "no-index", "message": exc.message}, 503

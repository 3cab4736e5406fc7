"""``search date-eval``: publication dates measured on real news written as bare files (dates withheld).

Why: many archives are plain text files without a date header or a sidecar, and for them the date facet
shows what the engine finds in the path or estimates from the text. This measures it as a user meets it:
the articles are written as ``.txt`` files with only their title and text (no header, no sidecar, file
and folder names without digits that look like dates), indexed through the configured engine's own
reindex, and each article's ``date``/``date_precision``/``date_estimated`` is read back as the API serves
it (``engine.article(id)``) and compared with the known date.

* FANG-COVID (``--corpus fang``): N articles drawn at random (``--seed``) from the index range
  ``[--offset, --offset + --pool)`` of the archive (file order). The default range, the first 20,000, is
  never used to learn the estimator's statistics (:mod:`search_tools.date_stats` learns on the rest).
* 10kGNAD (``--corpus 10kgnad``): Austrian news of 2015-2016 without known days: the share dated and the
  share of those in 2015-2016.

Scores: a month- or year-precise date claims no day. "same month" counts a date of month or day
precision in the right month; "within 7 days" a day-precise date at most 7 days off; both are shares of
the dated articles (``*_claimed`` give them as shares of those that claim a month or a day).
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from search.core.errors import InvalidParameter
from search.core.settings import settings
from search.engine import open_engine
from search_tools import fang

DEFAULT_N = 500
DEFAULT_POOL = 20_000  # the evaluation part: index < 20,000; the statistics are learned on the rest
GNAD_FILE = fang.SHARED_DIR / "corpora" / "10kgnad" / "test.csv"
GNAD_YEARS = (2015, 2016)
TARGETS = {"coverage": 0.70, "same_year": 0.95, "same_month": 0.80, "gnad_coverage": 0.60, "gnad_years": 0.95}


def sample_fang(n: int, seed: int, offset: int, pool: int, fang_dir: Path = fang.FANG_DIR) -> list[dict]:
    """``n`` rows drawn by ``seed`` from the rows at positions ``[offset, offset + pool)`` in file order
    (empty rows skipped), each with its ``position``; only the drawn rows are parsed."""
    end = min(offset + pool, fang.FANG_SIZE)
    if offset < 0 or end - offset < n:
        raise InvalidParameter("--n", n, f"the range [{offset}, {end}) holds fewer than {n} articles")
    wanted = set(random.Random(seed).sample(range(offset, end), min(end - offset, n + n // 10 + 10)))
    rows = []
    for position, line in enumerate(fang.iter_lines(fang_dir)):
        if position >= end:
            break
        if position in wanted:
            row = fang.parse_row(line)
            if row is not None and _day(row) is not None:
                rows.append({**row, "position": position})
    return rows[:n]


def _day(row: dict) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(row.get("date") or "")[:10])
    except ValueError:
        return None


def read_gnad(n: int, seed: int, path: Path = GNAD_FILE) -> list[dict]:
    """``n`` 10kGNAD articles drawn by ``seed`` (``label;'text'`` lines; the text's first sentence is the
    teaser, written as the title)."""
    if not path.is_file():
        raise InvalidParameter("--corpus", "10kgnad", f"{path} not found (shared/ is not beside the project)")
    with open(path, encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.reader(fh, delimiter=";", quotechar="'") if len(r) == 2 and r[1].strip()]
    picked = sorted(random.Random(seed).sample(range(len(rows)), min(n, len(rows))))
    return [{"position": i, "header": "", "article": rows[i][1], "date": ""} for i in picked]


def article_id(k: int) -> str:
    """A file name without anything that reads as a date (letters around a five-digit number)."""
    return f"art-k{k:05d}x"


def write_bare(folder: Path, rows: list[dict]) -> list[str]:
    """Each row as ``folder/bare/<id>.txt`` with its title and text only; the ids in row order."""
    target = Path(folder) / "bare"
    target.mkdir(parents=True)
    ids = []
    for k, row in enumerate(rows):
        title = str(row.get("header") or "").strip()
        text = str(row["article"]).strip()
        (target / f"{article_id(k)}.txt").write_text(
            f"{title}\n\n{text}" if title else text, encoding="utf-8"
        )
        ids.append(article_id(k))
    return ids


def score_fang(truth: list[dt.date], served: list[dict], today: dt.date) -> dict:
    """Coverage and correctness of the served dates against the known days (see the module docstring)."""
    n = len(truth)
    dated = same_year = same_month = week = future = early = claimed_month = claimed_day = 0
    precisions: Counter = Counter()
    errors = []
    for k, (true, data) in enumerate(zip(truth, served, strict=True)):
        if not data.get("date"):
            continue
        got = dt.date.fromisoformat(data["date"][:10])
        precision = data.get("date_precision") or "day"
        precisions[precision] += 1
        dated += 1
        future += got > today
        early += got.year < 1900
        same_year += got.year == true.year
        if precision in ("month", "day"):
            claimed_month += 1
            same_month += (got.year, got.month) == (true.year, true.month)
        if precision == "day":
            claimed_day += 1
            week += abs((got - true).days) <= 7
        off = _distance(got, precision, true)
        if off:
            errors.append(
                {
                    "k": k,
                    "true": true.isoformat(),
                    "got": data["date"],
                    "precision": precision,
                    "estimated": bool(data.get("date_estimated")),
                    "days_off": off,
                }
            )
    errors.sort(key=lambda e: -e["days_off"])
    return {
        "articles": n,
        "dated": dated,
        "coverage": share(dated, n),
        "same_year": share(same_year, dated),
        "same_month": share(same_month, dated),
        "within_7_days": share(week, dated),
        "same_month_claimed": share(same_month, claimed_month),
        "within_7_days_claimed": share(week, claimed_day),
        "precision": dict(precisions),
        "future": future,
        "before_1900": early,
        "errors": errors,
    }


def share(part: int, whole: int) -> float:
    """``part / whole``, 0 for nothing."""
    return part / whole if whole else 0.0


def pct(x: float) -> str:
    """A share as a percentage with one decimal."""
    return f"{100 * x:.1f} %"


def _distance(got: dt.date, precision: str, true: dt.date) -> int:
    """Days from ``true`` to the period the served date covers (0 when inside it)."""
    if precision == "year":
        first, last = dt.date(got.year, 1, 1), dt.date(got.year, 12, 31)
    elif precision == "month":
        first = got.replace(day=1)
        last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    else:
        first = last = got
    return (first - true).days if true < first else (true - last).days if true > last else 0


def score_gnad(served: list[dict], today: dt.date) -> dict:
    """Share dated and share of those in 2015-2016 (10kGNAD has no days)."""
    dates = [dt.date.fromisoformat(d["date"][:10]) for d in served if d.get("date")]
    inside = sum(GNAD_YEARS[0] <= d.year <= GNAD_YEARS[1] for d in dates)
    years = Counter(d.year for d in dates)
    return {
        "articles": len(served),
        "dated": len(dates),
        "coverage": len(dates) / len(served) if served else 0.0,
        "in_2015_2016": inside / len(dates) if dates else 0.0,
        "years": dict(sorted(years.items())),
        "precision": dict(Counter(d.get("date_precision") for d in served if d.get("date"))),
        "future": sum(d > today for d in dates),
        "before_1900": sum(d.year < 1900 for d in dates),
    }


def evaluate_dates(
    workdir: Path,
    corpus: str = "fang",
    n: int = DEFAULT_N,
    seed: int = 1,
    offset: int = 0,
    pool: int = DEFAULT_POOL,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Write, index and read back ``n`` articles of ``corpus`` in ``workdir``; the scores and the run."""
    say = progress or (lambda _msg: None)
    workdir = Path(workdir)
    if workdir.exists() and any(workdir.iterdir()):
        raise InvalidParameter("--workdir", str(workdir), f"{workdir} is not empty (give a new folder)")
    started = time.perf_counter()
    if corpus == "fang":
        try:
            rows = sample_fang(n, seed, offset, pool)
        except fang.CorpusUnavailable as exc:
            raise InvalidParameter("--corpus", corpus, str(exc)) from None
    else:
        rows = read_gnad(n, seed)
    ids = write_bare(workdir / "articles", rows)
    say(f"indexing {len(ids)} {corpus} articles as bare files")
    engine = open_engine(settings(index_dir=workdir / "index"))
    t = time.perf_counter()
    engine.reindex(workdir / "articles", full=True, ner=False)
    index_seconds = time.perf_counter() - t
    served = [engine.article(i).data for i in ids]
    today = dt.date.today()
    if corpus == "fang":
        result = score_fang([_day(r) for r in rows], served, today)  # type: ignore[misc]
        for e in result["errors"]:
            row = rows[e.pop("k")]
            e["position"] = row["position"]
            e["title"] = str(row.get("header") or "")[:80]
    else:
        result = score_gnad(served, today)
    result["run"] = {
        "corpus": corpus,
        "seed": seed,
        "offset": offset,
        "pool": pool,
        "engine": settings().engine,
        "index_seconds": round(index_seconds, 1),
        "articles_per_second": round(len(ids) / index_seconds, 1) if index_seconds else None,
        "total_seconds": round(time.perf_counter() - started, 1),
    }
    return result


def format_report(result: dict, errors: int = 15) -> str:
    """The text the command prints: the shares against the targets and the worst errors."""
    run = result["run"]
    lines = [
        f"{result['articles']} {run['corpus']} articles as bare files (seed {run['seed']}"
        + (
            f", positions {run['offset']}..{run['offset'] + run['pool'] - 1}"
            if run["corpus"] == "fang"
            else ""
        )
        + f"), engine {run['engine']}: indexed in {run['index_seconds']} s",
        f"dated:          {result['dated']} ({pct(result['coverage'])})   precision {result['precision']}",
    ]
    if run["corpus"] == "fang":
        lines += [
            f"same year:      {pct(result['same_year'])} of dated",
            f"same month:     {pct(result['same_month'])} of dated"
            f" ({pct(result['same_month_claimed'])} of those with a month)",
            f"within 7 days:  {pct(result['within_7_days'])} of dated"
            f" ({pct(result['within_7_days_claimed'])} of those with a day)",
            f"future: {result['future']}, before 1900: {result['before_1900']}",
            "targets: dated >= 70 %, same year >= 95 %, same month >= 80 %: "
            + (
                "met"
                if result["coverage"] >= TARGETS["coverage"]
                and result["same_year"] >= TARGETS["same_year"]
                and result["same_month"] >= TARGETS["same_month"]
                and not result["future"]
                and not result["before_1900"]
                else "not met"
            ),
        ]
        shown = result["errors"][:errors]
        if shown:
            lines += ["", f"worst errors ({len(shown)} of {len(result['errors'])} wrong):"]
        for e in shown:
            lines.append(
                f"  #{e['position']:<6} true {e['true']}  got {e['got']} ({e['precision']}"
                f"{', estimated' if e['estimated'] else ''})  {e['days_off']} days off  {e['title']}"
            )
    else:
        lines += [
            f"in 2015-2016:   {pct(result['in_2015_2016'])} of dated   years {result['years']}",
            f"future: {result['future']}, before 1900: {result['before_1900']}",
            "targets: dated >= 60 %, in 2015-2016 >= 95 %: "
            + (
                "met"
                if result["coverage"] >= TARGETS["gnad_coverage"]
                and result["in_2015_2016"] >= TARGETS["gnad_years"]
                else "not met"
            ),
        ]
    lines.append(f"({run['total_seconds']} s in all)")
    return "\n".join(lines)

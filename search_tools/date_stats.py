"""Learn ``search/data/date_estimates.json``: how the dates an article mentions relate to its publication date.

Why a script: the table behind :func:`search.enrich.estimate.estimate_published` is knowledge with a
source, and anyone must be able to rebuild it: ``.venv/bin/python -m search_tools.date_stats``.

Source: FANG-COVID (Mattern et al., FEVER 2021; research data set without a stated licence, used locally
and never redistributed: the JSON holds only counts of feature combinations, no text). Only the articles at
positions >= 20,000 (file order) are read; ``search date-eval`` draws its default evaluation sample from
the positions below, which are never learned from.

Steps: each article's text (title and text, as a bare file holds them) gives its candidates
(:func:`search.enrich.estimate.candidates`); each candidate counts as a hit or not for every feature level
("published in this month", "within 7 days after its latest day", "in this year"). The thresholds are
chosen on two halves in turn (table from one half, decisions on the other) as the lowest that keep the
right year at >= 95 % and the right month at >= 80 % of the dated articles (the targets of issue 18), and,
for days, >= 80 % within 7 days. When no threshold keeps them, the estimator stays silent (threshold
above 1) and the file records what lower goals would give (``frontier``: coverage and shares per threshold).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections import Counter, defaultdict
from pathlib import Path

from search.enrich import estimate
from search.enrich.dates import extract_mentioned
from search_tools import fang

TRAIN_FROM = 20_000
TODAY = dt.date(2021, 12, 31)  # the corpus ends in March 2021: candidates up to the end of that year
CUE_COUNT, CUE_MIN = 40, 100
GOALS = {"year": 0.95, "month": 0.80, "day": 0.80}
_GRID = [round(0.05 * i, 2) for i in range(4, 20)] + [0.97, 0.99]


def training_rows(fang_dir: Path = fang.FANG_DIR) -> list[tuple[dt.date, str]]:
    """(publication day, title + text) of the articles at positions >= TRAIN_FROM."""
    out = []
    for position, line in enumerate(fang.iter_lines(fang_dir)):
        if position < TRAIN_FROM:
            continue
        row = fang.parse_row(line)
        try:
            day = dt.date.fromisoformat(str(row.get("date") or "")[:10]) if row else None
        except ValueError:
            day = None
        if row and day:
            title = str(row.get("header") or "").strip()
            out.append((day, f"{title}\n\n{row['article'].strip()}" if title else row["article"].strip()))
    return out


def labelled(rows: list[tuple[dt.date, str]], cues: list[str]) -> list[tuple[dt.date, list]]:
    """Each article's publication day and its candidates."""
    return [
        (day, estimate.candidates(text, extract_mentioned(text, None), TODAY, cues=cues))
        for day, text in rows
    ]


def _hits(day: dt.date, c: estimate.Candidate) -> dict[str, bool]:
    if c.kind == "year":
        return {"year": day.year == c.first.year}
    return {
        "month": (day.year, day.month) == (c.first.year, c.first.month),
        "day": c.day is not None and 0 <= (day - c.day).days <= 7,
    }


def tables(items: list[tuple[dt.date, list]]) -> dict[str, dict[str, list[int]]]:
    """Hits and totals per feature key of every level, for the month, day and year questions."""
    out: dict[str, dict[str, list[int]]] = {
        "month": defaultdict(lambda: [0, 0]),
        "day": defaultdict(lambda: [0, 0]),
        "year": defaultdict(lambda: [0, 0]),
    }
    for day, found in items:
        for c in found:
            levels = estimate.YEAR_LEVELS if c.kind == "year" else estimate.MONTH_LEVELS
            for question, hit in _hits(day, c).items():
                if question == "day" and c.day is None:
                    continue
                for names in levels:
                    cell = out[question][estimate.feature_key(c.features, names)]
                    cell[0] += hit
                    cell[1] += 1
    return {q: dict(t) for q, t in out.items()}


def _best(table: dict, found: list, kind: str) -> tuple[float, estimate.Candidate | None]:
    levels = estimate.YEAR_LEVELS if kind == "year" else estimate.MONTH_LEVELS
    scored = [(estimate.likelihood(table, c.features, levels), c.first, c) for c in found if c.kind == kind]
    if not scored:
        return 0.0, None
    p, _, c = max(scored, key=lambda t: (t[0], t[1]))
    return p, c


def choose_thresholds(items: list[tuple[dt.date, list]]) -> tuple[dict[str, float], dict]:
    """The thresholds (see the module docstring) and what they give on the held-out halves."""
    halves = (items[0::2], items[1::2])
    decided = []  # per article of both halves: (day, p_month, month candidate, p_day, p_year, year candidate)
    for k in (0, 1):
        learned = tables(halves[1 - k])
        for day, found in halves[k]:
            pm, cm = _best(learned["month"], found, "month")
            pd = (
                estimate.likelihood(learned["day"], cm.features, estimate.MONTH_LEVELS)
                if cm and cm.day
                else 0.0
            )
            py, cy = _best(learned["year"], found, "year")
            decided.append((day, pm, cm, pd, py, cy))
    best: tuple = (-1.0,)
    for tm in _GRID:
        for ty in _GRID:
            r = _score(decided, tm, 2.0, ty)
            if (
                r["same_year"] >= GOALS["year"]
                and r["same_month"] >= GOALS["month"]
                and r["coverage"] > best[0]
            ):
                best = (r["coverage"], tm, ty)
    if best[0] < 0:  # nothing keeps the goals: silent
        best = (0.0, 2.0, 2.0)
    _, tm, ty = best
    td = next((t for t in _GRID if _score(decided, tm, t, ty)["within_7_days_claimed"] >= GOALS["day"]), 2.0)
    limits = {"month": tm, "day": td, "year": ty}
    frontier = [{"month": t, "year": 2.0, **_rounded(_score(decided, t, 2.0, 2.0))} for t in _GRID] + [
        {"month": 2.0, "year": t, **_rounded(_score(decided, 2.0, 2.0, t))} for t in _GRID
    ]
    return limits, {**_rounded(_score(decided, tm, td, ty)), "frontier": frontier}


def _rounded(score: dict) -> dict:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in score.items()}


def _score(decided: list, tm: float, td: float, ty: float) -> dict:
    n = len(decided)
    dated = year = month = days = week = 0
    for day, pm, cm, pd, py, cy in decided:
        if cm is not None and pm >= tm:
            dated += 1
            year += cm.first.year == day.year
            month += (cm.first.year, cm.first.month) == (day.year, day.month)
            if cm.day is not None and pd >= td:
                days += 1
                week += abs((day - cm.day).days) <= 7
        elif cy is not None and py >= ty:
            dated += 1
            year += cy.first.year == day.year
    return {
        "articles": n,
        "coverage": dated / n if n else 0.0,
        "same_year": year / dated if dated else 0.0,
        "same_month": month / dated if dated else 0.0,
        "within_7_days_claimed": week / days if days else 0.0,
    }


def learn(fang_dir: Path = fang.FANG_DIR) -> dict:
    """The content of ``date_estimates.json``."""
    rows = training_rows(fang_dir)
    words = estimate.words()
    counts: Counter = Counter()
    for _, text in rows:
        for m in extract_mentioned(text, None):
            counts[estimate.tense_of(text, m, words)[0]] += 1
    cues = sorted(w for w, n in counts.most_common(CUE_COUNT) if n >= CUE_MIN)
    items = labelled(rows, cues)
    limits, held_out = choose_thresholds(items)
    return {
        "source": "FANG-COVID (Mattern et al., FEVER 2021), articles at positions >= 20,000 of the file order;"
        " counts of feature combinations only, no text",
        "licence": "FANG-COVID: research data set, no licence stated (local benchmarking only); these counts:"
        " project licence",
        "regenerate": ".venv/bin/python -m search_tools.date_stats",
        "articles": len(rows),
        "min_support": estimate.MIN_SUPPORT,
        "goals": GOALS,
        "held_out": held_out,
        "thresholds": limits,
        "cues": cues,
        # only the cells the estimator can use (seen MIN_SUPPORT times or more)
        "tables": {
            q: {k: v for k, v in sorted(t.items()) if v[1] >= estimate.MIN_SUPPORT}
            for q, t in tables(items).items()
        },
    }


def main() -> None:
    """Write the statistics file (default: the one the estimator reads)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=estimate.STATS_JSON)
    out = parser.parse_args().out
    data = learn()
    out.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    summary = {k: v for k, v in data["held_out"].items() if k != "frontier"}
    print(f"{out}: {data['articles']} articles, thresholds {data['thresholds']}, held out {summary}")


if __name__ == "__main__":
    main()

"""``search date-eval``: the scores, the bare files it writes, and a real run on the shared corpora."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from search.enrich.dateplaces import date_from_path
from search_tools.date_eval import score_fang, write_bare

from .conftest import shared_path

D = dt.date.fromisoformat


def test_scores_claim_only_the_precision_served() -> None:
    truth = [D("2020-05-14"), D("2020-05-14"), D("2020-05-14"), D("2021-01-02"), D("2020-03-01")]
    served = [
        {"date": "2020-05-10", "date_precision": "day"},  # 4 days off: right month, within 7 days
        {"date": "2020-05-01", "date_precision": "month"},  # right month, claims no day
        {"date": "2020-01-01", "date_precision": "year"},  # right year, claims no month
        {"date": "2040-01-01", "date_precision": "year", "date_estimated": True},  # future, wrong year
        {"date": None},
    ]
    r = score_fang(truth, served, today=D("2026-01-01"))
    assert (r["dated"], r["coverage"], r["future"], r["before_1900"]) == (4, 0.8, 1, 0)
    assert r["same_year"] == 0.75 and r["same_month"] == 0.5 and r["within_7_days"] == 0.25
    assert r["same_month_claimed"] == 1.0 and r["within_7_days_claimed"] == 1.0
    assert [(e["got"], e["days_off"]) for e in r["errors"]] == [("2040-01-01", 6938), ("2020-05-10", 4)]


def test_bare_files_carry_no_date(tmp_path: Path) -> None:
    rows = [{"header": "Titel", "article": "Text eins."}, {"header": "", "article": "Text zwei."}]
    ids = write_bare(tmp_path / "articles", rows)
    files = sorted((tmp_path / "articles").rglob("*"))
    assert [f.name for f in files] == ["bare", *(f"{i}.txt" for i in ids)]
    assert (tmp_path / "articles" / "bare" / f"{ids[0]}.txt").read_text() == "Titel\n\nText eins."
    assert all(date_from_path(f.relative_to(tmp_path / "articles").as_posix()) is None for f in files)
    assert date_from_path("bare/art-k02020x.txt") is None and date_from_path("bare/art-k20201x.txt") is None


def test_a_real_run_on_both_corpora(runner, tmp_path: Path) -> None:
    from search.cli.commands import main

    shared_path("corpora", "fang-covid")
    result = runner.invoke(main, ["date-eval", "--n", "12", "--json", "--workdir", str(tmp_path / "f")])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["articles"] == 12 and body["run"]["pool"] == 20000 and body["future"] == 0
    assert body["before_1900"] == 0 and 0 <= body["coverage"] <= 1
    shared_path("corpora", "10kgnad", "test.csv")
    result = runner.invoke(
        main, ["date-eval", "--corpus", "10kgnad", "--n", "5", "--workdir", str(tmp_path / "g")]
    )
    assert result.exit_code == 0, result.output
    assert "5 10kgnad articles as bare files" in result.stdout and "in 2015-2016:" in result.stdout
    bad = runner.invoke(
        main, ["date-eval", "--n", "5", "--offset", "41240", "--workdir", str(tmp_path / "h")]
    )
    assert bad.exit_code != 0 and "fewer than 5" in bad.output and "Traceback" not in bad.output

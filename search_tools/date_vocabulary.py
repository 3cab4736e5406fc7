"""Can an article's words date it? A measurement for issue 18, not part of the product.

    pip install scikit-learn   # only for this measurement; the product does not depend on it
    .venv/bin/python -m search_tools.date_vocabulary [--test 3000] [--gnad 1000] [--json]

Why: the estimator (:mod:`search.enrich.estimate`) dates an article from the dates it mentions, and on
FANG-COVID no threshold of that evidence reaches the issue's targets (README, "Dates"). The other evidence a
bare text holds is its vocabulary: news words rise and fall with events ("Lockdown", "Maskenpflicht",
"zweite Welle"). This trains the strongest plain text classifier at hand, a multinomial logistic regression
over which words (3+ letters, in 10+ articles) an article uses, on FANG-COVID's positions >= 20,000 with the
publication month as the label, and scores it on articles of positions < 20,000 (never learned from) the way
``search date-eval`` scores: at each coverage (the most confident share of articles dated), the share of the
dated in the right month and in the right year. It then shows what the same model does to 10kGNAD (Austrian
news of 2015-2016): at the confidence that dates a given share of FANG-COVID, the share of 10kGNAD articles it
would date, every one of them wrongly, since it knows only the months it was trained on.

Source: FANG-COVID (Mattern et al., FEVER 2021) and 10kGNAD (Block, 2019) from ``../shared/corpora``; nothing
is written: the figures are printed.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys

from search_tools import fang
from search_tools.date_eval import GNAD_FILE

TRAIN_FROM = 20_000
COVERAGES = (0.05, 0.1, 0.3, 0.5, 0.7, 1.0)
_WORD = re.compile(r"[^\W\d_]{3,}")


def words(text: str) -> list[str]:
    """The distinct lower-cased words of 3+ letters of a text (what the classifier sees)."""
    return sorted({w.lower() for w in _WORD.findall(text)})


def fang_rows() -> list[tuple[int, str, list[str]]]:
    """(position, publication month ``YYYY-MM``, words of title and text) of every dated FANG-COVID article."""
    rows = []
    for position, line in enumerate(fang.iter_lines()):
        row = fang.parse_row(line)
        month = str((row or {}).get("date") or "")[:7]
        if row and len(month) == 7:
            rows.append((position, month, words(f"{row.get('header') or ''}\n{row.get('article') or ''}")))
    return rows


def gnad_texts(n: int, seed: int) -> list[list[str]]:
    """The words of ``n`` 10kGNAD articles drawn by ``seed``."""
    lines = GNAD_FILE.read_text(encoding="utf-8").splitlines()
    drawn = random.Random(seed).sample(lines, min(n, len(lines)))
    return [words(line.partition(";")[2]) for line in drawn]


def _months(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:])


def measure(test: int, gnad: int, seed: int) -> dict:
    """Coverage -> shares right month / right year / within one month, and 10kGNAD dated at that confidence."""
    try:
        from sklearn.feature_extraction.text import CountVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        sys.exit("this measurement needs scikit-learn: .venv/bin/pip install scikit-learn")
    rows = fang_rows()
    train = [r for r in rows if r[0] >= TRAIN_FROM]
    held = [r for r in rows if r[0] < TRAIN_FROM]
    random.Random(seed).shuffle(held)
    held = held[:test]
    vec = CountVectorizer(analyzer=lambda ws: ws, min_df=10, binary=True)
    model = LogisticRegression(C=0.1, max_iter=300)
    model.fit(vec.fit_transform([r[2] for r in train]), [r[1] for r in train])
    labels = list(model.classes_)
    probs = model.predict_proba(vec.transform([r[2] for r in held]))
    gnad_conf = sorted(model.predict_proba(vec.transform(gnad_texts(gnad, seed))).max(axis=1), reverse=True)
    ranked = sorted(
        ((p.max(), labels[int(p.argmax())], r[1]) for p, r in zip(probs, held, strict=True)), reverse=True
    )
    points = []
    for coverage in COVERAGES:
        dated = ranked[: max(1, int(len(ranked) * coverage))]
        threshold = dated[-1][0]
        points.append(
            {
                "coverage": coverage,
                "confidence": round(float(threshold), 3),
                "same_month": round(sum(g == t for _, g, t in dated) / len(dated), 3),
                "same_year": round(sum(g[:4] == t[:4] for _, g, t in dated) / len(dated), 3),
                "within_one_month": round(
                    sum(abs(_months(g) - _months(t)) <= 1 for _, g, t in dated) / len(dated), 3
                ),
                "gnad_dated_wrongly": round(
                    sum(c >= threshold for c in gnad_conf) / max(1, len(gnad_conf)), 3
                ),
            }
        )
    return {
        "train_articles": len(train),
        "test_articles": len(held),
        "gnad_articles": len(gnad_conf),
        "months": labels,
        "vocabulary": len(vec.vocabulary_),
        "points": points,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--test", type=int, default=3000, help="held-out FANG-COVID articles (positions < 20,000)"
    )
    ap.add_argument("--gnad", type=int, default=1000, help="10kGNAD articles")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    try:
        result = measure(args.test, args.gnad, args.seed)
    except fang.CorpusUnavailable as exc:
        sys.exit(str(exc))
    if args.json:
        print(json.dumps(result, indent=1))
        return
    print(
        f"trained on {result['train_articles']:,} articles ({len(result['months'])} months, "
        f"{result['vocabulary']:,} words), tested on {result['test_articles']:,}, 10kGNAD {result['gnad_articles']:,}"
    )
    print("coverage  confidence  same month  same year  within 1 month  10kGNAD dated (all wrong)")
    for p in result["points"]:
        print(
            f"{p['coverage']:>8.0%}  {p['confidence']:>10.3f}  {p['same_month']:>10.1%}  {p['same_year']:>9.1%}"
            f"  {p['within_one_month']:>14.1%}  {p['gnad_dated_wrongly']:>10.1%}"
        )


if __name__ == "__main__":
    main()

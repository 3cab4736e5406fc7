"""Train and evaluate our own German NER model (spaCy 3: blank ``de``, tok2vec + ner).

Why this module exists: no German spaCy pipeline can be installed on our machines
and nothing may be downloaded at run time, so the project trains its own small
PER/LOC/ORG recogniser from open corpora (GermEval 2014, LER legal NER, Europeana
newspapers) and ships the result in ``search/models/de_news_ner``.

This module is the training run (:func:`train_ner`: convert the corpora, build the
lexicon, run ``spacy train`` within a time budget, export the model we ship) and
the command line. Its parts: :mod:`search_tools.ner_corpora` (reading the corpora
and mapping their tags), :mod:`search_tools.ner_lexicon` (the word-list
features), :mod:`search_tools.ner_scores` (P/R/F on a GermEval file).

Everything here is a plain function; the only side effects are the files written
into the directories passed in, log records, and an optional ``progress`` callback.

Command line::

    python -m search_tools.nertrain train --shared ../shared --out search/models/de_news_ner
    python -m search_tools.nertrain evaluate --model search/models/de_news_ner \
        --dev ../shared/data/ner/dev/germeval2014-dev-part1.tsv
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from search_tools.ner_corpora import convert_corpora
from search_tools.ner_lexicon import build_lexicon_vectors
from search_tools.ner_scores import error_examples, evaluate_ner, format_scores

log = logging.getLogger(__name__)

DEFAULT_CONFIG = Path(__file__).resolve().parent / "ner_config.cfg"
DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[1] / "search" / "models" / "de_news_ner"

Progress = Callable[[str], None]

# --------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------


def train_ner(
    train_dir: Path,
    output_dir: Path,
    config_path: Path | None = None,
    max_minutes: float | None = None,
    *,
    work_dir: Path | None = None,
    overrides: dict[str, str] | None = None,
    progress: Progress | None = None,
    convert_kwargs: dict | None = None,
    lexicon_nouns: bool = True,
) -> Path:
    """Convert the corpora, train with ``python -m spacy train`` and copy the best model.

    Training runs in a subprocess so a time budget (``max_minutes``) can be
    enforced: when it runs out the process is stopped and the best model saved
    so far (``model-best``, chosen on the held-out GermEval part) is used.
    The trained pipeline is written to ``output_dir`` (replacing its contents,
    except a ``MODEL_CARD.md`` that is kept).  When the config uses static
    vectors, the lexicon flags are built first (:func:`build_lexicon_vectors`;
    ``lexicon_nouns=False`` leaves out the CC BY-SA Wiktionary nouns).
    Returns ``output_dir``.
    """
    say = progress or (lambda msg: log.info("%s", msg))
    config_path = Path(config_path) if config_path else DEFAULT_CONFIG
    output_dir = Path(output_dir)
    tmp_ctx = None
    if work_dir is None:
        tmp_ctx = tempfile.TemporaryDirectory(prefix="nertrain-")
        work_dir = Path(tmp_ctx.name)
    work_dir = Path(work_dir)
    try:
        say(f"converting corpora from {train_dir}")
        counts = convert_corpora(train_dir, work_dir / "corpus", **(convert_kwargs or {}))
        (work_dir / "counts.json").write_text(json.dumps(counts, indent=2), encoding="utf-8")
        say(f"train: {counts['train']}; held-out: {counts['heldout']}")

        extra: list[str] = []
        if re.search(r"^include_static_vectors\s*=\s*true", config_path.read_text(encoding="utf-8"), re.M):
            say("building lexicon vectors (first names, surnames, cities, countries)")
            lex = build_lexicon_vectors(work_dir / "lexicon", nouns=lexicon_nouns)
            (work_dir / "lexicon.json").write_text(json.dumps(lex, indent=2), encoding="utf-8")
            say(f"lexicon: {lex['words']} words {lex['per_feature']}")
            extra = ["--paths.vectors", lex["path"]]

        cmd = [
            sys.executable,
            "-m",
            "spacy",
            "train",
            str(config_path),
            *extra,
            "--output",
            str(work_dir / "training"),
            "--paths.train",
            counts["train_path"],
            "--paths.dev",
            counts["heldout_path"],
        ]
        for key, value in (overrides or {}).items():
            cmd += [f"--{key}", str(value)]
        say("running: " + " ".join(cmd))
        env = dict(os.environ)
        env.setdefault("OMP_NUM_THREADS", "1")
        env.setdefault("OPENBLAS_NUM_THREADS", "1")
        env["PYTHONUNBUFFERED"] = "1"  # stream the score lines as they come
        start = time.monotonic()
        deadline = start + max_minutes * 60 if max_minutes else None
        logfile = work_dir / "train.log"
        with open(logfile, "w", encoding="utf-8") as lf:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
            assert proc.stdout is not None
            timed_out = False
            while True:
                if deadline and time.monotonic() > deadline:
                    timed_out = True
                    proc.terminate()
                    break
                line = proc.stdout.readline()
                if not line:
                    if proc.poll() is not None:
                        break
                    time.sleep(0.2)
                    continue
                lf.write(line)
                lf.flush()
                if re.match(r"^\s*\d+\s+\d+\s", line):
                    say(line.rstrip())
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        minutes = (time.monotonic() - start) / 60
        best = work_dir / "training" / "model-best"
        if not best.exists():
            raise RuntimeError(f"training produced no model (exit {proc.returncode}); see {logfile}")
        if proc.returncode not in (0, None) and not timed_out:
            raise RuntimeError(f"spacy train failed with exit {proc.returncode}; see {logfile}")
        say(f"training took {minutes:.1f} min{' (time budget reached)' if timed_out else ''}")

        lex_info = None
        if (work_dir / "lexicon.json").exists():
            lex_info = json.loads((work_dir / "lexicon.json").read_text(encoding="utf-8"))
        export_model(best, output_dir, minutes=minutes, counts=counts, lexicon=lex_info)
        return output_dir
    finally:
        if tmp_ctx is not None:
            tmp_ctx.cleanup()


def export_model(
    best: Path,
    output_dir: Path,
    *,
    minutes: float | None = None,
    counts: dict | None = None,
    lexicon: dict | None = None,
) -> Path:
    """Copy a trained pipeline to ``output_dir`` in the form we ship.

    Sets name/description in meta.json, drops the training strings (see
    :func:`_prune_strings`), writes the data counts, and keeps an existing
    ``MODEL_CARD.md``.
    """
    import spacy

    output_dir = Path(output_dir)
    card = output_dir / "MODEL_CARD.md"
    card_text = card.read_text(encoding="utf-8") if card.exists() else None
    if output_dir.exists():
        shutil.rmtree(output_dir)
    nlp = spacy.load(best)
    nlp.meta["name"] = "de_news_ner"
    nlp.meta["version"] = "1.0.0"
    nlp.meta["description"] = (
        "German PER/LOC/ORG NER (tok2vec + ner, lexicon flags as static vectors) trained on "
        "GermEval 2014 (test part), LER and Europeana newspapers; see MODEL_CARD.md"
    )
    nlp.meta["license"] = (
        "CC BY-SA 4.0" if lexicon and "german-nouns" in lexicon.get("sources", {}) else "CC BY 4.0"
    )
    if minutes is not None:
        nlp.meta["training_minutes"] = round(minutes, 1)
    nlp.to_disk(output_dir)
    _prune_strings(output_dir, nlp.get_pipe("ner").labels)
    if card_text is not None:
        card.write_text(card_text, encoding="utf-8")
    data = {k: v for k, v in (counts or {}).items() if not k.endswith("_path")}
    info = {"data": data, "lexicon": {k: v for k, v in (lexicon or {}).items() if k != "path"}}
    (output_dir / "training_data.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    return output_dir


def _prune_strings(model_dir: Path, keep: Iterable[str]) -> None:
    """Drop the training vocabulary from ``vocab/strings.json``.

    The store holds every token string seen in training (about 2 MB); nothing
    at prediction time needs them (hash embeddings and vectors work on hashes,
    the tokenizer adds its own strings on load), so only the labels are kept.
    Predictions are identical with and without them.
    """
    path = Path(model_dir) / "vocab" / "strings.json"
    if path.exists():
        path.write_text(json.dumps(sorted(set(keep))), encoding="utf-8")


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """``train`` and ``evaluate`` subcommands (see the module docstring)."""
    parser = argparse.ArgumentParser(
        prog="python -m search_tools.nertrain", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    tr = sub.add_parser("train", help="convert the corpora and train the NER model")
    tr.add_argument("--shared", type=Path, default=Path("../shared"), help="the shared/ folder")
    tr.add_argument("--out", type=Path, default=DEFAULT_MODEL_DIR)
    tr.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    tr.add_argument("--max-minutes", type=float, default=None)
    tr.add_argument("--work-dir", type=Path, default=None, help="keep corpus and checkpoints here")
    tr.add_argument("--germeval-repeat", type=int, default=3)
    tr.add_argument("--no-ler", action="store_true")
    tr.add_argument("--no-europeana", action="store_true")
    tr.add_argument("--no-wiktionary", action="store_true", help="lexicon without the CC BY-SA noun list")
    tr.add_argument("--dev", type=Path, default=None, help="GermEval file to score the result on")
    tr.add_argument("overrides", nargs="*", help="spaCy config overrides as section.key=value")
    ev = sub.add_parser("evaluate", help="score a model on a GermEval-format file")
    ev.add_argument("--model", type=Path, default=DEFAULT_MODEL_DIR)
    ev.add_argument("--dev", type=Path, required=True)
    ev.add_argument("--errors", default=None, help="print missed/spurious entities of this label")
    ev.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    if args.cmd == "train":
        overrides = dict(o.split("=", 1) for o in args.overrides)
        out = train_ner(
            args.shared / "data" / "ner" / "train",
            args.out,
            args.config,
            args.max_minutes,
            work_dir=args.work_dir,
            overrides=overrides,
            lexicon_nouns=not args.no_wiktionary,
            convert_kwargs={
                "germeval_repeat": args.germeval_repeat,
                "use_ler": not args.no_ler,
                "use_europeana": not args.no_europeana,
            },
        )
        dev = args.dev or args.shared / "data" / "ner" / "dev" / "germeval2014-dev-part1.tsv"
        if dev.exists():
            import spacy

            print(format_scores(evaluate_ner(spacy.load(out), dev)))
        return 0

    import spacy

    nlp = spacy.load(args.model)
    scores = evaluate_ner(nlp, args.dev)
    print(json.dumps(scores, indent=2) if args.json else format_scores(scores))
    if args.errors:
        ex = error_examples(nlp, args.dev, args.errors, limit=200)
        print("\nMISSED:\n" + "\n".join(ex["missed"]))
        print("\nSPURIOUS:\n" + "\n".join(ex["spurious"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

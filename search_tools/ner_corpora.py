"""Training and evaluation sentences for our NER model: the corpora read and reduced to PER/LOC/ORG.

Why a module of its own: the three training corpora (GermEval 2014, LER legal NER, Europeana newspapers)
and the GermEval dev file we report on all come in different BIO formats with different label sets. This
module reads each into one form, pre-tokenised sentences with token spans labelled PER, LOC or ORG
(:data:`Sentence`), and writes the training set as spaCy DocBins (:func:`convert_corpora`). The readers
need no spaCy; :mod:`search_tools.ner_scores` and ``search ner-report`` use them for the dev file too.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # spaCy is imported lazily so the readers work without loading it
    from spacy.tokens import DocBin
    from spacy.vocab import Vocab

LABELS: tuple[str, ...] = ("PER", "LOC", "ORG")

Span = tuple[int, int, str]  # token start, token end (exclusive), label
Sentence = tuple[list[str], list[Span]]

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


def _docbin(sentences: Iterable[Sentence], vocab: Vocab) -> DocBin:
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

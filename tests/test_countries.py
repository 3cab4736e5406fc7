"""Country gazetteer: names, genitives, adjectives, capitals, compounds, on sentences written for the tests."""

from __future__ import annotations

import pytest

from search.enrich.countries import (
    country_codes,
    country_label,
    entity_ruler_patterns,
    gazetteer,
    lookup_countries,
    lookup_country,
)
from search.enrich.entities.extractor import EntityExtractor

# code, name, genitive (with article where German needs one), adjective stem, capital
COUNTRIES = [
    ("DE", "Deutschland", "Deutschlands", "deutsch", "Berlin"),
    ("FR", "Frankreich", "Frankreichs", "französisch", "Paris"),
    ("IT", "Italien", "Italiens", "italienisch", "Rom"),
    ("ES", "Spanien", "Spaniens", "spanisch", "Madrid"),
    ("PT", "Portugal", "Portugals", "portugiesisch", "Lissabon"),
    ("GB", "Großbritannien", "Großbritanniens", "britisch", "London"),
    ("IE", "Irland", "Irlands", "irisch", "Dublin"),
    ("NL", "Niederlande", "der Niederlande", "niederländisch", "Amsterdam"),
    ("BE", "Belgien", "Belgiens", "belgisch", "Brüssel"),
    ("AT", "Österreich", "Österreichs", "österreichisch", "Wien"),
    ("CH", "Schweiz", "der Schweiz", "schweizerisch", "Bern"),
    ("PL", "Polen", "Polens", "polnisch", "Warschau"),
    ("CZ", "Tschechien", "Tschechiens", "tschechisch", "Prag"),
    ("HU", "Ungarn", "Ungarns", "ungarisch", "Budapest"),
    ("GR", "Griechenland", "Griechenlands", "griechisch", "Athen"),
    ("TR", "Türkei", "der Türkei", "türkisch", "Ankara"),
    ("RU", "Russland", "Russlands", "russisch", "Moskau"),
    ("UA", "Ukraine", "der Ukraine", "ukrainisch", "Kiew"),
    ("SE", "Schweden", "Schwedens", "schwedisch", "Stockholm"),
    ("NO", "Norwegen", "Norwegens", "norwegisch", "Oslo"),
    ("DK", "Dänemark", "Dänemarks", "dänisch", "Kopenhagen"),
    ("FI", "Finnland", "Finnlands", "finnisch", "Helsinki"),
    ("US", "USA", "der USA", "amerikanisch", "Washington"),
    ("CA", "Kanada", "Kanadas", "kanadisch", "Ottawa"),
    ("MX", "Mexiko", "Mexikos", "mexikanisch", "Mexiko-Stadt"),
    ("BR", "Brasilien", "Brasiliens", "brasilianisch", "Brasília"),
    ("AR", "Argentinien", "Argentiniens", "argentinisch", "Buenos Aires"),
    ("PE", "Peru", "Perus", "peruanisch", "Lima"),
    ("CU", "Kuba", "Kubas", "kubanisch", "Havanna"),
    ("CN", "China", "Chinas", "chinesisch", "Peking"),
    ("JP", "Japan", "Japans", "japanisch", "Tokio"),
    ("KP", "Nordkorea", "Nordkoreas", "nordkoreanisch", "Pjöngjang"),
    ("KR", "Südkorea", "Südkoreas", "südkoreanisch", "Seoul"),
    ("IN", "Indien", "Indiens", "indisch", "Neu-Delhi"),
    ("PK", "Pakistan", "Pakistans", "pakistanisch", "Islamabad"),
    ("AF", "Afghanistan", "Afghanistans", "afghanisch", "Kabul"),
    ("IR", "Iran", "des Iran", "iranisch", "Teheran"),
    ("IQ", "Irak", "des Irak", "irakisch", "Bagdad"),
    ("SY", "Syrien", "Syriens", "syrisch", "Damaskus"),
    ("IL", "Israel", "Israels", "israelisch", "Jerusalem"),
    ("SA", "Saudi-Arabien", "Saudi-Arabiens", "saudisch", "Riad"),
    ("EG", "Ägypten", "Ägyptens", "ägyptisch", "Kairo"),
    ("NG", "Nigeria", "Nigerias", "nigerianisch", "Abuja"),
    ("KE", "Kenia", "Kenias", "kenianisch", "Nairobi"),
    ("ZA", "Südafrika", "Südafrikas", "südafrikanisch", "Pretoria"),
    ("AU", "Australien", "Australiens", "australisch", "Canberra"),
    ("VN", "Vietnam", "Vietnams", "vietnamesisch", "Hanoi"),
    ("TH", "Thailand", "Thailands", "thailändisch", "Bangkok"),
    ("ID", "Indonesien", "Indonesiens", "indonesisch", "Jakarta"),
    ("SG", "Singapur", "Singapurs", "singapurisch", "Singapur"),
]


@pytest.fixture(scope="module")
def extractor() -> EntityExtractor:
    return EntityExtractor()


def test_table_covers_at_least_forty_countries():
    assert len({c[0] for c in COUNTRIES}) >= 40


@pytest.mark.parametrize(("code", "name", "genitive", "adjective", "capital"), COUNTRIES)
def test_lookup_every_form(code, name, genitive, adjective, capital):
    assert lookup_country(name) == code
    assert lookup_country(genitive) == code
    for ending in ("", "e", "en", "er", "es", "em"):
        assert lookup_country(adjective + ending) == code, adjective + ending
    assert lookup_country(adjective.capitalize() + "en") == code
    assert lookup_country(capital) == code


@pytest.mark.parametrize(("code", "name", "genitive", "adjective", "capital"), COUNTRIES)
def test_fresh_sentences(extractor, code, name, genitive, adjective, capital):
    sentences = [
        f"Die Beziehungen zu {name} haben sich zuletzt spürbar verbessert, hieß es am Mittwoch.",
        f"Die Regierung {genitive} wies die Vorwürfe am Abend entschieden zurück.",
        f"Vertreter der {adjective}en Regierung reisten nach den Gesprächen wieder ab.",
        f"In {capital} trafen sich am Abend die Unterhändler zu einer weiteren Runde.",
    ]
    for sentence in sentences:
        assert extractor.extract(sentence).countries == {code: 1}, sentence


def test_demonyms_in_all_forms():
    for surface, code in [
        ("Chinesen", "CN"),
        ("Chinesin", "CN"),
        ("Französin", "FR"),
        ("Franzosen", "FR"),
        ("Amerikanerinnen", "US"),
        ("Nordkoreaner", "KP"),
        ("Israelis", "IL"),
        ("Jemeniten", "YE"),
        ("Deutsche", "DE"),
    ]:
        assert lookup_country(surface) == code, surface


def test_short_forms_and_variants():
    assert lookup_country("USA") == "US"
    assert lookup_country("US") == "US"
    assert lookup_country("Vereinigte Staaten") == "US"
    assert lookup_country("der Vereinigten Staaten") == "US"
    assert lookup_country("Amerika") == "US"
    assert lookup_country("DVRK") == "KP"
    assert lookup_country("Volksrepublik China") == "CN"
    assert lookup_country("Republik Korea") == "KR"
    assert lookup_country("Elfenbeinküste") == "CI"
    assert lookup_country("Weißrussland") == "BY"
    assert lookup_country("Vereinigten Arabischen Emiraten") == "AE"
    assert lookup_country("Tokioter") == "JP"
    assert lookup_country("Moskauer") == "RU"


def test_compounds_and_hyphens():
    assert lookup_country("US-Präsident") == "US"
    assert lookup_country("Nordkorea-Gipfel") == "KP"
    assert lookup_country("USA-Sicht") == "US"
    assert lookup_countries("US-Nordkorea-Gipfel") == ["US", "KP"]
    assert lookup_country("Süd-Korea") == "KR"
    assert lookup_country("Mos-kau") == "RU"  # a line-break hyphen left in the text
    assert lookup_country("China-Politik") == "CN"
    assert lookup_country("Trump-Administration") is None
    assert lookup_country("Mar-a-Lago") is None


def test_ambiguous_and_non_country_forms():
    for surface in [
        "Korea",
        "Koreas",
        "Kongo",
        "koreanisch",
        "Florida",
        "Ostasien",
        "us",
        "island",
        "Islands",
        "EU",
    ]:
        assert lookup_country(surface) is None, surface


def test_sentence_level_cases(extractor):
    text = "Zwischen Nord- und Südkorea gibt es keinen Friedensvertrag, sagte ein Diplomat."
    assert extractor.extract(text).countries == {"KP": 1, "KR": 1}
    text = "Der frühere Präsident George Washington steht auf der Dollarnote."
    assert extractor.extract(text).countries == {}
    text = "Aus Washington hieß es, der US-Senat werde zustimmen."
    assert extractor.extract(text).countries == {"US": 2}


def test_capitalisation_rules():
    gaz = gazetteer()
    assert gaz.form("nordkorea") is None  # a name must be capitalised
    assert gaz.form("NORDKOREA") is not None  # headlines in capitals are fine
    assert gaz.form("Nordkoreanische") is not None  # adjectives start sentences


def test_country_label():
    assert country_label("KP") == "Nordkorea"
    assert country_label("us", short=True) == "USA"
    assert country_label("KP", "en") == "North Korea"
    assert country_label("XX") == "XX"


def test_codes_and_patterns():
    codes = country_codes()
    assert len(codes) > 240 and "KP" in codes and "XK" in codes and "EU" not in codes
    patterns = entity_ruler_patterns()
    assert {"label": "COUNTRY", "pattern": [{"ORTH": "US"}], "id": "US"} in patterns
    assert any(p["pattern"] == "Nordkoreas" and p["id"] == "KP" for p in patterns)
    assert any(p["pattern"] == "Pjöngjang" and p["id"] == "KP" and p["label"] == "CITY" for p in patterns)

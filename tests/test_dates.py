"""Mentioned dates, estimated publication dates and metadata date values (sentences written for the tests)."""

from __future__ import annotations

import datetime as dt

import pytest

from search.enrich.dates import MentionedDate, extract_mentioned, parse_date_value

FEB_2019 = dt.date(2019, 2, 6)
MAY_2018 = dt.date(2018, 5, 27)


def ymd(text: str, published: dt.date | None = FEB_2019) -> list[tuple[int, int | None, int | None]]:
    return [(m.year, m.month, m.day) for m in extract_mentioned(text, published)]


def test_day_month_year():
    found = extract_mentioned("Die Wahl findet am 12. Juni 2018 statt.", FEB_2019)
    assert [(m.year, m.month, m.day, m.text) for m in found] == [(2018, 6, 12, "12. Juni 2018")]
    m = found[0]
    assert "Die Wahl findet am 12. Juni 2018 statt."[m.start : m.end] == m.text
    assert m.precision == "day" and m.year_explicit


def test_day_month_resolved_to_nearest_year():
    assert ymd("Das Treffen ist für den 12. Juni geplant.", MAY_2018) == [(2018, 6, 12)]
    assert ymd("Am 3. Dezember hatte die Kommission getagt.", dt.date(2019, 1, 10)) == [(2018, 12, 3)]
    assert ymd("Die Konferenz beginnt am 5. Januar.", dt.date(2018, 12, 20)) == [(2019, 1, 5)]
    assert not extract_mentioned("am 12. Juni", FEB_2019)[0].year_explicit


def test_month_modifiers():
    assert ymd("Der Bericht soll Anfang Juni vorliegen.", MAY_2018) == [(2018, 6, None)]
    assert ymd("Mitte Mai wird entschieden.", MAY_2018) == [(2018, 5, None)]
    assert ymd("Die Frist endet Ende März.", FEB_2019) == [(2019, 3, None)]
    assert ymd("Das Gesetz gilt seit Ende 2018.") == [(2018, None, None)]
    assert ymd("Im Juni reiste sie ab.", MAY_2018) == [(2018, 6, None)]
    assert ymd("Im Juni 2017 begann der Bau.") == [(2017, 6, None)]


def test_two_days_share_one_month():
    found = extract_mentioned("Der Parteitag findet am 27. und 28. Februar in Leipzig statt.", FEB_2019)
    assert [(m.year, m.month, m.day) for m in found] == [(2019, 2, 27), (2019, 2, 28)]
    assert found[0].text == found[1].text == "27. und 28. Februar"


def test_numeric_and_abbreviated_dates():
    assert ymd("Stichtag war der 12.06.2018.") == [(2018, 6, 12)]
    assert ymd("Die Mauer fiel am 9.11.89 in Berlin.") == [(1989, 11, 9)]
    assert ymd("Die Einheit kam am 3. Okt. 1990.") == [(1990, 10, 3)]
    assert ymd("Vertrag vom 31. Februar 2019") == []  # impossible date


def test_standalone_years_only_in_date_contexts():
    assert ymd("Der Krieg dauerte von 1950 bis 1953.") == [(1950, None, None), (1953, None, None)]
    assert ymd("Die Ministerin hatte 2014 Teheran besucht.") == [(2014, None, None)]
    assert ymd("Im Jahr 1989 fiel die Mauer.") == [(1989, None, None)]
    assert ymd("Die Spannungen hatten sich 2017 deutlich verschärft.") == [(2017, None, None)]
    for text in [
        "Nach 70 Jahre Krieg hoffen alle auf Frieden.",
        "Das Team erzielte 308 Punkte.",
        "Er kam auf 11 Sacks in der Saison.",
        "Rund 2000 Menschen demonstrierten.",
        "Die Strecke ist 1900 km lang.",
        "Der Sicherheitsrat verabschiedete Resolution 2094.",
        "Sie verdient 1850 Euro im Monat.",
        "Das kostet 2000 Dollar.",
    ]:
        assert ymd(text) == [], text


def test_august_needs_context():
    assert ymd("August Bebel gründete die Partei.") == []
    assert ymd("Im August wird gewählt.", MAY_2018) == [(2018, 8, None)]


def test_month_takes_year_from_the_same_sentence():
    text = "Die Spannungen hatten sich 2017 verschärft, nachdem Anfang September ein Test erfolgte."
    assert ymd(text, MAY_2018) == [(2017, None, None), (2017, 9, None)]


def test_without_publication_date_months_take_a_written_year():
    text = "Im März 2016 begannen die Gespräche. Im Juni folgte die Einigung."
    assert ymd(text, None) == [(2016, 3, None), (2016, 6, None)]
    assert ymd("Im Juni folgte die Einigung.", None) == []


def test_mentioned_date_is_frozen():
    m = MentionedDate(2018, 6, 12, 0, 5, "x")
    with pytest.raises(AttributeError):
        m.year = 2019  # type: ignore[misc]
    assert m.first_day() == dt.date(2018, 6, 12)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2018", (dt.date(2018, 1, 1), "year")),
        ("2018-05", (dt.date(2018, 5, 1), "month")),
        ("2018-05-27", (dt.date(2018, 5, 27), "day")),
        (" 2019-02-06 ", (dt.date(2019, 2, 6), "day")),
    ],
)
def test_parse_date_value(value, expected):
    assert parse_date_value(value) == expected


@pytest.mark.parametrize(
    "value", ["", "18", "2018-13", "2018-02-30", "27.05.2018", "2018/05", "0999", "2018-5", "abc"]
)
def test_parse_date_value_rejects(value):
    with pytest.raises(ValueError):
        parse_date_value(value)


def test_words_around_a_day_without_a_year_set_its_year():
    """Read in real articles (issue 18): "seit 26. März" in December is not next March; "dieses Jahres",
    "vergangenen Jahres", "des Vorjahres", "nächsten Jahres" count from the publication year."""
    dec = dt.date(2020, 12, 18)
    assert ymd("Seit 26. März wurden 135 Todesfälle gemeldet.", dec) == [(2020, 3, 26)]
    assert ymd("Seit Mitte Dezember gilt die Regel.", dt.date(2020, 11, 20)) == [(2019, 12, None)]
    assert ymd("Der Betrieb ruht seit März dieses Jahres.", dec) == [(2020, 3, None)]
    assert ymd("Im Mai vergangenen Jahres kam es zum Streit.", dec) == [(2019, 5, None)]
    assert ymd("Im Februar des Vorjahres begann es.", dt.date(2021, 1, 10)) == [(2020, 2, None)]
    assert ymd("Im Januar nächsten Jahres soll es beginnen.", dt.date(2020, 3, 1)) == [(2021, 1, None)]
    assert ymd("Die Konferenz beginnt am 5. Januar.", dt.date(2018, 12, 20)) == [(2019, 1, 5)]  # unchanged


def test_numbers_in_web_addresses_are_no_dates():
    text = "Bild: https://example.org/wp-content/uploads/2020/04/karte.jpg und www.example.org/2019-05-01/x"
    assert ymd(text, None) == []
    assert ymd("Die Seite (2020) erschien 2019 in Wien.", None) == [(2020, None, None), (2019, None, None)]

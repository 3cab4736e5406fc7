"""HTTP/CLI parameters -> a validated search request (``search.core.params.search_request``) on its own:
defaults, every bound, every validation with the parameter it names, normalisation and multi-value sources.
The same errors over HTTP are tested in tests/test_fuzz.py and tests/test_api.py."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from search.core.errors import InvalidParameter
from search.core.params import search_request


def rejects(source: dict, name: str, message: str = "") -> InvalidParameter:
    """The error ``source`` gives; it must name parameter ``name`` (and contain ``message``)."""
    with pytest.raises(InvalidParameter) as err:
        search_request(source)
    assert err.value.parameter == name, (source, err.value.parameter, err.value.message)
    assert message in err.value.message
    assert err.value.to_dict() == {
        "code": "invalid_parameter",
        "message": err.value.message,
        "parameter": name,
    }
    return err.value


def test_defaults() -> None:
    req = search_request({})
    assert (req.q, req.filters, req.sort, req.page, req.per_page, req.lang, req.facet_size) == (
        "",
        {},
        "relevance",
        1,
        10,
        "de",
        10,
    )


def test_query_is_passed_on() -> None:
    assert search_request({"q": "Trump Kim"}).q == "Trump Kim"
    assert search_request({"q": ["Trump", "Kim"]}).q == "Trump"  # the first of repeated values


# ----------------------------------------------------------------------------- numbers


NUMBERS = [("page", 1, 1000), ("per_page", 1, 100), ("facet_size", 1, 200)]


@pytest.mark.parametrize("name, low, high", NUMBERS)
def test_number_bounds_are_inclusive(name: str, low: int, high: int) -> None:
    assert getattr(search_request({name: str(low)}), name) == low
    assert getattr(search_request({name: str(high)}), name) == high
    assert getattr(search_request({name: f" {high} "}), name) == high  # surrounding spaces are fine


@pytest.mark.parametrize("name, low, high", NUMBERS)
@pytest.mark.parametrize("offset", ["below", "above"])
def test_number_out_of_bounds(name: str, low: int, high: int, offset: str) -> None:
    value = low - 1 if offset == "below" else high + 1
    err = rejects({name: str(value)}, name, f"{name} must be from {low} to {high}, not {value}")
    assert err.value == value


@pytest.mark.parametrize("name, low, high", NUMBERS)
@pytest.mark.parametrize("raw", ["x", "2.5", "1e2", "zehn", "5 5", "0x10", "∞"])
def test_number_that_is_not_a_whole_number(name: str, low: int, high: int, raw: str) -> None:
    rejects({name: raw}, name, f"{name} must be a whole number from {low} to {high}")


@pytest.mark.parametrize("name, default", [("page", 1), ("per_page", 10), ("facet_size", 10)])
@pytest.mark.parametrize("raw", ["", "   "])
def test_blank_number_means_the_default(name: str, default: int, raw: str) -> None:
    assert getattr(search_request({name: raw}), name) == default


def test_overlong_non_number_is_truncated_in_the_error() -> None:
    err = rejects({"page": "x" * 5000}, "page")
    assert err.value == "x" * 50


# ----------------------------------------------------------------------------- sort


@pytest.mark.parametrize(
    "raw, sort",
    [("relevance", "relevance"), ("newest", "newest"), ("oldest", "oldest"), ("NEWEST", "newest")]
    + [(" Oldest ", "oldest"), ("", "relevance")],
)
def test_sort(raw: str, sort: str) -> None:
    assert search_request({"sort": raw}).sort == sort


@pytest.mark.parametrize("raw", ["date", "relevanz", "neueste", "newest,oldest", "-newest"])
def test_unknown_sort_is_rejected(raw: str) -> None:
    rejects({"sort": raw}, "sort", "sort must be one of relevance, newest, oldest")


# ----------------------------------------------------------------------------- filters


@pytest.mark.parametrize(
    "raw, codes",
    [
        ("kp", ("KP",)),
        ("KP", ("KP",)),
        (" vn ", ("VN",)),
        (["kp", "KP", "us"], ("KP", "US")),
        (["", "  "], ()),
    ],
)
def test_country_codes_are_upper_case_and_unique(raw: object, codes: tuple) -> None:
    assert search_request({"country": raw}).filters.get("country", ()) == codes


@pytest.mark.parametrize("raw", ["K", "K1", "12", "ÄÖ", "K P", "3 Länder"])
def test_country_must_be_a_two_letter_code_or_a_name(raw: str) -> None:
    rejects({"country": raw}, "country", "ISO 3166-1 alpha-2")


@pytest.mark.parametrize("raw", ["Nordkorea", "north korea", "Vereinigte Staaten", "Côte d'Ivoire"])
def test_country_names_pass_as_written_for_the_engine_to_resolve(raw: str) -> None:
    assert search_request({"country": raw}).filters == {"country": (raw,)}


@pytest.mark.parametrize("name", ["date", "mentioned"])
@pytest.mark.parametrize("value", ["2018", "2018-01", "2018-05", "2018-12", "1953"])
def test_periods_are_year_or_month(name: str, value: str) -> None:
    assert search_request({name: value}).filters == {name: (value,)}


@pytest.mark.parametrize("name", ["date", "mentioned"])
@pytest.mark.parametrize("value", ["2018-5", "2018-13", "2018-00", "2018-05-31", "18", "Mai 2018", "2018/05"])
def test_periods_reject_anything_else(name: str, value: str) -> None:
    rejects({name: value}, name, f"{name} must be YYYY or YYYY-MM, not {value!r}")


@pytest.mark.parametrize("name", ["person", "source"])
def test_free_text_filters_keep_their_spelling(name: str) -> None:
    assert search_request({name: ["Mike Pompeo", "dpa"]}).filters == {name: ("Mike Pompeo", "dpa")}


def test_duplicates_are_collapsed_after_cleaning_in_first_seen_order() -> None:
    req = search_request({"person": ["Mike Pompeo", " Mike Pompeo ", "„Mike Pompeo“", "Kim", "Mike Pompeo"]})
    assert req.filters == {"person": ("Mike Pompeo", "Kim")}


def test_control_characters_in_values_become_spaces() -> None:
    assert search_request({"person": "Mike\x00Pompeo"}).filters == {"person": ("Mike Pompeo",)}


@pytest.mark.parametrize("name", ["person", "country", "date", "mentioned", "source"])
def test_at_most_fifty_values(name: str) -> None:
    if name == "country":
        values = [a + b for a in "ABCDEFGH" for b in "ABCDEFGH"]  # 64 distinct codes
    elif name in ("date", "mentioned"):
        values = [str(1950 + i) for i in range(64)]
    else:
        values = [f"value {i}" for i in range(64)]
    assert len(search_request({name: values[:50]}).filters[name]) == 50
    err = rejects({name: values[:51]}, name, f"at most 50 values for {name}")
    assert err.value == 51


def test_repeated_value_counts_once_towards_the_limit() -> None:
    assert search_request({"person": ["Kim"] * 500}).filters == {"person": ("Kim",)}


def test_value_length_limit() -> None:
    assert search_request({"person": "a" * 200}).filters == {"person": ("a" * 200,)}
    assert search_request({"person": "  " + "a" * 200 + "  "}).filters == {"person": ("a" * 200,)}
    err = rejects({"person": "a" * 201}, "person", "person values are at most 200 characters")
    assert err.value == "a" * 50


def test_unknown_parameters_are_ignored() -> None:
    req = search_request({"q": "Kim", "foo": "bar", "land": "XX", "filter": "country=KP"})
    assert req.filters == {} and req.q == "Kim"


# ----------------------------------------------------------------------------- query length and language


def test_query_length_limit() -> None:
    assert search_request({"q": "a" * 2000}).q == "a" * 2000
    err = rejects({"q": "a" * 2001}, "q", "query too long (2,001 characters; at most 2,000)")
    assert err.value == "a" * 50


@pytest.mark.parametrize(
    "raw, default, lang",
    [
        ("en", None, "en"),
        ("de", None, "de"),
        ("en-GB", None, "en"),
        ("EN_us", None, "en"),
        ("fr", None, "de"),
        ("", None, "de"),
        (None, "en", "en"),  # the caller's language (Accept-Language) when the parameter is absent
        ("", "en", "en"),
        ("de", "en", "de"),  # the parameter wins
        ("fr", "en", "de"),
        (None, "fr-FR", "de"),
    ],
)
def test_lang(raw: str | None, default: str | None, lang: str) -> None:
    source = {} if raw is None else {"lang": raw}
    assert search_request(source, default).lang == lang


# ----------------------------------------------------------------------------- sources


def test_dict_of_lists_tuples_and_multidict_agree() -> None:
    pairs = [("q", "Kim"), ("country", "kp"), ("country", "vn"), ("person", "Trump"), ("page", "2")]
    pairs += [("sort", "newest"), ("date", "2018-05"), ("source", "dpa"), ("per_page", "20")]
    as_lists: dict[str, list[str]] = {}
    for k, v in pairs:
        as_lists.setdefault(k, []).append(v)
    as_tuples = {k: tuple(v) for k, v in as_lists.items()}
    expected = search_request(as_lists)
    assert expected.filters == {
        "person": ("Trump",),
        "country": ("KP", "VN"),
        "date": ("2018-05",),
        "source": ("dpa",),
    }
    assert (expected.q, expected.page, expected.per_page, expected.sort) == ("Kim", 2, 20, "newest")
    assert search_request(as_tuples) == expected
    assert search_request(MultiDict(pairs)) == expected


def test_multidict_single_valued_parameters_use_the_first_value() -> None:
    req = search_request(
        MultiDict([("q", "x"), ("q", "y"), ("page", "2"), ("page", "abc"), ("sort", "oldest")])
    )
    assert (req.q, req.page, req.sort) == ("x", 2, "oldest")


def test_plain_dict_values_need_not_be_strings() -> None:
    req = search_request({"page": 3, "per_page": 50, "date": 2018})
    assert (req.page, req.per_page, req.filters) == (3, 50, {"date": ("2018",)})


def test_none_means_absent() -> None:
    req = search_request({"q": None, "page": None, "country": None})
    assert (req.q, req.page, req.filters) == ("", 1, {})


# ----------------------------------------------------------------------------- property

_VALUE = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["KP", "us", "2018", "2018-05", "2018-13", "0", "1000", "1001", "en", "newest", "Trump"]),
)
_SOURCE = st.dictionaries(
    st.sampled_from(["q", "page", "per_page", "facet_size", "sort", "lang"] + ["person", "country", "date"]),
    st.lists(_VALUE, max_size=4),
)


@settings(max_examples=300, deadline=None)
@given(source=_SOURCE)
def test_any_parameters_give_a_valid_request_or_invalid_parameter(source: dict) -> None:
    try:
        req = search_request(source)
    except InvalidParameter as err:
        assert err.parameter in source and err.message
        return
    assert 1 <= req.page <= 1000 and 1 <= req.per_page <= 100 and 1 <= req.facet_size <= 200
    assert req.sort in ("relevance", "newest", "oldest") and req.lang in ("de", "en")
    # a country is a code in upper case, or a name the engine resolves (letters, no digits)
    assert all(re.fullmatch(r"[A-Z]{2}|[^\W\d_]{3,}.*", c) for c in req.filters.get("country", ()))
    for values in req.filters.values():
        assert values and len(set(values)) == len(values) <= 50
        assert all(v and v == v.strip() and len(v) <= 200 for v in values)

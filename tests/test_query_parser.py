"""The query language parser on its own (``search.text.query.parse``): the tree it builds, the repairs of bad
input and their warnings, the errors, the limits, and the ``plain``/``words`` the "some words" fallback uses.
Compiling against an index is tested through the API (tests/test_api.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.core.errors import QuerySyntaxError
from search.text.query import MAX_CLAUSES, And, Not, Or, Phrase, Scoped, Word, parse


def W(text: str, prefix: bool = False, fuzzy: int = 0) -> Word:
    """A Word node, short enough to write trees inline."""
    return Word(text, prefix=prefix, fuzzy=fuzzy)


# ----------------------------------------------------------------------------- words and operators


def test_words_are_anded_in_order() -> None:
    parsed = parse("Trump Kim Singapur")
    assert parsed.tree == And((W("Trump"), W("Kim"), W("Singapur")))
    assert parsed.plain and parsed.words == ("Trump", "Kim", "Singapur")
    assert parsed.warnings == ()


def test_single_word_is_not_wrapped() -> None:
    assert parse("Trump").tree == W("Trump")


@pytest.mark.parametrize("op", ["AND", "UND"])
def test_explicit_and_is_the_same_tree_as_juxtaposition(op: str) -> None:
    assert parse(f"Trump {op} Kim").tree == parse("Trump Kim").tree == And((W("Trump"), W("Kim")))


@pytest.mark.parametrize("op", ["OR", "ODER"])
def test_or(op: str) -> None:
    parsed = parse(f"Trump {op} Kim")
    assert parsed.tree == Or((W("Trump"), W("Kim")))
    assert not parsed.plain
    assert parsed.words == ("Trump", "Kim")


@pytest.mark.parametrize("word", ["oder", "and", "nicht", "Or"])
def test_operators_only_in_capitals(word: str) -> None:
    assert parse(f"Trump {word} Kim").tree == And((W("Trump"), W(word), W("Kim")))


@pytest.mark.parametrize(
    "q, tree",
    [
        ("a b OR c", Or((And((W("a"), W("b"))), W("c")))),
        ("a OR b c", Or((W("a"), And((W("b"), W("c")))))),
        ("a OR b OR c", Or((W("a"), W("b"), W("c")))),
    ],
)
def test_and_binds_tighter_than_or(q: str, tree: object) -> None:
    assert parse(q).tree == tree


@pytest.mark.parametrize("q", ["Trump NOT Kim", "Trump NICHT Kim", "Trump -Kim", "Trump !Kim"])
def test_negation(q: str) -> None:
    parsed = parse(q)
    assert parsed.tree == And((W("Trump"), Not(W("Kim"))))
    assert not parsed.plain
    assert parsed.words == ("Trump",)  # a negated word is never a word to look for


def test_negated_group_and_lone_negation() -> None:
    assert parse("-(a b)").tree == Not(And((W("a"), W("b"))))
    assert parse("NOT Kim").tree == Not(W("Kim"))
    assert parse("NOT Kim").words == ()


@pytest.mark.parametrize(
    "q, tree",
    [
        ("US-Präsident", W("US-Präsident")),  # a hyphen inside a word is part of it
        ("Kim Jong-un", And((W("Kim"), W("Jong-un")))),
        ("- Kim", W("Kim")),  # a minus followed by a space negates nothing
        ("Kim -", W("Kim")),
        ("Kim-", W("Kim")),
    ],
)
def test_hyphens_that_are_not_negation(q: str, tree: object) -> None:
    assert parse(q).tree == tree


@pytest.mark.parametrize(
    "q, tree",
    [
        ("Trump OR", W("Trump")),
        ("OR Trump", W("Trump")),
        ("Trump AND", W("Trump")),
        ("Trump OR OR Kim", Or((W("Trump"), W("Kim")))),
        ("Trump NOT", W("Trump")),
    ],
)
def test_stray_operators_are_dropped(q: str, tree: object) -> None:
    assert parse(q).tree == tree


# ----------------------------------------------------------------------------- phrases, prefix, fuzzy


def test_phrase() -> None:
    parsed = parse('"Kim Jong Un"')
    assert parsed.tree == Phrase("Kim Jong Un")
    assert not parsed.plain and parsed.words == ()


def test_phrase_among_words() -> None:
    assert parse('Trump "Kim Jong Un" Gipfel').tree == And((W("Trump"), Phrase("Kim Jong Un"), W("Gipfel")))


def test_unclosed_phrase_runs_to_the_end() -> None:
    assert parse('Trump "Kim Jong').tree == And((W("Trump"), Phrase("Kim Jong")))


@pytest.mark.parametrize("q", ['""', '"  "', '"?!"'])
def test_phrase_without_words_is_dropped(q: str) -> None:
    assert parse(q).tree is None


@pytest.mark.parametrize(
    "q, tree",
    [
        ("Lawr*", W("Lawr", prefix=True)),
        ("Lawr**", W("Lawr", prefix=True)),
        ("Lawrov~", W("Lawrov", fuzzy=1)),
        ("Lawrov~1", W("Lawrov", fuzzy=1)),
        ("Lawrov~2", W("Lawrov", fuzzy=2)),
        ("Lawrov~9", W("Lawrov", fuzzy=2)),  # capped at two edits
    ],
)
def test_prefix_and_fuzzy(q: str, tree: Word) -> None:
    parsed = parse(q)
    assert parsed.tree == tree
    assert not parsed.plain
    assert parsed.words == ("Lawr" if tree.prefix else "Lawrov",)  # without the * or ~


def test_prefix_and_fuzzy_among_words() -> None:
    assert parse("Kim Lawr* Pompeo~").tree == And((W("Kim"), W("Lawr", prefix=True), W("Pompeo", fuzzy=1)))


# ----------------------------------------------------------------------------- parentheses


def test_parentheses_group() -> None:
    parsed = parse("(Singapur OR Lawrow) -Vietnam")
    assert parsed.tree == And((Or((W("Singapur"), W("Lawrow"))), Not(W("Vietnam"))))
    assert parsed.warnings == () and not parsed.plain


def test_nested_parentheses() -> None:
    assert parse("((a OR b) c) OR (d (e OR f))").tree == Or(
        (
            And((Or((W("a"), W("b"))), W("c"))),
            And((W("d"), Or((W("e"), W("f"))))),
        )
    )


@pytest.mark.parametrize(
    "q, tree, warnings",
    [
        ("(Trump AND", W("Trump"), ("missing ')' added",)),
        ("(a OR b", Or((W("a"), W("b"))), ("missing ')' added",)),
        ("((Trump", W("Trump"), ("missing ')' added", "missing ')' added")),
        ("Trump)", W("Trump"), ("unbalanced ')' ignored",)),
        ("a) b", And((W("a"), W("b"))), ("unbalanced ')' ignored",)),
        ("(a OR b) c)", And((Or((W("a"), W("b"))), W("c"))), ("unbalanced ')' ignored",)),
    ],
)
def test_unbalanced_parentheses_are_repaired_with_a_warning(q: str, tree: object, warnings: tuple) -> None:
    parsed = parse(q)
    assert parsed.tree == tree
    assert parsed.warnings == warnings


def test_too_deep_nesting_is_a_clear_error() -> None:
    with pytest.raises(QuerySyntaxError, match="too many nested parentheses") as err:
        parse("(" * 1000 + "Kim")
    assert err.value.parameter == "q"


# ----------------------------------------------------------------------------- field scopes


@pytest.mark.parametrize(
    "q, tree",
    [
        ("person:Pompeo", Scoped("person", W("Pompeo"))),
        ("personen:Pompeo", Scoped("person", W("Pompeo"))),
        ("Person:Pompeo", Scoped("person", W("Pompeo"))),  # the field name in any case
        ('person:"Mike Pompeo"', Scoped("person", Phrase("Mike Pompeo"))),
        ("land:Nordkorea", Scoped("country", W("Nordkorea"))),
        ("country:KP", Scoped("country", W("KP"))),
        ("titel:Singapur", Scoped("title", W("Singapur"))),
        ("title:Singapur", Scoped("title", W("Singapur"))),
        ('titel:"Gipfel in Singapur"', Scoped("title", Phrase("Gipfel in Singapur"))),
        ("quelle:dpa", Scoped("source", W("dpa"))),
        ("source:dpa", Scoped("source", W("dpa"))),
        ("erwähnt:2018-06", Scoped("mentioned", W("2018-06"))),
        ("erwaehnt:2018", Scoped("mentioned", W("2018"))),
        ("mentioned:2018", Scoped("mentioned", W("2018"))),
        ("person:Pomp*", Scoped("person", W("Pomp", prefix=True))),
    ],
)
def test_field_scopes(q: str, tree: Scoped) -> None:
    parsed = parse(q)
    assert parsed.tree == tree
    assert not parsed.plain
    assert parsed.words == ()  # scoped values are not free-text words


def test_scope_takes_one_word_only() -> None:
    parsed = parse("person:Kim Jong")
    assert parsed.tree == And((Scoped("person", W("Kim")), W("Jong")))
    assert parsed.words == ("Jong",)


def test_scopes_combine_with_operators() -> None:
    assert parse("titel:Kim OR person:Trump -land:VN").tree == Or(
        (
            Scoped("title", W("Kim")),
            And((Scoped("person", W("Trump")), Not(Scoped("country", W("VN"))))),
        )
    )


@pytest.mark.parametrize("q", ["person:", "land:", "date:", "titel:", "erwähnt:"])
def test_scope_without_value_is_dropped(q: str) -> None:
    assert parse(q).tree is None


@pytest.mark.parametrize("q", ["foo:bar", "http:bar"])
def test_unknown_field_is_read_as_words(q: str) -> None:
    parsed = parse(q)
    head = q.split(":")[0]
    assert parsed.tree == And((W(head), W("bar")))
    assert parsed.plain


def _covers(value: tuple[int, int], day: int) -> bool:
    lo, hi = value
    return lo <= day <= hi


@pytest.mark.parametrize(
    "q, inside, outside",
    [
        ("date:2018", [20180101, 20180615, 20181231], [20171231, 20190101]),
        ("datum:2018", [20180101, 20181231], [20171231, 20190101]),
        ("date:2018-05", [20180501, 20180531], [20180430, 20180601]),
        ("date:2018-5", [20180501, 20180531], [20180430, 20180601]),
        ("date:2018-05-31", [20180531], [20180530, 20180601]),
        ("date:[2018-04 TO 2018-06]", [20180401, 20180515, 20180630], [20180331, 20180701]),
        ("date:[2018 TO 2019]", [20180101, 20191231], [20171231, 20200101]),
        ("date:[2018-04 TO 2018-06", [20180401, 20180630], [20180331, 20180701]),  # "]" added
    ],
)
def test_date_scope_is_an_inclusive_day_range(q: str, inside: list[int], outside: list[int]) -> None:
    tree = parse(q).tree
    assert isinstance(tree, Scoped) and tree.field == "date"
    assert all(_covers(tree.value, d) for d in inside)
    assert not any(_covers(tree.value, d) for d in outside)


def test_exact_date_values() -> None:
    assert parse("date:2018-05").tree == Scoped("date", (20180501, 20180531))
    assert parse("date:2018-05-31").tree == Scoped("date", (20180531, 20180531))


@pytest.mark.parametrize(
    "q, bad",
    [
        ("date:2018-13", "2018-13"),
        ("date:2018-00", "2018-00"),
        ("date:2018-05-32", "2018-05-32"),
        ("date:2018-05-00", "2018-05-00"),
        ("date:18", "18"),
        ("date:Mai", "Mai"),
        ("Trump date:2018-13", "2018-13"),
        ("date:[2018 TO x]", "x"),
        ("date:[2018-13 TO 2019]", "2018-13"),
        ("date:[2018 2019]", "2018 2019"),
    ],
)
def test_invalid_date_is_a_query_syntax_error(q: str, bad: str) -> None:
    with pytest.raises(QuerySyntaxError, match="not a date") as err:
        parse(q)
    assert err.value.parameter == "q" and err.value.code == "invalid_query"
    assert repr(bad) in err.value.message


@pytest.mark.parametrize("q", ["person:[a TO b]", "titel:[2018 TO 2019]"])
def test_range_outside_date_is_an_error(q: str) -> None:
    with pytest.raises(QuerySyntaxError, match="only works with date:"):
        parse(q)


# ----------------------------------------------------------------------------- typography and cleaning


@pytest.mark.parametrize(
    "q", ["„Kim Jong Un“", "“Kim Jong Un”", "»Kim Jong Un«", "«Kim Jong Un»", "‚Kim Jong Un‘"]
)
def test_typographic_quotes_are_punctuation(q: str) -> None:
    parsed = parse(q)
    assert parsed.tree == And((W("Kim"), W("Jong"), W("Un")))  # words, not a phrase
    assert parsed.plain and parsed.text == "Kim Jong Un"


def test_question_with_typographic_quotes_stays_plain() -> None:
    parsed = parse("Was wurde „die Tesla-Einheit“ genannt?")
    assert parsed.plain
    assert parsed.words == ("Was", "wurde", "die", "Tesla-Einheit", "genannt")
    assert parsed.text == "Was wurde die Tesla-Einheit genannt?"


def test_control_characters_separate_words() -> None:
    parsed = parse("Kim\x00Jong\x07Un\n")
    assert parsed.tree == And((W("Kim"), W("Jong"), W("Un")))
    assert parsed.text == "Kim Jong Un"


def test_text_is_nfc_normalised() -> None:
    decomposed = "Pjo\u0308ngjang"  # o + combining diaeresis
    parsed = parse(decomposed)
    assert parsed.text == "Pjöngjang" and parsed.tree == W("Pjöngjang")


# ----------------------------------------------------------------------------- empty input and limits


@pytest.mark.parametrize(
    "q", ["", "   ", "\t\n", "OR", "AND OR NOT", "NOT", "-", "***", "~~~", "()", "?", '"']
)
def test_empty_or_operator_only_input_means_everything(q: str) -> None:
    parsed = parse(q)
    assert parsed.tree is None
    assert parsed.words == ()


MAX_QUERY_CHARS = 2000  # the documented limit (README, "Query language")


def test_length_limit() -> None:
    assert parse("a" * MAX_QUERY_CHARS).tree == W("a" * MAX_QUERY_CHARS)
    with pytest.raises(QuerySyntaxError, match="too long") as err:
        parse("a" * (MAX_QUERY_CHARS + 1))
    assert err.value.parameter == "q"
    assert "2,001 characters" in err.value.message


def test_length_limit_counts_the_cleaned_text() -> None:
    parse("   " + "a" * MAX_QUERY_CHARS + "   ")  # surrounding spaces are not the query


def test_clause_cap_counts_phrases_and_dates_too() -> None:
    parsed = parse(" ".join(f'"a{i} b{i}"' for i in range(MAX_CLAUSES + 5)))
    assert isinstance(parsed.tree, And) and len(parsed.tree.children) == MAX_CLAUSES
    assert all(isinstance(c, Phrase) for c in parsed.tree.children)
    assert parsed.warnings == (f"only the first {MAX_CLAUSES} terms are used",)
    # distinct dates: the same clause repeated in one AND group counts once (tests/test_query_bounds.py)
    dates = parse(" ".join(f"date:{1900 + i}" for i in range(MAX_CLAUSES + 1)))
    assert len(dates.tree.children) == MAX_CLAUSES


# ----------------------------------------------------------------------------- plain / words for the fallback


def test_question_is_plain_with_all_its_words() -> None:
    parsed = parse("Wann wurde das Treffen in Singapur abgesagt?")
    assert parsed.plain
    # stop and question words are kept here: the search decides which of them are required
    assert parsed.words == ("Wann", "wurde", "das", "Treffen", "in", "Singapur", "abgesagt")


@pytest.mark.parametrize(
    "q",
    [
        "Trump OR Kim",
        "Trump -Kim",
        "Trump NOT Kim",
        '"Trump Kim"',
        "Trump person:Kim",
        "Trump Ki*",
        "Trump Kim~",
        "(Trump Kim)",
        "Trump date:2018",
    ],
)
def test_syntax_makes_the_query_not_plain(q: str) -> None:
    assert not parse(q).plain


def test_words_are_the_positive_free_text_words() -> None:
    parsed = parse('(Singapur OR Lawr*) Gipfel -Vietnam "Kim Jong" person:Trump titel:Treffen')
    assert parsed.words == ("Singapur", "Lawr", "Gipfel")


def test_hyphenated_word_is_one_word() -> None:
    assert parse("US-Präsident Trump").words == ("US-Präsident", "Trump")


# ----------------------------------------------------------------------------- properties

_SYNTAX = st.sampled_from(
    [
        '"',
        "(",
        ")",
        "*",
        "~",
        "~2",
        "-",
        "!",
        "OR",
        "ODER",
        "AND",
        "NOT",
        "NICHT",
        ":",
        "[",
        "]",
        " TO ",
        "„",
        "“",
    ]
    + ["person:", "land:", "titel:", "quelle:", "erwähnt:", "date:", "date:2018-05", "date:[2018 TO 2019]"]
)
_WORDS = st.sampled_from(["Trump", "Kim", "Jong-un", "Pjöngjang", "Straße", "die", "2018-05", "KP"])
_QUERY = st.lists(st.one_of(st.text(max_size=8), _SYNTAX, _WORDS), max_size=12).map(" ".join)
_NODES = (Word, Phrase, Scoped, Not, And, Or)


def _walk(node: object) -> Iterator[object]:
    yield node
    for child in getattr(node, "children", ()):
        yield from _walk(child)
    if isinstance(node, Not):
        yield from _walk(node.child)
    if isinstance(node, Scoped) and not isinstance(node.value, tuple):  # a date range is a tuple
        yield from _walk(node.value)


@settings(max_examples=300, deadline=None)
@given(q=_QUERY)
def test_parse_never_fails_except_with_a_query_syntax_error(q: str) -> None:
    try:
        parsed = parse(q)
    except QuerySyntaxError as err:
        assert err.parameter == "q" and err.message
        # only dates and ranges can be invalid in a query this short
        assert "[" in q or re.search(r"dat(e|um):", q, re.IGNORECASE), (q, err.message)
        return
    for node in _walk(parsed.tree) if parsed.tree is not None else ():
        assert isinstance(node, _NODES), node
        if isinstance(node, Word):
            assert node.text and "*" not in node.text and 0 <= node.fuzzy <= 2
        if isinstance(node, And | Or):
            assert len(node.children) >= 2  # one child is never wrapped
    assert set(parsed.words) <= {n.text for n in _walk(parsed.tree) if isinstance(n, Word)}


@settings(max_examples=200, deadline=None)
@given(q=st.text(st.characters(blacklist_characters=":"), max_size=100))
def test_arbitrary_text_without_fields_always_parses(q: str) -> None:
    parse(q)

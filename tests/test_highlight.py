"""Snippets and marks on their own (``search.text.highlight``): what a query marks (stems, spellings,
phrases, compound parts), escaping, sentence-sized fragments and their bounds, and exact span offsets.
Snippets through a real index are tested in tests/test_api.py."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.text.highlight import Terms, mark, match_spans, query_terms, snippets, term_pattern
from search.text.query import parse


def terms_of(q: str) -> Terms:
    return query_terms(parse(q).tree)


def marked(q: str, text: str) -> list[str]:
    """The substrings of ``text`` that ``q`` marks, in order."""
    return [text[a:b] for a, b in match_spans(text, terms_of(q))]


def visible(fragment: str) -> str:
    """A snippet as the reader sees it: tags removed, entities decoded."""
    return html.unescape(re.sub(r"</?mark>", "", fragment))


# ----------------------------------------------------------------------------- what is marked


@pytest.mark.parametrize(
    "q, text, expected",
    [
        ("Sanktion", "Die Sanktionen bleiben. Neue Sanktion kommt.", ["Sanktionen", "Sanktion"]),
        ("Sanktionen", "Die Sanktion bleibt.", ["Sanktion"]),
        ("Gipfels", "Der Gipfel war kurz.", ["Gipfel"]),
        ("abgesagt", "Sie sagten ab. Das Treffen wurde abgesagt.", ["abgesagt"]),
        ("Nordkorea", "Nordkoreas Führer. Nordkorea droht.", ["Nordkoreas", "Nordkorea"]),  # genitive
        ("Trump", "Trumps Rede.", ["Trumps"]),
    ],
)
def test_other_inflections_are_marked(q: str, text: str, expected: list[str]) -> None:
    assert marked(q, text) == expected


@pytest.mark.parametrize(
    "q, spelling",
    [
        ("Straße", "Strasse"),
        ("Strasse", "Straße"),
        ("Pjöngjang", "Pjoengjang"),
        ("Pjöngjang", "Pjongjang"),
        ("Pjongjang", "Pjöngjang"),
        ("Ärzte", "Aerzte"),
        ("Aerzte", "Ärzte"),
        ("Grüße", "Grüsse"),
    ],
)
def test_umlaut_and_sharp_s_spellings_are_marked(q: str, spelling: str) -> None:
    text = f"Es ging um {spelling} und anderes."
    assert marked(q, text) == [spelling]
    assert snippets(text, terms_of(q)) == [f"Es ging um <mark>{spelling}</mark> und anderes."]


def test_phrase_marks_its_words_only_where_the_whole_phrase_occurs() -> None:
    text = "Kim traf Jong Un. Dann sprach Kim Jong Un mit Trump."
    assert marked('"Kim Jong Un"', text) == ["Kim", "Jong", "Un"]
    a, _ = match_spans(text, terms_of('"Kim Jong Un"'))[0]
    assert text[a:].startswith("Kim Jong Un mit")  # the second Kim, not the first


def test_phrase_matches_hyphenated_spelling() -> None:
    assert marked('"Kim Jong Un"', "Kim Jong-un traf Trump.") == ["Kim", "Jong", "un"]


def test_phrase_that_does_not_occur_marks_nothing() -> None:
    text = "Kim traf Jong Un."
    assert marked('"Kim Jong Un"', text) == []
    assert snippets(text, terms_of('"Kim Jong Un"')) == ["Kim traf Jong Un."]


def test_hyphenated_query_word_marks_the_pieces_together_not_alone() -> None:
    text = "Der Präsident der USA. Der US-Präsident kam."
    assert marked("US-Präsident", text) == ["US", "Präsident"]
    assert match_spans(text, terms_of("US-Präsident"))[0][0] == text.index("US-Präsident")


def test_hyphenated_query_word_marks_the_joined_spelling() -> None:
    assert marked("Kim Jong-un", "Kim Jong Un kam. Kim Jongun auch.") == [
        "Kim",
        "Jong",
        "Un",
        "Kim",
        "Jongun",
    ]


def test_compound_part_marks_the_whole_compound() -> None:
    text = "Das Atomprogramm wächst. Das Programm auch."
    assert marked("Programm", text) == ["Atomprogramm", "Programm"]
    # the other way round: the compound does not mark its part
    assert marked("Atomprogramm", text) == ["Atomprogramm"]


def test_truncated_conjunct_is_marked_with_its_compound() -> None:
    text = "Das Atomwaffen- und Raketenprogramm soll enden."
    assert marked("Programm", text) == ["Atomwaffen", "Raketenprogramm"]


def test_prefix_marks_every_word_starting_with_it() -> None:
    assert marked("Lawr*", "Lawrow sprach mit Lawrence, nicht mit Klawr.") == ["Lawrow", "Lawrence"]


@pytest.mark.parametrize(
    "q, text, expected",
    [
        ("Trump -Kim", "Trump traf Kim.", ["Trump"]),
        ("Trump NOT Kim", "Trump traf Kim.", ["Trump"]),
        ("person:Kim Trump", "Trump traf Kim.", ["Trump"]),  # entity filters mark nothing in the text
        ("titel:Kim", "Trump traf Kim.", ["Kim"]),  # a title word is marked where it occurs
        ("die Trump", "Die Rede, die Trump hielt.", ["Trump"]),  # stop words are not marked
        ('"die"', "Die Rede, die Trump hielt.", ["Die", "die"]),  # unless asked for explicitly
    ],
)
def test_which_query_parts_are_marked(q: str, text: str, expected: list[str]) -> None:
    assert marked(q, text) == expected


def test_query_terms() -> None:
    terms = terms_of('Sanktionen "Kim Jong" Lawr* -Vietnam person:Trump')
    assert terms.stems == {"sanktion"}
    assert terms.exact == {"sanktionen"}
    assert terms.prefixes == {"lawr"}
    assert terms.phrases == [("kim", "jong")]
    assert not terms_of("") and not terms_of("-Vietnam person:Trump") and not terms_of("die")


# ----------------------------------------------------------------------------- spans and markup


def test_match_spans_offsets_are_exact_sorted_and_disjoint() -> None:
    text = "Trump traf Kim. Danach sprach Trump mit Kims Schwester über Trumps Pläne."
    spans = match_spans(text, terms_of("Trump Kim"))
    assert [text[a:b] for a, b in spans] == ["Trump", "Kim", "Trump", "Kims", "Trumps"]
    assert spans == sorted(spans)
    assert all(b1 <= a2 for (_, b1), (a2, _) in zip(spans, spans[1:], strict=False))
    assert spans[0] == (0, 5) and spans[-1] == (text.index("Trumps"), text.index("Trumps") + 6)


def test_match_spans_where_lowercasing_changes_the_length() -> None:
    # "İ".lower() is two characters: the offsets must still point into the original text
    text = "İstanbul und Trump. Dann Trump."
    assert len(text.lower()) != len(text)
    spans = match_spans(text, terms_of("Trump"))
    assert [text[a:b] for a, b in spans] == ["Trump", "Trump"]
    assert snippets(text, terms_of("Trump")) == [
        "İstanbul und <mark>Trump</mark>.",
        "Dann <mark>Trump</mark>.",
    ]


def test_match_spans_without_terms_is_empty() -> None:
    assert match_spans("Trump traf Kim.", Terms()) == []
    assert match_spans("", terms_of("Trump")) == []


def test_mark_escapes_everything_but_its_own_tags() -> None:
    assert mark("a<b>c & d", [(2, 3)]) == "a&lt;<mark>b</mark>&gt;c &amp; d"
    assert mark("<script>", []) == "&lt;script&gt;"


def test_mark_clips_spans_to_the_window() -> None:
    assert mark("0123456789", [(2, 4), (6, 8)], 3, 7) == "<mark>3</mark>45<mark>6</mark>"
    assert mark("0123456789", [(0, 2), (8, 10)], 3, 7) == "3456"


@pytest.mark.parametrize("q", ["Trump", "script", "mark", "b"])
def test_article_markup_is_escaped_in_snippets(q: str) -> None:
    text = '<script>alert("x")</script> Trump & <b>Kim</b> sprach über <mark>mark</mark>.'
    out = snippets(text, terms_of(q))
    assert out and all("<mark>" in s for s in out)
    for s in out:
        assert "<script" not in s and "<b>" not in s and "</b>" not in s
        assert "<" not in re.sub(r"</?mark>", "", s) and ">" not in re.sub(r"</?mark>", "", s)
    assert "&lt;script&gt;" in "".join(out) or "&lt;<mark>script</mark>&gt;" in "".join(out)


def test_term_pattern_matches_every_spelling() -> None:
    rx = re.compile(term_pattern("strasse"))
    assert all(rx.fullmatch(s) for s in ("strasse", "straße", "sträße"))
    assert rx.fullmatch("strosse") is None
    rx = re.compile(term_pattern("arzte"))
    assert rx.fullmatch("ärzte") and rx.fullmatch("aerzte")
    assert re.fullmatch(term_pattern("u.s"), "uxs") is None  # regex characters are literal


# ----------------------------------------------------------------------------- snippets


def test_snippets_are_whole_sentences() -> None:
    text = "Am 12. Juni traf Trump in Singapur ein. Danach reiste er ab. Kim blieb."
    assert snippets(text, terms_of("Trump")) == ["Am 12. Juni traf <mark>Trump</mark> in Singapur ein."]
    text = "Dr. Trump kam an. Dann ging er. Der Präsident sprach z. B. mit Trump lange."
    assert snippets(text, terms_of("Trump")) == [
        "Dr. <mark>Trump</mark> kam an.",
        "Der Präsident sprach z. B. mit <mark>Trump</mark> lange.",
    ]


SUMMIT = (
    "Der Gipfel war kurz. Singapur ist klein. Der Gipfel in Singapur fand statt. "
    "Ein Gipfel noch. Und noch ein Gipfel. Der letzte Gipfel."
)


def test_at_most_three_snippets_in_text_order() -> None:
    out = snippets(SUMMIT, terms_of("Gipfel"))
    assert len(out) == 3
    positions = [SUMMIT.index(visible(s)) for s in out]
    assert positions == sorted(positions)


def test_sentences_with_the_most_distinct_matches_win() -> None:
    assert snippets(SUMMIT, terms_of("Gipfel Singapur"), max_fragments=1) == [
        "Der <mark>Gipfel</mark> in <mark>Singapur</mark> fand statt."
    ]


@pytest.mark.parametrize("n", [1, 2, 5])
def test_number_of_snippets_is_bounded(n: int) -> None:
    assert len(snippets(SUMMIT, terms_of("Gipfel"), max_fragments=n)) == min(n, 5)


def test_long_sentence_is_cut_at_word_boundaries_around_the_match() -> None:
    words = [f"wort{i}" for i in range(60)]
    text = " ".join(words[:30] + ["Gipfel"] + words[30:]) + "."
    (out,) = snippets(text, terms_of("Gipfel"), size=60)
    assert out.startswith("… ") and out.endswith(" …") and "<mark>Gipfel</mark>" in out
    inner = visible(out)[2:-2]
    assert len(inner) <= 60
    assert text.find(inner) > 0  # a piece of the text, starting after its beginning
    assert all(w in words or w == "Gipfel" for w in inner.split())  # no word cut in half


def test_long_sentence_is_cut_to_the_default_size() -> None:
    text = " ".join(["Wort"] * 100 + ["Gipfel"] + ["wort"] * 100) + "."
    (out,) = snippets(text, terms_of("Gipfel"))
    assert "<mark>Gipfel</mark>" in out
    assert len(visible(out)) <= 200 + len("… ") + len(" …")


def test_no_match_gives_the_lead_sentence_unmarked() -> None:
    text = "Erster Satz über nichts. Zweiter Satz. Dritter."
    assert snippets(text, terms_of("Trump")) == ["Erster Satz über nichts."]
    assert snippets(text, Terms()) == ["Erster Satz über nichts."]  # no query at all (filters only)


def test_no_text_gives_no_snippet() -> None:
    assert snippets("", terms_of("Trump")) == []
    assert snippets("   ", Terms()) == []


def test_match_far_into_a_long_text_is_found() -> None:
    filler = "Ein Satz ohne das gesuchte Wort. " * 200
    text = filler + "Hier steht der Gipfel. " + filler
    assert snippets(text, terms_of("Gipfel")) == ["Hier steht der <mark>Gipfel</mark>."]


# ----------------------------------------------------------------------------- properties

_PIECES = st.sampled_from(
    [
        "Trump",
        "Gipfel",
        "Straße",
        "Strasse",
        "Kim Jong-un",
        "<b>",
        "</mark>",
        "<mark>",
        "&amp;",
        "&",
        "<",
        ">",
    ]
    + ['"', ". ", "Dr. ", "\n\n", "İ", "Atomwaffen- und Raketenprogramm", "12. Juni", "…"]
)
_TEXT = st.lists(st.one_of(_PIECES, st.text(max_size=6)), max_size=40).map(" ".join)
_QUERIES = st.sampled_from(["Trump", "Gipfel Straße", '"Kim Jong Un"', "Programm", "Tr*", "mark", "b", "amp"])


@settings(max_examples=250, deadline=None)
@given(text=_TEXT, q=_QUERIES, size=st.integers(20, 200))
def test_snippets_are_escaped_pieces_of_the_text(text: str, q: str, size: int) -> None:
    out = snippets(text, terms_of(q), size=size)
    assert len(out) <= 3
    for s in out:
        bare = re.sub(r"</?mark>", "", s)
        assert "<" not in bare and ">" not in bare  # the only markup is <mark>…</mark>
        assert s.count("<mark>") == s.count("</mark>")
        piece = visible(s)
        piece = piece.removeprefix("… ").removesuffix(" …")
        assert piece in text


@settings(max_examples=250, deadline=None)
@given(text=_TEXT, q=_QUERIES)
def test_match_spans_are_sorted_disjoint_and_in_bounds(text: str, q: str) -> None:
    spans = match_spans(text, terms_of(q))
    assert all(0 <= a < b <= len(text) for a, b in spans)
    assert all(b1 < a2 for (_, b1), (a2, _) in zip(spans, spans[1:], strict=False))
    assert visible(mark(text, spans)) == text

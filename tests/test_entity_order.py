"""A one-word person mention is resolved the same wherever its article stands in the run (issue 13).

The first article of the folder writes only "Kanzlerin Merkel", the second only "Merkel-Regierung"; the
articles after them name Angela Merkel in full and call her "Merkel" alone. With batches of one article, the
worker (or the reindex process) that prepares the first articles knows nobody yet; the writer's late
resolution (:class:`search.engine.reindexing.LatePersons`) must still tag them Angela Merkel, on the worker
path and in-process, on both engines. And it must not turn another person into her or a known person: the
article's own "Peter Michael Huber" is the "Huber" of "so Huber", not the Berthold Huber of other articles.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from search.core.models import SearchRequest
from search.core.settings import settings
from search.engine import open_engine
from search.engine.whoosh import workers
from search.enrich import pipeline as enrich_module

TEXTS = {
    "00": "Kanzlerin Merkel sagte am Montag in Berlin, die Lage in den Krankenhäusern sei ernst. "
    "Die Maßnahmen würden bis zum Ende des Monats verlängert.",
    "01": "Die Opposition kritisiert die Merkel-Regierung scharf. Die Pläne für den Herbst seien unklar, "
    "hieß es am Mittwoch im Bundestag.",
    "02": "Verfassungsrichter Peter Michael Huber hat das Urteil verteidigt. Die Notenbank müsse ihre "
    "Entscheidungen besser begründen, so Huber gegenüber der Zeitung.",
    "03": "Bundeskanzlerin Angela Merkel (CDU) hat die Länder zu strengeren Regeln aufgerufen. Merkel sagte, "
    "der Winter werde schwer.",
    "04": "Angela Merkel traf am Dienstag die Ministerpräsidenten. Danach erklärte Merkel, man habe sich "
    "geeinigt.",
    "05": "Nach dem Treffen mit Angela Merkel sprach Markus Söder von einem guten Ergebnis. Merkel selbst "
    "äußerte sich nicht.",
    "06": "Der frühere IG-Metall-Chef Berthold Huber warnte vor Entlassungen. Huber sagte, die Industrie "
    "brauche Hilfe.",
    "07": "Gewerkschafter Berthold Huber forderte ein Konjunkturprogramm. Huber erklärte, es gehe um "
    "Millionen Arbeitsplätze.",
}


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    articles = tmp_path / "articles"
    articles.mkdir()
    for name, text in TEXTS.items():
        (articles / f"{name}.txt").write_text(text, encoding="utf-8")
    return articles


@pytest.fixture(params=["workers", "in-process"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Batches of one article, prepared by worker processes or in the reindex process."""
    if request.param == "workers":
        if (os.cpu_count() or 1) < 2:
            pytest.skip("one core: the reindex has no worker processes")
        monkeypatch.setattr(workers, "PARALLEL_MIN", 2)
    else:  # a fresh extractor: one that learned Angela Merkel in an earlier test of this process knows her
        enrich_module._extractor.cache_clear()
    monkeypatch.setattr(workers, "BATCH", 1)
    return request.param


def check(engine) -> None:
    persons = {aid: engine.article(aid).data["persons"] for aid in TEXTS}
    assert "Angela Merkel" in persons["03"], persons  # the full name, as the run spells it
    assert persons["00"] == ["Angela Merkel"], persons  # "Kanzlerin Merkel", read before anyone knew her
    assert persons["01"] == ["Angela Merkel"], persons  # "Merkel-Regierung"
    assert "Berthold Huber" in persons["06"], persons
    assert "Berthold Huber" not in persons["02"], persons  # its own Peter Michael Huber


def test_whoosh(folder: Path, tmp_path: Path, path: str) -> None:
    engine = open_engine(settings(index_dir=tmp_path / "index", engine="whoosh"))
    engine.reindex(folder, full=True, ner=True)
    check(engine)
    # articles written again at the end of the run (analysed by helper processes on the workers path) are
    # found by their words, as their person's
    merkel = {"person": ("Angela Merkel",)}
    for word, aid in (("Krankenhaus", "00"), ("Opposition", "01")):
        assert [h["id"] for h in engine.search(SearchRequest(q=word, filters=merkel)).results] == [aid]
    # an incremental run starts from the index's persons (Enricher.prime)
    (folder / "08.txt").write_text("Kanzlerin Merkel äußerte sich am Freitag zur Lage.", encoding="utf-8")
    engine.reindex(folder, ner=True)
    assert engine.article("08").data["persons"] == ["Angela Merkel"]
    check(engine)


def test_opensearch(folder: Path, path: str, opensearch_url: str) -> None:
    from search.engine.opensearch.engine import OpenSearchEngine

    engine = OpenSearchEngine(opensearch_url, f"pytest-order-{path}")
    engine.reindex(folder, full=True, ner=True)
    check(engine)


def persons_after_reindex(tmp_path: Path, texts: dict[str, str]) -> dict[str, list[str]]:
    """Each article's persons after a full reindex with NER of ``texts`` (id -> text) on Whoosh."""
    articles = tmp_path / "articles"
    articles.mkdir()
    for name, text in texts.items():
        (articles / f"{name}.txt").write_text(text, encoding="utf-8")
    engine = open_engine(settings(index_dir=tmp_path / "index", engine="whoosh"))
    engine.reindex(articles, full=True, ner=True)
    return {aid: engine.article(aid).data["persons"] for aid in texts}


# A family, an organisation or a relative named after a person known from other articles is not that person
# (issue 16): "die Brunnfelds", "Brunnfeld-Clan", "Haskell sen." never become Walter Brunnfeld / George W.
# Haskell through knowledge from elsewhere, whatever the order of the articles.
KIN = {
    "10": "Die Kritiker sehen die Brunnfelds hinter der Krise. Auch der Einfluss der Nazis und Brunnfelds "
    "auf die Musik wird erwähnt.",
    "11": "Kritiker werfen dem Brunnfeld-Clan Einfluss vor. Die Zeitung zitiert eine Brunnfeld-Studie aus "
    "dem Mai.",
    "12": "In einem Video beschuldigt er Haskell sen. der Lüge. Die Familie schweigt dazu.",
    "13": "Der Unternehmer Walter Brunnfeld hat am Montag eine Spende angekündigt. Brunnfeld sagte, er wolle "
    "helfen.",
    "14": "Walter Brunnfeld traf den Bürgermeister. Danach erklärte Brunnfeld, man habe sich geeinigt.",
    "15": "Der frühere Präsident George W. Haskell sprach in Texas. Haskell sagte, die Lage sei ernst.",
    "16": "George W. Haskell reiste nach Berlin. Haskell traf dort den Minister.",
}


def test_a_family_a_clan_or_a_father_is_not_the_person_known_from_elsewhere(
    tmp_path: Path, path: str
) -> None:
    persons = persons_after_reindex(tmp_path, KIN)
    assert "Walter Brunnfeld" in persons["13"] and "George W. Haskell" in persons["15"], persons
    assert persons["10"] == [], persons  # the family in the plural
    assert persons["11"] == [], persons  # "-Clan", "-Studie"
    assert persons["12"] == [], persons  # his father


# A family name a worker completed to the one person it knew of is checked again at the end of the run: the
# articles after it name another person of that family as often ("Clinton" in a list of names was Hillary
# Clinton to a worker that had not met Bill Clinton yet, in real FANG-COVID articles).
NAMESAKES = {
    "20": "Die Politikerin Hanna Quandtberg sprach in Washington. Quandtberg sagte, die Wahl sei offen.",
    "21": "Hanna Quandtberg traf Unterstützer. Danach erklärte Quandtberg, sie wolle gewinnen.",
    "22": "Hanna Quandtberg reiste nach Ohio. Quandtberg warb dort um Stimmen.",
    "23": "Die Liste nennt Epstein, Quandtberg und andere Namen aus Washington.",
    "24": "Der frühere Präsident Tom Quandtberg hielt eine Rede. Quandtberg sagte, er unterstütze sie.",
    "25": "Tom Quandtberg besuchte Berlin. Quandtberg traf die Bürgermeisterin.",
    "26": "Tom Quandtberg schrieb ein Buch. Quandtberg erinnert sich an Washington.",
    # a son with a generational suffix shares the family name too ("Kennedy" of Robert F. Kennedy Jr.)
    "60": "Der frühere Präsident John F. Quennedy sprach in Dallas. Quennedy sagte, die Lage sei ernst.",
    "61": "John F. Quennedy reiste nach Berlin. Quennedy traf dort den Bürgermeister.",
    "62": "Der Impfgegner Robert F. Quennedy Jr. klagte. Er will weiter klagen.",
    "63": "Robert F. Quennedy Jr. sprach in Berlin vor Demonstranten.",
    "64": "Robert F. Quennedy Jr. gründete eine Stiftung gegen Impfungen.",
    "65": "Im Heft: die große Impfdebatte Quennedy contra Dershowitz. Hier bestellen.",
}


def test_a_name_two_persons_of_the_run_share_names_neither_alone(tmp_path: Path, path: str) -> None:
    persons = persons_after_reindex(tmp_path, NAMESAKES)
    assert persons["22"] == ["Hanna Quandtberg"] and persons["26"] == ["Tom Quandtberg"], persons
    assert persons["23"] == [], persons
    assert persons["60"] == ["John F. Quennedy"] and persons["65"] == [], persons


# A name one letter off a name the run's articles write far more often is its misspelling ("Lothar Zieler"
# beside Lothar Wieler, "Emanuel Macron", "Jens Span": 29 of 3,000 real FANG-COVID articles), whichever
# worker read it first; a feminine given name is another person.
TYPOS = {
    **{
        f"3{i}": f"Der Präsident des Instituts, Lothar Quieler, warnte am {day}. Quieler sagte, die Lage sei ernst."
        for i, day in enumerate(["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag"])
    },
    **{
        f"4{i}": f"Der Trainer Daniel Quandtberg lobte sein Team am {day}. Quandtberg war zufrieden."
        for i, day in enumerate(["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag"])
    },
    "28": "Der Präsident des Instituts, Lothar Qieler, warnte vor Lockerungen.",
    "29": "Die Trainerin Daniela Quandtberg lobte ihr Team.",
    # a name written in full three times is the article's deliberate spelling, no slip (the review of seed 38:
    # "Christian Seufert", an internist, was the DFL chief Christian Seifert)
    "27": "Der Internist Lothar Quiemer warnte. Lothar Quiemer leitet die Praxis. So Lothar Quiemer weiter.",
    # a slip keeps the first letter (the review of seed 43: "Klaus Meinhardt", a doctor, was Klaus Reinhardt)
    "26": "Der Arzt Daniel Ruandtberg warnte vor Lockerungen.",
}


def test_a_name_one_letter_off_a_frequent_one_is_its_misspelling(tmp_path: Path, path: str) -> None:
    persons = persons_after_reindex(tmp_path, TYPOS)
    assert persons["30"] == ["Lothar Quieler"] and persons["40"] == ["Daniel Quandtberg"], persons
    assert persons["28"] == ["Lothar Quieler"], persons
    assert persons["29"] == ["Daniela Quandtberg"], persons
    assert persons["27"] == ["Lothar Quiemer"], persons
    assert persons["26"] == ["Daniel Ruandtberg"], persons


# A person whose first article writes the name in the genitive ("Maybrit Illners Talkshow") was shown so in
# every article of the run (the first spelling of a key wins): where the run also writes the name without
# it, that is the person's name (40 of 3,000 real FANG-COVID articles).
GENITIVE = {
    "50": "In Hanna Quertels Sendung sprach der Minister über die Lage.",
    "51": "Die Moderatorin Hanna Quertel fragte nach. Quertel blieb hartnäckig.",
    "52": "Hanna Quertel moderiert seit Jahren die Sendung. Quertel sagte, sie mache weiter.",
}


def test_a_name_first_seen_in_the_genitive_is_shown_without_it(tmp_path: Path, path: str) -> None:
    persons = persons_after_reindex(tmp_path, GENITIVE)
    assert persons == {aid: ["Hanna Quertel"] for aid in GENITIVE}, persons


# As often in the genitive as without it in full ("Adolf Hitlers" and "Adolf Hitler" in three articles each of a
# sample, shown as "Adolf Hitlers"): the family name the run writes alone decides.
TIE = {
    "60": "Die Politik Gustav Kernbichlers führte in den Krieg. Historiker streiten bis heute.",
    "61": "Gustav Kernbichler kam 1933 an die Macht. Kernbichler regierte zwölf Jahre.",
    "62": "Der Diktator Kernbichler ließ Millionen ermorden.",
    "63": "Über Kernbichler gibt es viele Bücher.",
    "64": "Kernbichler starb 1945 in Berlin.",
}


def test_a_name_as_often_in_the_genitive_goes_by_the_family_name_alone(tmp_path: Path, path: str) -> None:
    persons = persons_after_reindex(tmp_path, TIE)
    assert persons["60"] == ["Gustav Kernbichler"] and persons["61"] == ["Gustav Kernbichler"], persons


# More often in the genitive than without it: on all 41,242 FANG-COVID articles the talk-show host was "Anne
# Wills" (16 articles write "Anne Wills", 15 "Anne Will"; "Will" alone is in 582, "Wills" in 20), so were "Thomas
# Manns", "Michael Endes", "Til Schweigers". Written without it at all, the family name alone decides; never
# written without it, the family name alone mostly with the -s, or a given name with an -s ("Serena Williams",
# whose "William" many articles write), the -s stays.
MORE_GENITIVE = {
    "65": "Lina Quenfangs Film gewann den Preis. Kritiker lobten ihn.",
    "66": "Der Erfolg von Lina Quenfangs Film überraschte.",
    "67": "Lina Quenfang wurde in Peking geboren. Quenfang lebt in Kalifornien.",
    "68": "Die Regisseurin Quenfang sprach über ihre Arbeit.",
    "6c": "Quenfang drehte den Film in Nevada.",
    "6d": "Über Quenfang wurde viel geschrieben.",
    "69": "Der Unternehmer Jonas Quietes spendete. Quietes sagte, das helfe.",
    "6a": "Der Gründer Jonas Quietes warnte. Quietes selbst blieb bescheiden.",
    "6b": "Jonas Quiete stand auf der Liste.",
    "6e": "Die Tennisspielerin Mara Roberts gewann. Roberts jubelte.",
    "6f": "Mara Roberts Aufschlag war stark. Roberts siegte.",
    "6g": "Auch Mara Robert spielte.",
    # as often in the genitive as without it, a given name and an -s goes by the family name alone (the swimmer
    # Sun Yang)
    "6m": "Mia Yangs Trainer lobte sie. Kritiker staunten.",
    "6n": "Die Schwimmerin Mia Yang gewann Gold. Yang jubelte.",
    "6o": "Yang trainiert in Hangzhou.",
    "6p": "Über Yang wird gestritten.",
    **{
        f"6{c}": f"Der Arzt Robert Quandel warnte am {day}."
        for c, day in zip("hijk", ["Montag", "Dienstag", "Mittwoch", "Freitag"], strict=True)
    },
}


def test_a_name_more_often_in_the_genitive_goes_by_the_family_name_alone(tmp_path: Path, path: str) -> None:
    persons = persons_after_reindex(tmp_path, MORE_GENITIVE)
    assert persons["65"] == ["Lina Quenfang"] and persons["67"] == ["Lina Quenfang"], persons
    assert persons["69"] == ["Jonas Quietes"], persons  # "Quietes" alone in two articles, "Quiete" in none
    assert persons["6e"] == ["Mara Roberts"], persons  # "Robert" alone in 5 articles, but a given name
    assert persons["6m"] == ["Mia Yang"], persons


# A one-word name after the role of an office that none of the run's full mentions of the person known from
# elsewhere has is another person ("Präsident Johnsons Friedensverhandlungen" of 1968 is not the
# Premierminister Boris Johnson, in a real FANG-COVID article); a role of the same office, of no office
# ("Herr") or a minister's keeps it.
ROLES = {
    **{
        f"7{i}": f"Premierminister Boris Quonson sprach am {day} im Parlament. Quonson sagte, die Lage sei ernst."
        for i, day in enumerate(["Montag", "Dienstag", "Mittwoch", "Donnerstag"])
    },
    "90": "Die Verhandlungen von 1968 scheiterten. Präsident Quonsons Berater hatten gewarnt.",
    "91": "Premier Quonson kündigte am Freitag neue Regeln an.",
    "92": "Regierungschef Quonson sprach von Fortschritten.",
    "93": "Herr Quonson äußerte sich dazu nicht.",
    "94": "Der frühere Außenminister Quonson war dabei.",
    "95": "Gewarnt hatten die Präsidenten. Quonson sagte, er sei dagegen.",
    # a role before a list goes with each of its names (review seed 24: "Senatoren Cruz, Johnson und Cotton")
    "96": "Der Brief der Senatoren Cruzberg, Quonson und Cottmann erreichte Berlin.",
    "97": "Die Premierminister Draghol, Quonson und Castelle trafen sich.",
}


def test_a_role_the_person_is_never_named_with_is_another_person(tmp_path: Path, path: str) -> None:
    persons = persons_after_reindex(tmp_path, ROLES)
    assert persons["70"] == ["Boris Quonson"], persons
    assert persons["90"] == [], persons  # "Präsident": not an office of his
    assert persons["91"] == ["Boris Quonson"], persons  # "Premier": a form of "Premierminister"
    assert persons["92"] == ["Boris Quonson"], persons  # "Regierungschef": the same office
    assert persons["93"] == ["Boris Quonson"], persons  # "Herr" names no office
    assert persons["94"] == ["Boris Quonson"], persons  # a minister may become head of government
    assert persons["95"] == ["Boris Quonson"], persons  # "Präsidenten." ends a sentence: no role of his
    assert "Boris Quonson" not in persons["96"], persons  # "Senatoren": not an office of his
    assert "Boris Quonson" in persons["97"], persons


# A given name alone that a worker completed to the one person of that given name it knew ("Wladimir und
# Estragon" as Wladimir Putin, "Ich habe Joe gesagt" as Joe Biden, in real FANG-COVID articles) is checked
# again at the end of the run: where the run knows several persons of that given name, only a title or role
# lets it name one of them. (Wladimir Putin is a person of the alias table: a worker completes a given name
# alone only to such a person, or after a title, a role or a verb of saying.)
GIVEN = {
    "00": "Im Stück warten zwei Männer auf Godot. Dann sagte Wladimir, man müsse gehen.",
    "01": "Der Boxer Wladimir Quitschko trainierte am Montag. Quitschko sagte, er sei bereit.",
    **{
        f"0{i + 2}": f"Präsident Wladimir Putin sprach am {day} in Moskau. Putin sagte, die Lage sei ernst."
        for i, day in enumerate(["Montag", "Dienstag", "Mittwoch", "Donnerstag"])
    },
}


def test_a_given_name_the_run_knows_of_several_persons_names_none_alone(tmp_path: Path, path: str) -> None:
    persons = persons_after_reindex(tmp_path, GIVEN)
    assert persons["01"] == ["Wladimir Quitschko"] and persons["02"] == ["Wladimir Putin"], persons
    assert persons["00"] == [], persons


# An academic title before a family name alone is another person's when the run names the person known from
# elsewhere in full after other roles only ("Professor Schwab", a lawyer, was Klaus Schwab, the "WEF-Gründer",
# in two reviews); a person the run calls "Professorin" or "Prof. Dr." in full keeps it.
TITLES = {
    **{
        f"3{i}": f"WEF-Gründer Klaus Quabbe sprach am {day} in Davos. Quabbe sagte, die Welt ändere sich."
        for i, day in enumerate(["Montag", "Dienstag", "Mittwoch", "Donnerstag"])
    },
    "40": "Das Gutachten schrieb Professor Quabbe von der Universität Bonn. Es ging um Masken.",
    "41": "Die Virologin Professorin Lena Ostrowa warnte. Ostrowa sagte, es werde ernst.",
    "42": "Lena Ostrowa sprach im Fernsehen. Ostrowa blieb bei ihrer Warnung.",
    "43": "Das Gutachten schrieb Professorin Ostrowa, es ging um Schulen.",
    **{
        f"5{i}": f"RKI-Präsident Lothar Wiebe warnte am {day}. Wiebe sagte, die Lage sei ernst."
        for i, day in enumerate(["Montag", "Dienstag", "Mittwoch"])
    },
    "54": "Prof. Dr. Lothar Wiebe leitet das Institut. Wiebe ist Tierarzt.",
    "55": "Die Zahlen nannte Professor Wiebe am Abend.",
}


def test_an_academic_title_the_person_is_never_named_with_is_another_person(
    tmp_path: Path, path: str
) -> None:
    persons = persons_after_reindex(tmp_path, TITLES)
    assert persons["30"] == ["Klaus Quabbe"], persons
    assert "Klaus Quabbe" not in persons["40"], persons
    assert persons["43"] == ["Lena Ostrowa"], persons
    assert persons["55"] == ["Lothar Wiebe"], persons  # "Prof. Dr. Lothar Wiebe" in the run

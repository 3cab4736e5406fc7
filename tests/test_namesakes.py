"""Namesakes of a very common full name are not the person most articles mean (issue 13).

In 3,000-article FANG-COVID samples "Michael Müller" was Berlin's Regierender Bürgermeister in about nine of
ten articles, and the other articles (a laboratory association's chair, a CSU mayor, a photographer) were his
too. Here, in a made-up archive, "Jonas Hefterich" is the run's most common given and family name (so namesakes
are likely) and the Landrat of most articles that name him: an article that describes him with none of the
words the run describes him with, or with another party, is about another man; an article that calls him
"Landrat" anywhere stays his. A rare name keeps every article: nobody else is likely to bear it.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from search import create_app
from search.enrich.entities.namesakes import Namesakes, describe
from tests.test_entity_order import persons_after_reindex

DAYS = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]
TOPICS = ["die Schulen", "die Kliniken", "den Busverkehr", "die Impfzentren", "die Gaststätten", "die Bäder"]


def _landrat(i: int) -> str:
    return (
        f"Landrat Jonas Hefterich (SPD) hat am {DAYS[i % 7]} über {TOPICS[i % 6]} im Kreis gesprochen. "
        f"Hefterich sagte, in Woche {i + 3} bleibe vieles offen."
    )


def _ministerin(i: int) -> str:
    return (
        f"Gesundheitsministerin Maren Quandtfeld hat am {DAYS[i % 7]} über {TOPICS[i % 6]} beraten. "
        f"Quandtfeld sagte, in Woche {i + 5} sei eine Entscheidung fällig."
    )


TEXTS = {
    **{f"L{i:02d}": _landrat(i) for i in range(10)},
    **{f"M{i:02d}": _ministerin(i) for i in range(10)},
    # other persons of the same family and given names: the name is a common one in this archive
    "O1": "Die Sängerin Lena Hefterich trat am Abend in der Stadthalle auf. Das Konzert war ausverkauft.",
    "O2": "Der Schreiner Paul Hefterich eröffnete am Samstag seine neue Werkstatt am Markt.",
    "O3": "Der Trainer Jonas Kahlert lobte seine Mannschaft nach dem Spiel am Sonntag.",
    "O4": "Der Pfarrer Jonas Wendt lud am Ostersonntag zum Gottesdienst in die Kirche ein.",
    # a photographer of that name: nothing of the Landrat's description anywhere
    "N1": "Die Aufnahme des Eisvogels stammt von Jonas Hefterich, der seit Jahren Vögel am See beobachtet.",
    # a Landrat of another party
    "N2": "Landrat Jonas Hefterich (CSU) hat das Volksfest in seinem Kreis abgesagt, zum Ärger der Wirte.",
    # a minister of that family name, named by it alone
    "N3": "Minister Hefterich kündigte am Montag ein Programm für Afrika an, teilte das Ministerium mit.",
    # the Landrat, called so only further on
    "K1": "Jonas Hefterich verteidigte am Freitag die Regeln. Der Landrat sagte, die Zahlen seien zu hoch.",
    # the minister without her title: a rare name, still hers
    "K2": "Maren Quandtfeld sprach am Abend auf dem Parteitag über die Pflege und die Renten.",
}


def test_a_common_name_described_otherwise_is_a_namesake_a_rare_name_is_not(tmp_path: Path) -> None:
    persons = persons_after_reindex(tmp_path, TEXTS)
    assert all(persons[f"L{i:02d}"] == ["Jonas Hefterich"] for i in range(10)), persons
    assert "Jonas Hefterich" not in persons["N1"], persons  # none of the Landrat's words
    assert "Jonas Hefterich" not in persons["N2"], persons  # another party
    assert "Jonas Hefterich" not in persons["N3"], persons  # his family name alone, none of his words
    assert persons["K1"] == ["Jonas Hefterich"], persons  # "Der Landrat" further on
    assert persons["K2"] == ["Maren Quandtfeld"], persons  # a rare name: no namesake likely
    assert persons["O1"] == ["Lena Hefterich"] and persons["O3"] == ["Jonas Kahlert"], persons
    # the person's page says that two more articles write the name, and links to them
    app = create_app({"TESTING": True, "SEARCH_INDEX_DIR": str(tmp_path / "index")})
    page = app.test_client().get("/person/Jonas%20Hefterich?lang=en").get_data(as_text=True)
    assert "2 more articles write “Jonas Hefterich” but are not counted here" in page, page
    link = re.search(r'<p class="entity-others">.*?<a href="([^"]+)"', page, re.S).group(1)
    found = app.test_client().get(html.unescape(link)).get_data(as_text=True)
    assert "2 results" in found, found
    assert "Die Aufnahme des Eisvogels" in found and "Volksfest" in found


def _ents(text: str, name: str) -> dict:
    s = text.index(name)
    return {"persons": {name: 1}, "aliases": {name: [name]}, "spans": [[s, s + len(name), "PER", name]]}


def test_the_profile_needs_enough_articles_and_one_leading_description() -> None:
    """Nine articles are no profile; ten articles described by ten different words are none either."""
    name = "Jonas Hefterich"
    others = ["Jonas Kahlert", "Lena Hefterich"]
    few = Namesakes()
    for i in range(9):
        few.learn(_ents(_landrat(i), name), _landrat(i))
    few.settle([name, *others])
    assert not few.profiles
    scattered = Namesakes()
    roles = [
        "Landrat",
        "Richter",
        "Pfarrer",
        "Trainer",
        "Bäcker",
        "Maler",
        "Lehrer",
        "Förster",
        "Koch",
        "Arzt",
    ]
    for role in roles:
        text = f"Der {role} Jonas Hefterich sprach am Montag."
        scattered.learn(_ents(text, name), text)
    scattered.settle([name, *others])
    assert not scattered.profiles
    many = Namesakes()
    for i in range(10):
        many.learn(_ents(_landrat(i), name), _landrat(i))
    many.settle([name, *others])
    assert many.profiles[name].party == "spd" and "landrat" in many.profiles[name].words
    photo = TEXTS["N1"]
    assert many.without(_ents(photo, name), photo)["persons"] == {}
    assert many.without(_ents(TEXTS["K1"], name), TEXTS["K1"]) is None


def test_a_party_is_read_after_the_name_before_a_role_and_after_a_pair() -> None:
    text = "Während Jonas Hefterich und Werner Weindl (beide CSU) widersprachen, schwieg der SPD-Landrat Paul Ried."
    s = text.index("Jonas Hefterich")
    assert describe(text, s, s + len("Jonas Hefterich"))[1] == {"csu"}
    s = text.index("Paul Ried")
    assert describe(text, s, s + len("Paul Ried")) == ({"spd-landrat"}, {"spd"})
    text = "Jonas Hefterich und Werner Weindl (CSU) widersprachen."  # the party is Weindl's alone
    assert describe(text, 0, len("Jonas Hefterich"))[1] == set()


FOOTBALL_WORDS = [
    "Stürmer",
    "Kapitän",
    "Nationalspieler",
    "Angreifer",
    "Torjäger",
    "Routinier",
    "Spielmacher",
]
TEAMMATES = ["Karim Oduya", "Lukas Brennecke", "Timo Saalfeld", "Milan Kovacevic"]


def _footballer(i: int) -> str:
    return (
        f"Der {FOOTBALL_WORDS[i % 7]} Jonas Hefterich erzielte am {DAYS[i % 7]} im Stadion das Tor zum "
        f"{i % 3 + 1}:0, {TEAMMATES[i % 4]} bereitete vor. Die Mannschaft von Trainer Ralf Gödecke führt die "
        "Tabelle der Bundesliga an. Nach der Halbzeit hielt die Abwehr, die Fans feierten den Sieg der Saison."
    )


FOOTBALL = {
    **{f"F{i:02d}": _footballer(i) for i in range(11)},
    # the rest of the archive: a name's topic is what its articles write far more often than the others
    **{
        f"W{i:02d}": f"Die Ringstraße war am {DAYS[i % 7]} voll. Der Verkehr staute sich in Woche {i + 1}."
        for i in range(60)
    },
    **{k: TEXTS[k] for k in ("M00", "M01", "M02", "M03", "O1", "O2", "O3", "O4")},
    # a Landrat of that name among Thuringian politicians: no person and no word of the footballer's articles
    "T1": (
        "Landrat Jonas Hefterich ruft seit Tagen in Erfurt bei der Landesregierung an. Die Inzidenz im Kreis "
        "steige, sagte er am Dienstag; Ministerpräsident Bodo Reinhold wollte sich nicht äußern."
    ),
    # the footballer with none of his teammates, but in his articles' words
    "T2": "Jonas Hefterich twitterte nach dem Spiel, die Bundesliga brauche Fans im Stadion und die Saison sei lang.",
    # the footballer beside a teammate, in other words
    "T3": "Auf der Hochzeit von Lukas Brennecke tanzte auch Jonas Hefterich bis in den Morgen.",
}


def test_a_common_name_without_one_description_is_told_apart_by_what_its_articles_are_about(
    tmp_path: Path,
) -> None:
    """No word describes the footballer in 40 % of his articles (no profile); his articles share persons and
    words, and an article naming a Landrat of his name shares neither."""
    persons = persons_after_reindex(tmp_path, FOOTBALL)
    assert all("Jonas Hefterich" in persons[f"F{i:02d}"] for i in range(11)), persons
    assert "Jonas Hefterich" not in persons["T1"] and "Bodo Reinhold" in persons["T1"], persons
    assert "Jonas Hefterich" in persons["T2"], persons  # his articles' words
    assert "Jonas Hefterich" in persons["T3"], persons  # a person of his articles

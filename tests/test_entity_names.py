"""Which person a name word names, by the words around it (issue 13, the review of the top 100 persons of
3,000 FANG-COVID articles): other middle initials, couples, buildings, English names, truncated compounds.
Made-up names on sentences written for the tests."""

from __future__ import annotations

from search.enrich.entities.context import part_of_another_name
from search.enrich.entities.extractor import EntityExtractor
from search.enrich.entities.late import RunPersons
from search.enrich.entities.mentions import Draft, Mention
from search.enrich.entities.registry import Registry

KNOWN = [  # two articles that name a person in full and call them by the family name alone
    "Die Polizistin Lorna {0} sagte am Montag, sie sei zufrieden. {0} lachte.",
    "Die Polizistin Lorna {0} warnte. {0} sagte das.",
]


def per_spans(text: str, ents) -> list[tuple[str, str]]:
    return [(text[s:e], name) for s, e, kind, name in ents.spans if kind == "PER"]


def with_known(name: str, text: str) -> list[tuple[str, str]]:
    """The person spans of ``text``, extracted in a batch after two articles about Lorna ``name``."""
    texts = [t.format(name) for t in KNOWN] + [text]
    return per_spans(text, list(EntityExtractor().extract_many(texts))[-1])


def test_other_middle_initials_are_another_person() -> None:
    """ "Harold K. W. Brennecke" (the father) is no "Harold W. Brennecke" (the son), though both fold to one key
    without the initials; initials before a bare family name ("H.K.W. Brennecke") that contradict the known
    person's keep it from being that person."""
    texts = [
        "Präsident Harold W. Brennecke sagte am Montag, er bleibe. Brennecke lachte.",
        "Präsident Harold W. Brennecke warnte. Brennecke sagte das.",
        "Sein Vater, Präsident Harold K. W. Brennecke, regierte früher. Harold W. Brennecke folgte ihm.",
        "Es war, was H.K.W. Brennecke 1990 die neue Ordnung nannte. Auch H. W. Brennecke sah das so.",
    ]
    found = list(EntityExtractor().extract_many(texts))
    assert per_spans(texts[2], found[2]) == [
        ("Harold K. W. Brennecke", "Harold K. W. Brennecke"),
        ("Harold W. Brennecke", "Harold W. Brennecke"),
    ]
    assert per_spans(texts[3], found[3]) == [("Brennecke", "Harold W. Brennecke")]  # only "H. W."
    assert set(found[0].persons) == {"Harold W. Brennecke"}


def test_a_name_without_initials_is_nobody_where_two_sets_of_initials_are_known() -> None:
    """Seeds 30 and 35: "Präsidenten wie Ronald Reagan oder George Bush" became George W. Bush, the son, in a run
    that knew the father as "George H. W. Bush" too. Without initials the name is either; it names neither,
    nor does its bare family name in that article. Where only one set is known, it is that person."""
    son = "Präsident Harold W. Brennecke sagte am Montag, er bleibe. Brennecke lachte."
    father = "Sein Vater, Präsident Harold K. W. Brennecke, regierte früher."
    plain = (
        "Wähler, die mit Präsidenten wie Ronald Reagan oder Harold Brennecke aufwuchsen. Brennecke siegte."
    )
    found = list(EntityExtractor().extract_many([son, son, father, plain]))
    assert [n for _, n in per_spans(plain, found[3]) if "Brennecke" in n] == []
    assert set(found[2].persons) == {"Harold K. W. Brennecke"}
    found = list(EntityExtractor().extract_many([son, son, plain]))
    (son_name,) = found[0].persons  # (its display spelling is the run's choice)
    assert per_spans(plain, found[2])[-2:] == [("Harold Brennecke", son_name), ("Brennecke", son_name)]


def test_the_end_of_a_run_takes_a_name_without_initials_from_a_worker_that_knew_one_set() -> None:
    """A worker that met only the son took "Harold Brennecke" (and its "Brennecke") for him; at the end of
    the run, which has met the father too, the article names neither. One set of initials that starts the
    other ("John P." and "John P. A.") or a typo beside hundreds of the main set is no second person."""
    son = "Präsident Harold W. Brennecke sagte am Montag, er bleibe. Brennecke lachte."
    plain = (
        "Wähler, die mit Präsidenten wie Ronald Reagan oder Harold Brennecke aufwuchsen. Brennecke siegte."
    )
    worker = list(EntityExtractor().extract_many([son, son, plain]))[-1]
    ents = {
        "persons": worker.persons,
        "aliases": worker.person_aliases,
        "spans": [list(x) for x in worker.spans],
    }
    (name,) = [p for p in worker.persons if "Brennecke" in p]
    assert worker.persons[name] == 2

    def brennecke_at_the_end(*others: str, sons: int = 2) -> dict[str, int]:
        run = RunPersons()
        for spelling in ["Harold W. Brennecke"] * sons + list(others):
            run.learn({spelling: [spelling]})
        ents_now = run.resolve(ents, plain, {}) or ents
        return {p: n for p, n in ents_now["persons"].items() if "Brennecke" in p}

    assert brennecke_at_the_end("Harold K. W. Brennecke") == {}
    assert brennecke_at_the_end() == {name: 2}
    assert brennecke_at_the_end("Harold W. A. Brennecke") == {name: 2}
    assert brennecke_at_the_end("Harold K. W. Brennecke", sons=30) == {name: 2}


def test_the_writer_keeps_other_middle_initials_apart() -> None:
    """Workers give each article's persons; the writer's one spelling per person key must not fold the father
    back into the son (nor a spelling without initials away from the person)."""
    from search.engine.reindexing import PersonNames

    names = PersonNames(None)
    assert names.name("Harold Brennecke") == "Harold Brennecke"
    assert names.name("Harold W. Brennecke") == "Harold Brennecke"
    assert names.name("Harold K. W. Brennecke") == "Harold K. W. Brennecke"
    assert names.name("Harold W. Brenneckes") == "Harold Brennecke"
    assert names.name("Harold K.W. Brennecke") == "Harold K. W. Brennecke"


def test_a_given_name_coordinated_with_another_before_a_family_name_is_of_that_family() -> None:
    text = "Präsident Alexander Borodinski sprach. Alexander und Margarete Kesselbrink schrieben ein Buch."
    spans = per_spans(text, EntityExtractor().extract(text))
    assert ("Alexander", "Alexander Borodinski") not in spans
    assert ("Alexander Borodinski", "Alexander Borodinski") in spans
    couple = "Präsident Alexander Borodinski sprach. Alexander und Margarete Borodinski luden ein."
    assert ("Alexander", "Alexander Borodinski") in per_spans(couple, EntityExtractor().extract(couple))
    # a family name in a list before a full name is no given name of a couple
    listed = "Präsident Bill Carter sprach. Später erwähnte er Epstein, Carter und Bill Gatesby."
    assert ("Carter", "Bill Carter") in per_spans(listed, EntityExtractor().extract(listed))


def test_a_family_name_before_a_building_word_is_the_building() -> None:
    spans = with_known("Marxheimer", "Die Messe findet in der historischen Marxheimer Halle statt.")
    assert spans == []
    spans = with_known("Marxheimer", "Die Messe findet statt, sagte Marxheimer in der Halle.")
    assert spans == [("Marxheimer", "Lorna Marxheimer")]
    # a hospital named after a person, given name and all (seed 29: "im Martin Luther Krankenhaus")
    spans = with_known("Marxheimer", "Sie liegt im Evangelischen Lorna Marxheimer Krankenhaus in Spandau.")
    assert spans == []
    # a genitive of the building word (seed 37: "Präsident des Beethoven-Hauses Bonn")
    assert with_known("Marxheimer", "Er ist Präsident des Marxheimer-Hauses in Bonn.") == []
    # a Latin word before it (seed 37: the film and the song "Corpus Christi")
    assert with_known("Marxheimer", "Im Kino lief das Drama „Corpus Marxheimer“ vor vollem Saal.") == []
    # a building word that is a given name too makes no name a thing where it starts it
    actress = "Catwoman 2004 mit Halle Bernardi und Elektra 2005 mit Jennifer Garner."
    assert set(EntityExtractor().extract(actress).persons) == {"Halle Bernardi", "Jennifer Garner"}


def test_a_family_name_after_a_common_english_word_is_another_name() -> None:
    assert with_known("Floydrick", "Er sah das Spiel von Magic Floydrick im Fernsehen.") == []
    titled = "Er sah, wie dann President Floydrick kam und Kommissarin Floydrick ging."
    assert with_known("Floydrick", titled) == [("Floydrick", "Lorna Floydrick")] * 2
    # a rare word at a sentence start is a given name the lists miss; a German compound there is a role
    given = "Und was sagt eine Kunstprofessorin dazu? Yelisa Floydrick bemüht sich an der Akademie."
    assert with_known("Floydrick", given) == []
    role = "Dazu gab es Kritik. Fleischbaronin Floydrick bemüht sich an der Akademie."
    assert with_known("Floydrick", role) == [("Floydrick", "Lorna Floydrick")]
    # another known person's family name before it is that person's ("warf Baker Floydrick vor")
    text = "Am Montag warf dann Baker Floydrick Untätigkeit vor."
    s = text.index("Floydrick")
    assert not part_of_another_name(text, s, s + 9, {"Lorna", "Floydrick"}, {"Mark", "Baker"})
    assert part_of_another_name(text, s, s + 9, {"Lorna", "Floydrick"}, {"Mark"})


def test_a_truncated_compound_part_shares_the_organisation_head_of_the_whole() -> None:
    texts = [
        "Präsident George Bushnell sagte am Montag, er bleibe. Bushnell lachte.",
        "Präsident George Bushnell warnte. Bushnell sagte das.",
        "Die Nazis (Könige und Bushnell- und Clintock-Gruppen in den USA) herrschen, sagte Bill Clintock.",
    ]
    last = list(EntityExtractor().extract_many(texts))[-1]
    assert per_spans(texts[-1], last) == [("Bill Clintock", "Bill Clintock")]


def test_the_first_word_of_a_name_read_elsewhere_still_makes_another_name() -> None:
    """ "Pink Floydrick", read as a person in one article, does not make "Pink" a known person's name word
    that would keep "die frühen Pink Floydrick" of another article from being another name than Lorna's."""

    def draft(text: str, *names: str) -> Draft:
        found = [Mention(text.index(n), text.index(n) + len(n), n, "model") for n in names]
        return Draft(text, found)

    drafts = [
        draft(KNOWN[0].format("Floydrick"), "Lorna Floydrick"),
        draft(KNOWN[1].format("Floydrick"), "Lorna Floydrick"),
        draft("Die Iren haben zu Pink Floydrick zurückgefunden.", "Pink Floydrick"),
        draft("Hier spielten die frühen Pink Floydrick ihre ersten Konzerte.", "Floydrick"),
    ]
    registry = Registry.build(drafts, {})
    assert registry.resolve(drafts[0])[0][1] == "Lorna Floydrick"
    assert "Lorna Floydrick" not in {person for _, person in registry.resolve(drafts[3])}


def test_a_historical_figure_is_no_short_form_of_a_later_bearer_of_the_name() -> None:
    """ "Martin Luther" (the reformer, ``famous_family_names_de.txt``) is a person of his own, not the short form
    of the run's "Martin Luther King"; a two-word name that no list knows still is ("Tedros Adhanom")."""
    texts = [
        "Der Bürgerrechtler Martin Luther King hielt 1963 seine Rede. King sprach vom Traum.",
        "Martin Luther King wurde 1968 ermordet. Martin Luther King bleibt ein Vorbild.",
        "Martin Luther schlug 1517 seine Thesen an. Wie Martin Luther schrieb, ist der Mensch frei.",
        "Der Lehrer Harald Bertram Quandt sagte das. Harald Bertram Quandt lachte.",
        "Harald Bertram Quandt warnte. Wie Harald Bertram sagte, bleibt alles anders.",
    ]
    found = [set(e.persons) for e in EntityExtractor().extract_many(texts)]
    assert found[2] == {"Martin Luther"}
    assert found[0] == found[1] == {"Martin Luther King"}
    assert found[4] == {"Harald Bertram Quandt"}


def test_russian_given_names_are_given_names_and_their_list_holds_no_words() -> None:
    """ "Wie antwortet Alexej auf das Medikament" (a son) was the Alexej Nawalny of other articles: "Alexej" was
    in no list, so the rule that a given name alone names nobody from elsewhere
    (``test_entity_evidence.py::test_a_given_name_alone_names_nobody_known_from_elsewhere``) did not see it.
    Source 5 of ``first_names.SOURCE.md`` adds Russia's, Belarus's and Ukraine's given names, but no word."""
    from search.enrich.entities.lexicon import first_names

    assert {"Alexej", "Alexei", "Dmitri", "Swetlana", "Jewgeni", "Oleg", "Daniil"} <= first_names()
    assert not {"German", "Roman", "Semen", "Novel", "Nail", "Ala"} & first_names()


def test_a_role_compound_before_a_name_at_a_sentence_start_marks_the_name() -> None:
    """ "Biontech-Finanzvorstand Sierk Poetting sagte" (a screenshot's miss): the model reads the role as a place
    and nothing after it; a role of ``person_cues_de.txt`` in the compound marks the name."""
    ex = EntityExtractor()
    text = "Mainz-Finanzvorstand Sierk Bollmeyer sagte, die Produktion laufe."
    assert set(ex.extract(text).persons) == {"Sierk Bollmeyer"}
    text = "Landesrabbiner Schmuel Oyrech schrieb auf Twitter, er sei entsetzt."
    assert set(ex.extract(text).persons) == {"Schmuel Oyrech"}
    # a role that is a family name too is no cue ("blickt Christoph Stürmer vom Beratungsunternehmen")
    text = "Das Jahr wird schwach, blickt Christoph Stürmer vom Beratungsunternehmen voraus."
    assert set(ex.extract(text).persons) == {"Christoph Stürmer"}


def test_a_sports_club_named_like_a_person_is_no_person() -> None:
    """ "Alba Berlin" (a basketball club, 12 wrong articles in the 19th review's top 100) and "Viktoria Pilsen"
    look like a given name and a family name; "Carl Zeiss" right before "Jena" is the club too
    (``sports_clubs_de.txt``). Irving Berlin and the optician Carl Zeiss stay persons."""
    ex = EntityExtractor()
    text = "Das Spiel gegen Alba Berlin endete 80:75. Viktoria Pilsen verlor, Carl Zeiss Jena gewann."
    assert set(ex.extract(text).persons) == set()
    # spans that start with a club of the article (a label glued on: seen in a screenshot of seed 35)
    text = "Alba Berlin gewann. Alba Tabellenvierter bleibt oben. Alba Berlin das Kitaprojekt läuft."
    assert set(ex.extract(text).persons) == set()
    text = (
        "Der Komponist Irving Berlin schrieb das Lied. Der Optiker Carl Zeiss gründete 1846 eine Werkstatt."
    )
    assert set(ex.extract(text).persons) == {"Irving Berlin", "Carl Zeiss"}


def test_a_role_before_its_actor_in_brackets_is_no_person() -> None:
    """ "Der getreue Schiffsarzt Doktor Sander (Nick Wilder)" was Bernie Sanders, known from other articles, in
    two reviews: a name before a full name in brackets is a character and its actor; the actor is the person.
    Only in an article with a word of the screen; a party or an age in brackets changes nothing."""
    text = "Am Abend ermittelt wieder Kommissar Quendler (Jörg Hartmann). Die Serie ist spannend."
    assert with_known("Quendler", text) == [("Jörg Hartmann", "Jörg Hartmann")]
    # no word of the screen: the brackets hold another name of the person ("Lin Dajun (Jun Dong)")
    text = "Ein Musiker, Lin Quendler (Jun Dong), veröffentlichte das Video."
    assert ("Lin Quendler", "Lin Quendler") in with_known("Quendler", text)
    text = "Die Ministerin Quendler (CDU) sagte das. Quendler (54) lachte. Lorna Quendler (Quendler Media) lud ein."
    assert with_known("Quendler", text) == [
        ("Quendler", "Lorna Quendler"),
        ("Quendler", "Lorna Quendler"),
        ("Lorna Quendler", "Lorna Quendler"),
        ("Quendler", "Lorna Quendler"),
    ]


def test_the_word_after_a_monarchs_title_is_a_royals_given_name() -> None:
    """ "ein Neffe des belgischen Königs Philippe" was the French prime minister Édouard Philippe of other
    articles: after a monarch's title (``royal_titles_de.txt``) the word is a royal's given name."""
    aliases = [
        "Premierminister Lucien Valmorel sagte das. Valmorel lachte.",
        "Lucien Valmorel warnte. Valmorel sagte, es reiche.",
    ]
    texts = [
        *aliases,
        "Der Prinz ist ein Neffe des belgischen Königs Valmorel.",
        "Premier Valmorel sagte das.",
    ]
    found = [set(e.persons) for e in EntityExtractor().extract_many(texts)]
    assert found[2] == set()
    assert found[3] == {"Lucien Valmorel"}


def test_a_newspaper_named_like_a_person_is_no_person() -> None:
    """ "Sunday Telegraph" was a person chip in a screenshot of the seed-35 sample: newspaper words
    (``non_person_heads.txt``) end no person's name; a journalist called Herald still is one."""
    ex = EntityExtractor()
    text = "Das berichtete der Sunday Telegraph am Freitag. Die Chicago Tribune schrieb das auch."
    assert set(ex.extract(text).persons) == set()
    assert set(ex.extract("Der Journalist Boris Herald schrieb das.").persons) == {"Boris Herald"}


def test_a_family_name_in_a_list_with_a_head_of_state_of_the_past_is_of_that_past() -> None:
    """Seeds 35 and 37: "unter Kennedy und Johnson", "Truman, Kennedy, Johnson, Carter und Clinton" and
    "Johnson, Bush, Nixon haben gelogen" were Boris Johnson, known from other articles; they are Lyndon B.
    Johnson. "Trump und Johnson" is the Johnson of today, and so is a name beside "Kennedy Jr."."""
    assert with_known("Quastler", "Er diente unter Kennedy und Quastler als Berater.") == []
    assert with_known("Quastler", "Die Präsidenten Truman, Kennedy, Quastler und Carter logen.") == []
    assert with_known("Quastler", "Quastler, Bush, Nixon haben gelogen, sagte er.") == []
    today = ("Quastler", "Lorna Quastler")
    assert with_known("Quastler", "Lieber von Merkel als von Trump und Quastler regiert.") == [today]
    assert with_known("Quastler", "Schmeißt doch Quastler und Kennedy Jr. aus Berlin raus!") == [today]


def test_a_womans_role_before_a_family_name_is_no_man_known_from_elsewhere() -> None:
    """Seed 37: "Konzernchefin Merz" (Martina Merz of Thyssenkrupp) was Friedrich Merz, known from other
    articles. A role in its feminine form never goes before a man's name; a woman of the name takes it."""
    known = [
        "Der Minister Friedrich Quastberg sprach im Bundestag. Quastberg sagte, er sei dagegen.",
        "Friedrich Quastberg traf Unternehmer. Quastberg fordert Entlastungen.",
    ]

    def spans(text: str) -> list[tuple[str, str]]:
        return per_spans(text, list(EntityExtractor().extract_many([*known, text]))[-1])

    assert spans("Die Konzernchefin Quastberg legte am Montag Zahlen vor.") == []
    assert spans("Der Minister Quastberg legte am Montag Zahlen vor.") == [
        ("Quastberg", "Friedrich Quastberg")
    ]
    assert with_known("Quastberg", "Die Ministerin Quastberg legte Zahlen vor.") == [
        ("Quastberg", "Lorna Quastberg")
    ]


def test_a_family_name_several_persons_of_the_news_share_names_nobody_alone() -> None:
    """Seed 39: "Clinton war sich bewusst" and "in der Clinton-Regierung" (Bill Clinton's) were Hillary
    Clinton, whom the run's other articles name more often. "Clinton" alone names no person known from
    elsewhere (``shared_family_names.txt``); the article's own full name still takes it."""
    assert with_known("Clinton", "Unter der Regierung war sich Clinton der Lage bewusst.") == []
    own = "Die Polizistin Lorna Clinton kam. Dann sagte Clinton, sie sei zufrieden."
    assert with_known("Clinton", own) == [("Lorna Clinton", "Lorna Clinton"), ("Clinton", "Lorna Clinton")]


def test_a_name_before_a_top_level_domain_is_a_web_site() -> None:
    """Seed 39: "das Portal „Heise.de“" was Norman Heise, known from other articles."""
    assert with_known("Quastler", "Das berichtet das Portal Quastler.de am Montag.") == []
    assert with_known("Quastler", "Das berichtet Quastler. De facto stimmt es.") == [
        ("Quastler", "Lorna Quastler")
    ]


def test_a_musicians_role_marks_the_word_after_it_as_a_given_name() -> None:
    """Seed 39: "Songwriter Rivers Cuomo" (of the band Weezer) was Andrew Cuomo: "Rivers" is in no given-name
    list and a family name of the run (Joan Rivers), so only a role before it shows it is a given name here,
    and "Songwriter" was no role."""
    from search.enrich.entities.context import named_otherwise

    text = "Die Band um den entscheidungsschwachen Songwriter Rivers Quastler hat ihr Album fertig."
    s = text.index("Quastler")
    assert named_otherwise(text, s, "Quastler", {"Lorna", "Quastler"}, {"Quastler", "Rivers"}, {"Lorna"})


def test_a_given_name_before_a_nickname_in_quotes_is_another_persons() -> None:
    """Seed 41: 'Earvin "Magic" Johnson' (the basketball player), later "schrieb Johnson", was Boris Johnson,
    known from other articles: a given name and a quoted nickname before the family name make it another
    person's, also a given name the lists miss; a role in front does not ("Premierminister „Boris“")."""
    assert (
        with_known("Quastler", 'Earvin "Magic" Quastler wechselt. Dann schrieb Quastler auf Twitter.') == []
    )
    spans = with_known("Quastler", "Die Ministerin „Lorna“ Quastler kam. Dann sagte Quastler etwas.")
    assert ("Quastler", "Lorna Quastler") in spans

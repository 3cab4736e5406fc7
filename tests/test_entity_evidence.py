"""What other articles may teach about a name, and what not (issue 13, the persons of the first 10,000
FANG-COVID articles): a one-off glued "person" ("Anja Karliczek Biontech") spread to every article naming the
company, "Pravda" (a news site) was a byline's person in 536 articles, "Christian Heinrich Drosten" split
Christian Drosten in two, a byline ran on into the next line.
Made-up names on sentences written for the tests."""

from __future__ import annotations

from collections import Counter

from search.enrich.entities.context import in_organisation, named_otherwise
from search.enrich.entities.extractor import EntityExtractor
from search.enrich.entities.keys import hyphen_made, without_middle_name
from search.enrich.entities.late import RunPersons, learn_article
from search.enrich.entities.lexicon import noun_use, speech_marked
from search.enrich.entities.mentions import Draft, Mention
from search.enrich.entities.names import person_key
from search.enrich.entities.registry import Registry

#: Two articles that name "Christian Quindner" in full and call him "Quindner": what other articles learn.
QUINDNER_NAMED_IN_FULL = [
    "Der Minister Christian Quindner sprach im Bundestag. Quindner sagte, er sei dagegen.",
    "Christian Quindner traf Unternehmer. Quindner fordert Entlastungen.",
]


def persons_of(texts: list[str]) -> list[dict[str, int]]:
    """Each text's persons, extracted together (as one batch of a reindex)."""
    return [r.persons for r in EntityExtractor().extract_many(texts)]


def per_spans(text: str, ents) -> list[tuple[str, str]]:
    return [(text[s:e], name) for s, e, kind, name in ents.spans if kind == "PER"]


def test_only_an_article_that_writes_the_full_name_teaches_it() -> None:
    """An article that calls a person only by a word (resolved from what earlier articles taught) teaches
    neither the full spelling nor the word again: else one glued model span reinforces itself."""
    known: dict[str, Counter] = {}
    support: Counter = Counter()
    learn_article(known, support, {"Hanna Quertel Zebratec": ["Zebratec"]})
    assert not known and not support
    learn_article(known, support, {"Hanna Quertel Zebratec": ["Hanna Quertel Zebratec", "Zebratec"]})
    assert known == {"hanna quertel zebratec": Counter({"Hanna Quertel Zebratec": 1})}
    assert support == Counter({("Zebratec", "hanna quertel zebratec"): 1})
    # the persons of an index stand for as many articles as named them
    learn_article(
        known, support, {"Jolka Brennhuber": ["Jolka Brennhuber", "Brennhuber"]}, {"Jolka Brennhuber": 7}
    )
    assert support[("Brennhuber", "jolka brennhuber")] == 7


def _registry(bare_articles: int, word_articles: int | None) -> Registry:
    """A person named in full and called "Zebrowski" alone by ``bare_articles`` articles, the word written
    in ``word_articles`` articles of the run (None: not counted)."""
    known = {"quirin zebrowski": Counter({"Quirin Zebrowski": bare_articles})}
    support = Counter({("Zebrowski", "quirin zebrowski"): bare_articles})
    counts = None if word_articles is None else Counter({"Zebrowski": word_articles})
    return Registry.build([], {}, known, support, counts)


def test_a_word_most_articles_use_without_the_person_names_nobody_from_elsewhere() -> None:
    """The family name alone is a reference to the person in other articles only where enough of the
    articles writing it name the person in full (a news site or a company that shares the word is not)."""
    assert _registry(4, None)._corpus_references().get("Zebrowski") == "quirin zebrowski"
    assert _registry(4, 40)._corpus_references().get("Zebrowski") == "quirin zebrowski"
    assert "Zebrowski" not in _registry(4, 400)._corpus_references()
    # one article is never enough, however rare the word
    assert "Zebrowski" not in _registry(1, 1)._corpus_references()


def test_a_middle_name_few_articles_write_is_the_established_person() -> None:
    """One article's "Torben Henrik Quaas" is the Torben Quaas of four others (one person, their spelling);
    where the full name is the established one, the short one is it."""
    short = [
        f"Der Forscher Torben Quaas sagte am {day}, die Lage sei ernst. Quaas warnte."
        for day in ("Montag", "Dienstag", "Mittwoch", "Donnerstag")
    ]
    full = "Der Forscher Torben Henrik Quaas sagte, die Lage sei ernst. Quaas warnte."
    found = list(EntityExtractor().extract_many([*short, full]))
    assert found[-1].persons == {"Torben Quaas": 2}, found[-1]
    assert all(list(f.persons) == ["Torben Quaas"] for f in found)
    texts = [full.replace("sagte", f"sagte am {day}") for day in ("Montag", "Dienstag", "Mittwoch")]
    found = list(EntityExtractor().extract_many([*texts, short[0]]))
    assert list(found[-1].persons) == ["Torben Henrik Quaas"], found[-1]


def test_a_byline_ends_at_its_line() -> None:
    """ "Von Lene Quastberg" above a line with a region is the author, not "Lene Quastberg Schleswig-Holstein"."""
    text = "Was ist erlaubt?\nVon Lene Quastberg \n Schleswig-Holstein \n Hier gibt es die wenigsten Fälle."
    ents = EntityExtractor().extract(text)
    assert ents.persons == {"Lene Quastberg": 1}, ents.persons


def test_junior_after_a_full_name_is_the_son() -> None:
    """ "Torben Henrik Quaas junior" is the son, as "Torben Quaas Jr." is: the word is part of the name, folds
    to the same key without the middle name, and does not make the father of the same name."""
    ents = EntityExtractor().extract("Der Anwalt Torben Henrik Quaas junior sprach in Berlin. Quaas lachte.")
    assert list(ents.persons) == ["Torben Henrik Quaas junior"], ents.persons
    key = person_key("Torben Henrik Quaas junior")
    assert without_middle_name(key) == person_key("Torben Quaas Jr.") == "torben quaas jr"
    assert without_middle_name(person_key("Torben Henrik Quaas")) == person_key("Torben Quaas")


def test_a_name_ending_in_an_institute_is_no_person() -> None:
    """Also where the model's span runs on past the institute and the trailing noun is cut off afterwards
    (as in 8 of 8 real FANG-COVID articles that had the person "Robert Koch-Institut")."""
    text = "Wir bekommen mehrmals am Tag von den Ämtern und\ndem Robert Koch-Institut Updates und die neuesten Zahlen."
    assert EntityExtractor().extract(text).persons == {}


def test_nouns_after_a_role_word_are_no_person() -> None:
    """ "als Finanzminister Milliarden Euro an Staatshilfe": a role word before two nouns made the person
    "Milliarden Euro" (36 of 2,000 real FANG-COVID articles, then every article writing the amount); a real
    name after a role stays, also one the given-name list lacks."""
    text = (
        "Und so ist es jetzt in der Krise, wo er als Finanzminister Milliarden Euro an Staatshilfe verteilt."
    )
    assert EntityExtractor().extract(text).persons == {}
    named = EntityExtractor().extract("Das sagte Hauptgeschäftsführer Gerd Quastenberg am Montag in Berlin.")
    assert list(named.persons) == ["Gerd Quastenberg"], named.persons


def test_so_after_a_word_is_no_verb_of_saying() -> None:
    """ "so Drosten" marks a name, but in "Ist Corona so etwas wie …" the "so" after the word marked "Corona" as
    a name: it then became the one person of the run with that given name ("Corona Kirschbauer", in 26
    mentions of another real article)."""

    def marked(text: str, word: str) -> bool:
        s = text.index(word)
        return speech_marked(text, s, s + len(word))

    assert marked("Das sei falsch, so Quastberg am Montag.", "Quastberg")
    assert marked("Quastberg sagte am Montag, das sei falsch.", "Quastberg")
    assert not marked("Ist Corona so etwas wie ein neuer Krieg?", "Corona")


def test_a_place_or_institution_after_a_given_name_is_no_person() -> None:
    """ "Stanford University", "Pearl Harbor", "Christopher Street Day" start with a word of the given-name list;
    their heads are no part of any person's name (``!`` in non_person_heads.txt). Names ending in a word that
    is such a head only elsewhere stay persons."""
    extract = EntityExtractor().extract
    assert extract("Ioannidis lehrt an der renommierten Stanford University in Kalifornien.").persons == {}
    assert extract("Der Angriff auf Pearl Harbor am 7. Dezember 1941 war ein Schock.").persons == {}
    assert extract("In Schöneberg beginnt ein Protest zum Christopher Street Day.").persons == {}
    assert extract("Auch Aldi Nord und Aldi Süd animieren ihre Kunden.").persons == {}
    # company and club words (a 3,000-article sample had "Fosun Pharma", a review "Janssen-Cilag International"
    # and "Augusta National" as persons)
    for sentence in (
        "Das Mittel liefert Harald Pharma aus Kiel an die Kliniken.",
        "Die Studie bezahlte Gerald International mit Sitz in Basel.",
        "Den Flug bot Gordon Airlines ab Montag wieder an.",
        "Laut Harvey Motors sinkt der Absatz.",
        "Im Augusta National spielte der Favorit am Sonntag.",
        # a place or ship named after a person, its word before the name (non_person_heads.txt, "<" lines)
        "Wir landeten pünktlich am Flughafen Gerald Quastberg in Neustadt.",
        "Der Flugzeugträger Harald Quastberg lief am Montag aus.",
    ):
        assert extract(sentence).persons == {}, sentence
    assert extract("Am Flughafen begrüßte Gerald Quastberg die Gäste.").persons == {"Gerald Quastberg": 1}
    assert extract("Gekommen waren Ricki Lake und Michael Bay.").persons == {
        "Ricki Lake": 1,
        "Michael Bay": 1,
    }


def test_professions_are_roles_and_country_names_no_persons() -> None:
    """ "Virologe Christian Drosten" was a person of its own (5 of 3,000 random FANG-COVID articles), "Landrat
    Löwl" and "Staatsepidemiologe Tegnell" too: professions are role words (person_cues_de.txt), never part of
    the name, and a role right before the model's span vouches for a first word that is also a common word
    ("Anders"). "Sierra Leone" and "Hong Kong" are countries, not persons."""
    extract = EntityExtractor().extract
    assert extract("Unterdessen erklärt Virologe Christian Drosten abwartender.").persons == {
        "Christian Drosten": 1
    }
    assert extract("Das sagte die Epidemiologin Hanna Quertel am Montag.").persons == {"Hanna Quertel": 1}
    tegnell = extract(
        "Bereits zuvor hatte der Staatsepidemiologe Anders Tegnell gewarnt. Tegnell blieb dabei."
    )
    assert tegnell.persons == {"Anders Tegnell": 2}, tegnell.persons
    # a screenshot of real results showed "Jurorin Insa Wilke" (10 FANG-COVID articles name a "Juror")
    jury = extract("Es lobten Juror Hubert Quellbrink und Jurorin Insa Quelke den Text.").persons
    assert jury == {"Hubert Quellbrink": 1, "Insa Quelke": 1}, jury
    assert extract("Als ich 2015 in Sierra Leone gegen Ebola im Einsatz war, half das.").persons == {}
    assert extract("Die Sonderbeziehungen der USA zu Hong Kong enden.").persons == {}


def test_a_role_glued_to_the_name_ships_and_companies_spelled_apart() -> None:
    """ "freie AutorinMascha Jacobs" (a lost line break, in a newsletter's list of authors of 6 of 3,000 real
    articles) is Mascha Jacobs; "Diamond Princess" is a ship; "Astra Zeneca" is no person once articles of the
    run write it as one word ("AstraZeneca")."""
    extract = EntityExtractor().extract
    glued = extract("Dabei waren Tom Quastberg und die freie AutorinMascha Jacobs, Journalistin.").persons
    assert glued == {"Tom Quastberg": 1, "Mascha Jacobs": 1}, glued
    assert extract("Die AutorInnen Anna Quertel und Tom Quastberg schrieben das.").persons == {
        "Anna Quertel": 1,
        "Tom Quastberg": 1,
    }
    assert extract("Das Kreuzfahrtschiff Diamond Princess lag vor Yokohama.").persons == {}
    # through the extractor, with the run's word counts as a worker gets them
    extractor = EntityExtractor()
    text = "Die Lieferungen von Quastra Zenetec verzögern sich. Quastra Zenetec liefert weniger."
    assert extractor.extract(text).persons == {"Quastra Zenetec": 2}  # a person as far as the text tells
    extractor.word_counts = Counter({"QuastraZenetec": 40, "HannaQuertel": 2})
    assert extractor.extract(text).persons == {}
    named = extractor.extract("Hanna Quertel lacht. Hanna Quertel ging.").persons
    assert named == {"Hanna Quertel": 2}, named  # written joined in too few articles
    # at the end of a run, with all its counts (the seed-21 review found "Astra Zeneca" among the top 100:
    # the workers that analysed it had started before the run had counted the joined word)
    spans = [[s, s + 15, "PER", "Quastra Zenetec"] for s in (20, 52)]
    ents = {
        "persons": {"Quastra Zenetec": 2},
        "aliases": {"Quastra Zenetec": ["Quastra Zenetec"]},
        "spans": spans,
    }
    run = RunPersons()
    run.learn({"Quastra Zenetec": ["Quastra Zenetec"]})
    for _ in range(3):
        run.count_words("QuastraZenetec liefert.")
    assert run.resolve(ents, text, {})["persons"] == {}
    # but a person named in full more often than the run writes the name as one word ("#JoeBiden") stays
    run = RunPersons()
    for _ in range(5):
        run.learn({"Quastra Zenetec": ["Quastra Zenetec"]})
    for _ in range(3):
        run.count_words("#QuastraZenetec liefert.")
    assert run.resolve(ents, text, {}) is None
    # "Johnson and Johnsons Impfstoffstudie": the company's genitive
    text = "aus Quindner and Quindners Impfstoffstudie"
    assert in_organisation(text, 4, 12) and in_organisation(text, 17, 26)


def test_a_hyphenated_family_name_has_no_middle_name() -> None:
    """Person keys write "Nils Busch-Petersen" as three words, and the middle-name rule made him the run's
    Nils Petersen (a footballer; 2 articles of 3,000 random FANG-COVID ones), or the footballer him: the
    half of a hyphenated name is no middle name, in either direction."""
    texts = [
        "Der Stürmer Nils Quastberg traf zweimal. Nils Quastberg jubelte.",
        "Nils Brenn-Quastberg vom Handelsverband sagte das.",
        "Der Handelsverband: Nils Brenn-Quastberg warnte.",
    ]
    found = persons_of(texts)
    assert found == [{"Nils Quastberg": 2}, {"Nils Brenn-Quastberg": 1}, {"Nils Brenn-Quastberg": 1}], found
    key = person_key("Nils Brenn-Quastberg")
    assert hyphen_made("Nils Brenn-Quastberg", key)
    assert not hyphen_made("Torben Henrik Quaas", person_key("Torben Henrik Quaas"))


#: Two articles that name Elon Quaskon in full and call him "Quaskon" alone: a person known from elsewhere.
QUASKON = [
    "Tesla-Chef Elon Quaskon kündigte ein Werk an. Quaskon sagte, es gehe schnell.",
    "Der Unternehmer Elon Quaskon twitterte wieder. Quaskon will zum Mars.",
]


def test_a_given_name_alone_names_nobody_known_from_elsewhere() -> None:
    """ "die der User Michel … schreibt Michel" (a Telegram user in a real article) became the EU's Charles
    Michel, known from other articles: a word that is a given name of several persons of the run names no
    person from elsewhere by a verb of saying alone; "Akne Kid Joe" (a band) was Joe Biden. A family name
    that is nobody's given name still does ("schreibt Quaskon")."""
    texts = [
        "Der Sänger Dietrich Quaas trat auf. Quaas sang.",
        "Der Maler Dietrich Brenntal stellte aus. Brenntal malt.",
        "Die Rede von Tobias Dietrich war lang. Dietrich sagte, der Gipfel sei gut.",
        "Ein zweiter Gipfel. Tobias Dietrich lud ein, Dietrich sagte nichts.",
        *QUASKON,
        "Die Liste stammt vom User Dietrich, schreibt Dietrich an die Gruppe.",
        "Die Liste stammt vom User Quaskon, schreibt Quaskon an die Gruppe.",
    ]
    found = persons_of(texts)
    assert found[6] == {}, found[6]
    assert found[7] == {"Elon Quaskon": 2}, found[7]


def test_an_adjective_without_an_article_goes_with_a_common_noun() -> None:
    """ "Samples klassischer arabischer Musk" (a typo for Musik, in a real article) was Elon Musk, known from
    other articles: German puts an article before an adjective and a person's name ("ein sichtlich genervter
    Spahn", "die 30-jährige Raue"), so an inflected adjective without one goes with a common noun ("flüssiges
    Meth"); "zwischen" is no adjective."""

    def noun(text: str, word: str) -> bool:
        return noun_use(text, text.index(word))

    assert noun("Samples klassischer arabischer Quaskon. Zenji", "Quaskon")
    assert noun("Die Ermittler fanden 148 Liter flüssiges Meth.", "Meth")
    assert not noun("Das sagte ein sichtlich genervter Quaskon am Montag.", "Quaskon")
    assert not noun("Viele sind wie die 30-jährige Quertel gut ausgebildet.", "Quertel")
    assert not noun("Der „spanische Quaskon“ betonte das.", "Quaskon")
    assert not noun("Der Vertrag zwischen Quaskon und dem Land.", "Quaskon")
    texts = [
        *QUASKON,
        "Das klingt nicht schräger als Samples klassischer arabischer Quaskon. Zenji nickt.",
        "Die Welt von Quaskon ist voller Raketen.",
    ]
    found = persons_of(texts)
    assert found[2:] == [{}, {"Elon Quaskon": 1}], found


def test_a_nouns_von_is_no_particle() -> None:
    """ "das internationale Ansehen von Bill und Melinda Gates", "die Kampagne von Biden", "Fälle von
    Coronavirus" (25 mentions in one real article), "Stimmen von USB-Sticks" were persons: before "von" a
    common German noun is no given name, so its "von" is a preposition; "Beatrix von Storch" stays."""
    extract = EntityExtractor().extract
    found = extract("Zugleich wächst das internationale Ansehen von Quastbert und Hanna Quertel weiter.")
    assert found.persons == {"Hanna Quertel": 1}, found.persons
    assert (
        extract("Es gab viele Fälle von Coronavirus im Heim. Fälle von Coronavirus meldet das Amt.").persons
        == {}
    )
    named = extract("Die Politikerin Hanna von Quertel sagte das am Montag.").persons
    assert named == {"Hanna von Quertel": 1}, named


def test_a_name_in_the_genitive_before_a_noun_is_the_name() -> None:
    """ "erklärt Spahns Ministerium", "als Floyds Sarg in die Kirche gebracht wurde", "Noltes Thesen" were
    persons of their own (23 of 3,000 real FANG-COVID articles): where the article writes the name without
    its genitive "s" too, the common noun after it is not part of the name."""
    text = (
        "Gesundheitsminister Hanno Quertel will Antikörper kaufen. Das Institut hat dennoch grünes Licht "
        "gegeben, erklärt Quertels Ministerium. Die Bundesregierung hat bestellt."
    )
    assert EntityExtractor().extract(text).persons == {"Hanno Quertel": 2}


def test_english_titles_bands_and_labels_are_no_persons() -> None:
    """ "Pray For Paris" (an album), "The Sun", "Love Came To Kill Us", "Warner Music", "Lehman Brothers" were
    persons in real FANG-COVID articles: a capitalised English function word or such a head is in no name;
    "Moon Jae In" keeps its "In"."""
    extract = EntityExtractor().extract
    assert extract("Westside Quasten: Pray For Paris (Griselda/Warner). Guter alter Rap.").persons == {}
    assert extract("Auf dem Album Love Came To Kill Us singt sie.").persons == {}
    assert extract("Das Label Warner Music meldet Gewinne.").persons == {}
    assert extract("Der Präsident Moon Jae In sagte das.").persons == {"Moon Jae In": 1}


def test_an_author_of_a_reference_list_with_another_initial_is_someone_else() -> None:
    """ "11: Lambrecht, B., Hammad, H. The immunology …" (a reference list in a real article) was the minister
    Christine Lambrecht, known from other articles: a family name with another first initial after it is
    another person."""
    texts = [
        "Die Ministerin Christine Quambrecht sagte das am Montag. Quambrecht will handeln.",
        "Christine Quambrecht legte einen Entwurf vor. Quambrecht sagte, er sei fertig.",
        "Quellen: 11: Quambrecht, B., Hammad, H. The immunology of the allergy epidemic. Nature 2010.",
        "Quellen: 12: Quambrecht, C., Hammad, H. Ein Kommentar. Recht 2010.",
    ]
    found = persons_of(texts)
    assert "Christine Quambrecht" not in found[2], found
    assert found[3] == {"Christine Quambrecht": 1}, found


def test_a_family_in_a_list_of_plurals_is_no_person_whose_genitive_was_learned() -> None:
    """ "Die Könige, Rothschilds, Bushs, Rockefellers und Jesuiten" (a real article) was George W. Bush: the
    plural was let through as the name of a person ending in s ("Harris") because an article had written
    "George W. Bushs" in full. A name that ends in s stays one."""
    texts = [
        "Der Präsident George W. Quush sprach am Montag. Quush sagte, er sei zufrieden.",
        "George W. Quush reiste nach Texas. Quush traf dort Unterstützer.",
        "Unter George W. Quushs Regierung begann der Krieg. Quush blieb dabei.",
        "Die Könige, Rothschilds, Quushs, Rockefellers und Jesuiten stehen nicht im Gesetz.",
        "Die Vizepräsidentin Kamala Quarris sprach in Ohio. Quarris sagte, sie kämpfe weiter.",
        "Kamala Quarris traf Wähler. Quarris und Biden warben um Stimmen.",
    ]
    found = persons_of(texts)
    assert found[2] == {"George W. Quush": 2}, found
    assert "George W. Quush" not in found[3], found
    assert found[5].get("Kamala Quarris") == 2, found  # "Quarris und Biden": her name, no plural


def test_genitives_before_an_adjective_or_after_a_noun_are_no_family_plural() -> None:
    """Once "Bushs" of a learned genitive spelling is checked as a plural, genitives must not be taken for
    one: "Merkels und Spahns ureigenes Verdienst", "die Trumps eigene Gesundheitsbehörde", "die Politik
    Merkels, Söders & Co." (real articles: each lost a person so)."""
    teach = [
        "Die Kanzlerin Hanna Querkel sprach am Montag. Querkel sagte, die Lage sei ernst.",
        "Hanna Querkel reiste nach Paris. Querkel traf dort den Präsidenten.",
        "In Hanna Querkels Rede ging es um die Lage. Querkel blieb dabei.",
    ]
    texts = [
        *teach,
        "Die Zahlen sind gut – Querkels und Spahns ureigenes Verdienst, sagen Kritiker.",
        "Für die Toten, die Querkels eigene Behörde zählte, gab es keinen Trost.",
        "Die verantwortungslose Politik Querkels, Söders & Co. wird kritisiert.",
        "Die Kritiker nennen die Querkels, Rockefellers und Rothschilds in einem Atemzug.",
    ]
    found = persons_of(texts)
    assert all(found[i].get("Hanna Querkel") == 1 for i in (3, 4, 5)), found
    assert "Hanna Querkel" not in found[6], found


def test_a_square_and_a_company_written_with_hyphens_are_no_person() -> None:
    """ "auf dem Roßmarkt, dem Goethe- und dem Rathenauplatz" was Goethe and "Johnson-&-Johnson-Impfstoff"
    Boris Johnson (an independent review of 3,000 real FANG-COVID articles): a truncated part shares the head
    of the compound after it also when that is written as one word after an article; "&" in a hyphenated
    compound makes a company."""
    texts = [
        "Der Premier Boris Quohnson sprach in London. Quohnson sagte, die Lage sei ernst.",
        "Boris Quohnson traf die Königin. Danach erklärte Quohnson, man habe sich geeinigt.",
        "Die Kundgebung auf dem Roßmarkt, dem Quohnson- und dem Rathenauplatz wurde aufgelöst.",
        "Der Quohnson-&-Quohnson-Impfstoff steht kurz vor der Zulassung in der EU.",
        "Auch Quohnson äußerte sich am Abend dazu.",
    ]
    found = persons_of(texts)
    assert found[2:] == [{}, {}, {"Boris Quohnson": 1}], found


def test_a_function_word_or_a_compound_of_the_given_name_is_no_further_mention() -> None:
    """Once an article names "Al Quorndorf", "Als" (a conjunction that looks like the genitive of "Al") and
    "Al-Qaida" (a compound whose first part is his given name) are not him; his family name alone is (in
    real FANG-COVID articles: "Als dann der Demokrat ..." and "Al-Qaida" were Al Gore, "Des einen Privileg"
    a "De Bolle", "John-F.-Kennedy-Institut" a John Adams, "Corona-Krise" a "Corona Kirschbauer")."""
    text = (
        "Al Quorndorf verlor die Wahl. Als dann die Richter entschieden, schwieg Quorndorf. "
        "Die Al-Qaida-Kämpfer jubelten, und die Quorndorf-Kampagne war am Ende."
    )
    person = "al quorndorf"
    reg = Registry.build([], {}, {person: Counter({"Al Quorndorf": 3})}, Counter(), None)
    found = [(Mention(0, 12, "Al Quorndorf", "model"), person)]
    more = reg._propagate(Draft(text), found, {person: Counter()})
    assert [(m.surface, p) for m, p in more] == [("Quorndorf", person), ("Quorndorf", person)]


def test_a_dash_glued_to_a_name_is_not_part_of_it() -> None:
    """ "Erdogan and Viktor Orbán– you'll realize" (a real article, a space lost before the dash) left only
    "Viktor" of the person: the dash is a token of its own; a dash inside a compound stays."""
    extract = EntityExtractor().extract
    assert extract("Der Präsident Emmanuel Quacron– wie immer – lächelte.").persons == {"Emmanuel Quacron": 1}
    assert extract("Die Regierung von Hanna Quertel– so heißt es – plant das.").persons == {
        "Hanna Quertel": 1
    }


def test_a_name_twice_around_and_is_no_person_from_elsewhere() -> None:
    """ "der Pharmariese Johnson and Johnson (J&J)" was Boris Johnson (six times) in a real article: a company
    named twice."""
    texts = [
        "Premierminister Boris Quonson sprach am Montag. Quonson sagte, die Lage sei ernst.",
        "Boris Quonson traf die Königin. Quonson will Neuwahlen.",
        "Der Pharmariese Quonson and Quonson (Q&Q) meldet Gewinne. Quonson und Quonson zahlt Strafen.",
        "Quonson sagte am Dienstag, er wolle verhandeln.",
    ]
    found = persons_of(texts)
    assert found[0] == {"Boris Quonson": 2}, found
    assert found[2] == {}, found
    assert found[3] == {"Boris Quonson": 1}, found


def test_common_german_given_names_are_known_and_a_particles_article_ends_no_name() -> None:
    """ "dass Constanze Lindner beim Ankurbeln …" was Christian Lindner of other articles: the given-name list
    lacked Constanze (and Rainer, Udo, Uwe, Torsten, …; first_names.SOURCE.md, source 3), so nothing said that
    another person of that family name is meant. And "Walther von der" (a line break before "Vogelweide") is no
    name: "Vogelweide" is kept, the family name after "von der", though it ends in a noun; "Bodo Ramelow
    Moslems zu Ramadan" none either: an everyday word after a family name ends the name."""
    texts = [
        *QUINDNER_NAMED_IN_FULL,
        "Es schadet nicht, dass Constanze Quindner beim Eröffnungsabend auftritt. Quindner war gut gelaunt.",
        "Die Rede hielt Torsten Quandtberg, der Vorsitzende des Vereins.",
        "Zum Jubiläum: 800 Jahre Walther von der Vogelweide\nAuf der Suche nach dem Glück",
        "Was zu Ostern verboten war, erlaubt Bodo Quamelow Moslems zu Ramadan: Treffen in Moscheen.",
        "Die Vorsitzende des Gerichts, Hanna van den Berg, und der Fotograf kamen.",
    ]
    found = persons_of(texts)
    assert found[0] == {"Christian Quindner": 2}, found
    assert "Christian Quindner" not in found[2], found
    assert found[3] == {"Torsten Quandtberg": 1}, found
    assert found[4] == {"Walther von der Vogelweide": 1}, found
    # now that "Bodo" is a known given name, its sequence must end after the family name, not run on
    assert found[5] == {"Bodo Quamelow": 1}, found
    assert found[6] == {"Hanna van den Berg": 1}, found  # Dutch "van den": a name, "von den": a phrase


def test_given_names_common_in_germany_austria_switzerland_are_known() -> None:
    """ "Beate Schröder" of a real article was Gerhard Schröder of other articles: Beate, Lambert, Dominik,
    Katja, Oskar, … were in no list (first_names.SOURCE.md, source 4), so nothing said that another person of
    that family name is meant; "Stadtrat" (a city councillor) was no role word."""
    texts = [
        *QUINDNER_NAMED_IN_FULL,
        'Sie: "Ach, ich finde, mit Maske geht es!"\nGehört von Beate\nQuindner\nBiobaumwolle statt Tasche',
        "Gehört von Lambert\nQuindner\nEin Laden in der Altstadt verkauft Stoffe.",
        "„Das reicht nicht“, sagt Neuköllns Stadtrat Falko Quiecke (CDU), der viele Stellen schuf. Quiecke wartet.",
        "Im Matthäus Evangelium heißt es, man solle teilen.",
    ]
    found = persons_of(texts)
    assert found[0] == {"Christian Quindner": 2}, found
    assert "Christian Quindner" not in found[2], found
    assert "Christian Quindner" not in found[3], found
    # once "Falko" was known, the rest of the model's "Neuköllns Stadtrat Falko Quiecke" was a person of its own
    assert found[4] == {"Falko Quiecke": 2}, found
    assert found[5] == {}, found  # a gospel, now that "Matthäus" is a known given name


def test_a_cited_author_a_changed_name_and_a_stadium_are_no_person_from_elsewhere() -> None:
    """Seed-18 review: "(Preprint: Lindner et al., 2020)" and "(Johnson, 2011; …)" cite authors, "Mark
    Schröder (Name geändert)" is a private person the article calls "Schröder" seven times, "Estadio Ramón
    Sánchez Pizjuán" names a Ramón (the list has "Ramon"); each was the famous person of that family name
    known from other articles; so were the "Bonds" (Anleihen) of "Green Bonds" James Bond."""
    texts = [
        *QUINDNER_NAMED_IN_FULL,
        "Premierminister Pedro Quánchez sprach in Madrid. Quánchez sagte, das Land leide.",
        "Pedro Quánchez regiert seit 2018. Quánchez will Hilfen.",
        "Die Viruslast sinkt schneller (Preprint: Quindner et al., 2020). Das zeigen die Daten.",
        "Frühere Studien (Quindner, 2011; Meier, 2012) fanden das nicht. Das bleibt offen.",
        "Die schlechte Nachricht für Mark Quindner (Name geändert): Quindner muss zahlen, sagt er.",
        "Das Estadio Ramón Quánchez Pizjuán droht leer zu bleiben. Der Klub spart.",
        "Der Agent Jasper Bond rettet wieder die Welt. Bond trinkt Martini.",
        "Der neue Jasper Bond kommt ins Kino. Bond fährt schnell.",
        "Die EU könnte Kredite über Bonds (Anleihen) aufnehmen. Bonds sind gefragt.",
        "Die Ausgabe von Green Bonds wächst.",
        "Bonds Martini bleibt geschüttelt.",
    ]
    found = persons_of(texts)
    assert found[8] == {"Jasper Bond": 2}, found
    assert found[10] == {} and found[11] == {}, found  # English plurals, no genitive of Bond
    assert found[12] == {"Jasper Bond": 1}, found  # a genitive before its noun
    assert found[0] == {"Christian Quindner": 2}, found
    assert found[2] == {"Pedro Quánchez": 2}, found
    for i in (4, 5, 6, 7):
        assert "Christian Quindner" not in found[i] and "Pedro Quánchez" not in found[i], (i, found)


def test_a_shop_named_by_its_trade_and_owner_is_no_person_from_elsewhere() -> None:
    """ "zwischen Woolworth und Butter Lindner" (a Berlin grocery chain) was Christian Lindner twice in the
    seed-18 review: a trade word right before a family name names a shop (``<`` lines of
    non_person_heads.txt)."""
    texts = [
        *QUINDNER_NAMED_IN_FULL,
        "Die Schlange vor Butter Quindner war lang. Die Kunden warteten.",
        "Im Laden zwischen Woolworth und Möbel Quindner ist es leer.",
        "Am Montag besuchte Quindner die Messe.",
    ]
    found = persons_of(texts)
    assert found[2] == {} and found[3] == {}, found
    assert found[4] == {"Christian Quindner": 1}, found
    # seed-19 review: "Dem Weingut Sander aus Rheinhessen" was Bernie Sanders (resolved at the end of a run,
    # through the same test of the words around a one-word name)
    # seed-34 review: "im Café Mozart" (a Viennese café) was the composer
    for text in (
        "Dem Weingut Quander aus Rheinhessen fehlen Helfer.",
        "Die Brauerei Quander braut Bier.",
        "Wir trafen uns im Café Quander in Wien.",
        "Das Restaurant Quander hat geschlossen.",
    ):
        s = text.index("Quander")
        assert in_organisation(text, s, s + len("Quander")), text
    text = "Am Abend traf Quander die Winzer."
    assert not in_organisation(text, text.index("Quander"), text.index("Quander") + 7)
    # seed-40 review: "die Bewerbung von Johnson & \nJohnson" (a line break after the ampersand)
    text = "Sie begrüße die Bewerbung von Quander & \nQuander, schrieb sie."
    assert in_organisation(text, text.rindex("Quander"), text.rindex("Quander") + 7)


def test_a_namesake_after_a_role_and_another_given_name_or_in_a_youth_is_someone_else() -> None:
    """Seed-20 review: "dem Zivilisationshistoriker Lee Harris ... bei Harris" was Kamala Harris ("Lee" is in
    no given-name list, being a German word too, but a role before it vouches for it; and the test for
    another given name looked for "Harri", the word without what looked like a genitive -s); "Zeltlager der
    Hitler-Jugend" was Adolf Hitler (an organisation named after him)."""
    texts = [
        *QUINDNER_NAMED_IN_FULL,
        "Im Zeltlager der Quindner-Jugend wurde gesungen. Das Lager lag am See.",
        "Die Quindner Jugend marschierte. Das war 1936.",
    ]
    found = persons_of(texts)
    assert found[0] == {"Christian Quindner": 2}, found
    assert found[2] == {} and found[3] == {}, found
    # where the article's own "Lee Harris" is lost (an everyday English pair), its "bei Harris" is still
    # someone else's: a word after a role and before the family name is another given name
    text = "Wir folgen dem Historiker Lee Quindner. Die zweite Figur bei Quindner ist neu."
    mine, given = {"Christian", "Quindner"}, {"Christian"}
    assert named_otherwise(text, text.rindex("Quindner"), "Quindner", mine, {"Quindner", "Lee"}, given)
    text = "Wir folgen dem Minister Christian Quindner. Die zweite Figur bei Quindner ist neu."
    assert not named_otherwise(text, text.rindex("Quindner"), "Quindner", mine, {"Quindner"}, given)
    for text in (  # a known family name, capitals, a role in the sentence before: no given name
        "Die Partei von Ex-Ministerpräsident Quenzi Quindners Regierung. Premier Quindner tritt zurück.",
        "Ich fordere Sie, Frau CHRISTIAN Quindner, auf. Quindner muss handeln.",
        "Das sagt der Sprecher. Originalwortlaut Quindner: Wir gehen. Quindner bleibt.",
    ):
        assert not named_otherwise(
            text, text.rindex("Quindner"), "Quindner", mine, {"Quindner", "Quenzi"}, given
        ), text
    text = "Wir folgen dem Historiker Lee Quandis. Die zweite Figur bei Quandis ist neu."
    mine = {"Christian", "Quandis"}
    assert named_otherwise(text, text.rindex("Quandis"), "Quandi", mine, {"Quandis"}, given)
    # but a genitive is no name: "Palmers Fahrplan" is no given name Palmer before a family name Fahrplan
    text = "Palmers Fahrplan ins Chaos"
    assert not named_otherwise(text, 0, "Palmer", {"Christian", "Palmer"}, {"Palmer"}, given)


def test_a_historical_figures_family_name_alone_is_no_living_namesake() -> None:
    """Seed-20 and seed-21 reviews: "Lieder aus Schuberts letztem Zyklus", "Schubert, Mahler und Purcell",
    "Schuberts achte Symphonie" were the author Stefan Schubert whom other articles name in full (5 of his 14
    articles at seed 21). A family name of ``famous_family_names_de.txt`` alone names the figure, never a
    namesake known from elsewhere; an article that names the namesake in full keeps them."""
    texts = [
        "Der Autor Jonas Kepler schreibt ein Buch. Kepler sagte, es werde ein Erfolg.",
        "Jonas Kepler warnt vor der Impfung. Kepler fordert Freiheit.",
        "Von Jonas Kepler. Kepler meint, die Lage sei ernst.",
        "Nach den Gesetzen Keplers kreisen die Planeten. Kepler sagte das 1609 voraus.",
        "Die Astronomie nach Kepler und Galilei war eine andere.",
        "Der Journalist Jonas Kepler ist zurück. Kepler schreibt wieder.",
    ]
    found = persons_of(texts)
    assert found[0] == {"Jonas Kepler": 2} and found[5] == {"Jonas Kepler": 2}, found
    assert "Jonas Kepler" not in found[3] and "Jonas Kepler" not in found[4], found


def test_a_family_name_without_the_final_s_after_another_given_name_is_someone_else() -> None:
    """Seed-22 review: "Wie Leif-Erik Sander ... urteilte Sander" was Bernie Sanders (person keys compare names
    without a final -s, as genitives are): the test for another given name before the word looked only for
    the person's form with the -s ("Sanders"), which this article never writes."""
    text = "Wie Leif-Erik Queller, Leiter der Forschungsgruppe, betont, ist das neu. Das sagte Queller."
    mine, given = {"Bruno", "Quellers"}, {"Bruno"}
    assert named_otherwise(text, text.rindex("Queller"), "Queller", mine, {"Quellers"}, given)
    text = "Das sagte Bruno Quellers. Queller ist ein Tippfehler."
    assert not named_otherwise(text, text.rindex("Queller"), "Queller", mine, {"Quellers"}, given)


def test_a_month_name_before_a_family_name_is_a_given_name_unless_it_dates() -> None:
    """ "eines Eugène Atget und August Sander" gave the photographer's "Sander" to Bernie Sanders at the end of
    a run (review seed 25): the given-name lists leave months out, yet "August", "Juli", "Mai" are given names
    too; after a day or a preposition of time the month is the month."""
    mine = {"Bernie", "Sanders"}
    text = "Seine Fotografie steht in der Tradition eines Eugène Atget und August Sander."
    assert named_otherwise(text, text.index("Sander"), "Sander", mine)
    for text in ("Im August Sander zu folgen, war schwer.", "Am 3. August Sander zu folgen, war schwer."):
        assert not named_otherwise(text, text.index("Sander"), "Sander", mine), text

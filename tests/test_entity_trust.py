"""Persons and countries a journalist can trust (issue 13): the general rules, on sentences written for the
tests (the measurement on real annotated news is ``search entity-eval``, see ENTITIES.md)."""

from __future__ import annotations

import pytest

from search.enrich.entities.extractor import EntityExtractor
from search.enrich.entities.names import person_key


@pytest.fixture(scope="module")
def ex() -> EntityExtractor:
    return EntityExtractor()


def persons(ex: EntityExtractor, text: str) -> set[str]:
    return set(ex.extract(text).persons)


def batch_persons(texts: list[str]) -> list[set[str]]:
    """Each text's persons, extracted together as one batch of a reindex (names resolve across the texts)."""
    return [set(e.persons) for e in EntityExtractor().extract_many(texts)]


def test_capitalised_pairs_of_everyday_words_are_no_persons(ex) -> None:
    text = (
        "Kritiker sprechen von Big Pharma und Green Bonds. Die Initiative Zero Covid fordert einen Stopp. "
        "Der Corona Test war negativ, sagt der Great Reset-Theoretiker. Kanzleramtschef Helge Braun warnt."
    )
    assert persons(ex, text) == {"Helge Braun"}


def test_a_name_beside_an_ampersand_or_before_an_organisation_word_is_no_person(ex) -> None:
    text = (
        "Der Impfstoff von Johnson & Johnson wurde zugelassen. Die Johns Hopkins University zählt die Fälle. "
        "Die Bill & Melinda Gates Foundation spendet. Premier Boris Johnson lobte den Impfstoff."
    )
    assert persons(ex, text) == {"Boris Johnson"}
    spans = [text[s:e] for s, e, kind, _ in ex.extract(text).spans if kind == "PER"]
    assert spans == ["Boris Johnson"]


def test_a_label_glued_to_a_full_name_is_cut_off_but_noble_names_stay(ex) -> None:
    assert persons(ex, "Laut Jeff Bezos von Amazon ist das gut.") == {"Jeff Bezos"}
    assert persons(ex, "Facebook-Chef Mark Zuckerberg von Facebook sagt das.") == {"Mark Zuckerberg"}
    assert persons(ex, "Der Dichter Johann Wolfgang von Goethe schrieb.") == {"Johann Wolfgang von Goethe"}
    text = "Kommissionspräsidentin Ursula von der Leyen sagte am Montag, sie wolle handeln."
    assert persons(ex, text) == {"Ursula von der Leyen"}


def test_umlaut_spellings_are_one_person() -> None:
    assert person_key("Reiner Füllmich") == person_key("Reiner Fuellmich")
    assert person_key("Uğur Şahin") == person_key("Ugur Sahin")
    assert person_key("Michael Müller") != person_key("Michael Muller")  # no umlaut: another spelling


def test_a_person_from_another_article_names_a_rare_word_not_an_everyday_one() -> None:
    ex = EntityExtractor()
    texts = [
        "Der Manager Steve Alter verlässt die Firma. Alter sagte, er gehe gern.",
        "Die Managerin Lena Drostowski verlässt die Firma. Drostowski sagte, sie gehe gern.",
        "Der Unternehmer Steve Alter kritisierte das. Alter will klagen.",
        "Die Unternehmerin Lena Drostowski kritisierte das. Drostowski will klagen.",
        "Im Alter steigt das Risiko. Drostowski hält das für übertrieben.",
        "Mit zunehmendem Alter werden Menschen vorsichtiger, meinen Forscher.",
        "Auf die Frage antwortete Alter knapp.",
    ]
    results = list(ex.extract_many(texts))
    assert results[4].persons == {"Lena Drostowski": 1}  # a rare word: the person known elsewhere
    assert results[5].persons == {}  # an everyday word without a mark: nobody
    assert results[6].persons == {"Steve Alter": 1}  # a verb of saying marks it as a name


def test_country_words_in_fixed_expressions_and_foreign_places_are_no_country(ex) -> None:
    ents = ex.extract(
        "In New Jersey und Rhode Island steigen die Zahlen, auch in der Antarktis wird geforscht. "
        "Die Spanische Grippe war schlimmer. Die Jamaika-Koalition scheiterte. Spanien meldet Fälle."
    )
    assert ents.countries == {"ES": 1}


def test_a_coalition_named_after_a_flag_is_no_country_in_any_compound(ex) -> None:
    """ "Jamaika-*" of the lookalike list: every hyphen compound of it is the coalition ("nach dem Jamaika-Aus"
    counted Jamaica, seen in a screenshot), the country alone and another country's compounds still count."""
    ents = ex.extract(
        "Nach dem Jamaika-Aus und den Jamaika-Gesprächen reiste die Ministerin nach Jamaika. "
        "Eine Kenia-Reise folgte."
    )
    assert ents.countries == {"JM": 1, "KE": 1}


def test_countries_and_persons_of_a_title_from_metadata_count(tmp_path) -> None:
    from search.core.models import Article
    from search.enrich.pipeline import enrich_articles

    text = "Der Chefarzt einer Klinik in Bergamo berichtet von vollen Stationen."
    titled = Article("a", "a.txt", text, "Italien: Chefarzt warnt", "h1", title_derived=False)
    derived = Article("b", "b.txt", text, "Italien: Chefarzt warnt", "h2", title_derived=True)
    a, b = enrich_articles([titled, derived])
    assert a["country"] == "IT"
    assert b.get("country", "") == ""  # a derived title is the text's own first sentence: counted there


def test_a_family_name_in_a_title_is_the_person_the_text_names(tmp_path) -> None:
    """A headline's "Bauminister Quastberg" is the text's Jens Quastberg, not the Quastberg whom most other
    articles of the run mean (seen: "Entwicklungsminister Müller" of a text about Gerd Müller counted as
    Michael Müller, the Berlin mayor)."""
    from search.core.models import Article
    from search.enrich.pipeline import enrich_articles

    tims = [
        Article(
            f"a{i}",
            f"a{i}.txt",
            f"Bürgermeister Tim Quastberg eröffnete am Montag die Brücke Nummer {i}. Quastberg sagte, sie sei "
            "ein Symbol. Später sprach Quastberg mit Anwohnern.",
            f"Brücke {i} eröffnet",
            f"h{i}",
            title_derived=True,
        )
        for i in range(4)
    ]
    text = "Bundesbauminister Jens Quastberg (CSU) fordert mehr Geld. Das Land müsse investieren, sagte Quastberg."
    jens = Article("b", "b.txt", text, "Bauminister Quastberg fordert mehr Geld", "hb", title_derived=False)
    *_, b = enrich_articles([*tims, jens])
    assert b["person"] == "Jens Quastberg"
    assert b["entities"]["persons"] == {"Jens Quastberg": 3}  # two in the text, one in the title
    # a text that names two Quastbergs: the title's one is one of them, never the run's Tim (seed 37: a title
    # "gegen Obama, Gates, Clinton" over a text of Hillary and "Hilary" Clinton counted as Bill Clinton)
    text = "Beklagte sind Jens Quastberg und Anna Quastberg. Anna Quastberg schwieg dazu."
    two = Article("c", "c.txt", text, "Klage gegen Obama, Quastberg und andere", "hc", title_derived=False)
    *_, c = enrich_articles([*tims, two])
    assert "Tim Quastberg" not in c["entities"]["persons"]


def test_names_after_a_verb_of_saying_beside_another_name_and_in_bylines(ex) -> None:
    said = '"Es gibt Berater", erklärte Tarek Nuwaiser, Generalsekretär der Organisation.'
    assert persons(ex, said) == {"Tarek Nuwaiser"}
    pair = "Auch zwei Forscher, Maxim Petrowski und Samer Qudsi, wurden verschleppt."
    assert persons(ex, pair) == {"Maxim Petrowski", "Samer Qudsi"}
    before = "Diese Woche geriet das Sportler-Duo Joshiko Nkemba und Alexandra Wester in die Kritik."
    assert persons(ex, before) == {"Joshiko Nkemba", "Alexandra Wester"}
    byline = (
        "Die Küste ist nah.\n_von L. Bernhagen\nDoch hier geht es um mehr.\nEin Kommentar von Max Erdinger\n"
    )
    assert persons(ex, byline) == {"L. Bernhagen", "Max Erdinger"}
    nobody = (
        "Die Zahlen stiegen von Montag bis Freitag.\nDie Hilfe kommt von Bund und Ländern\nMehr von Fox News"
    )
    assert persons(ex, nobody) == set()


def test_place_words_roles_and_english_phrases_do_not_make_persons(ex) -> None:
    assert persons(ex, "Im Sunshine State steigen die Zahlen, in Olympia Springs auch.") == set()
    text = "Die Präsidentin des Hotel- und Gaststättenverbands Dehoga, Angela Inselkammer, sagte das."
    assert persons(ex, text) == {"Angela Inselkammer"}
    assert persons(ex, "Das sagte BioNTech-Finanzvorstand Sierk Poetting am Montag.") == {"Sierk Poetting"}
    assert persons(ex, "Machthaber Kim Jong-un empfing den Diplomaten Sung Kim.") == {
        "Kim Jong-un",
        "Sung Kim",
    }
    # given names the lists miss, noble names ending in a noun, foreign names with noun-like endings
    assert persons(ex, "Die Doktorwürde von Ministerin Franziska Giffey, SPD, ist weg.") == {
        "Franziska Giffey"
    }
    assert persons(ex, "Die AfD-Politikerin Beatrix von Storch sagte das.") == {"Beatrix von Storch"}
    assert persons(ex, "Der lettische Regierungschef Krišjānis Kariņš sagte das.") == {"Krišjānis Kariņš"}


def test_a_known_name_word_at_the_start_of_an_english_phrase_is_not_the_person() -> None:
    ex = EntityExtractor()
    texts = [
        "Der Schlagzeuger Jim Blackwood spielt in Berlin. Blackwood sagte, er bleibe.",
        "Der Musiker Jim Blackwood tritt auf. Blackwood freut sich.",
        "Die Blackwood-Tournee beginnt. Blackwood Lives Matter ist ein Song. Auch Blackwood-Regierung.",
    ]
    third = list(ex.extract_many(texts))[2]
    spans = [texts[2][s:e] for s, e, kind, _ in third.spans if kind == "PER"]
    assert spans == ["Blackwood", "Blackwood"]  # "-Tournee" and "-Regierung", not "Blackwood Lives"


def test_a_short_form_merges_into_the_one_longer_name_but_not_a_father_into_his_son() -> None:
    ex = EntityExtractor()
    texts = [
        "WHO-Chef Tedros Adhanom Ghebreyesus warnte.",
        "WHO-Chef Tedros Adhanom sagte das.",
        "Der Unternehmer Donald Trump Jr. twitterte.",
        "Präsident Donald Trump twitterte.",
    ]
    found = [set(e.persons) for e in ex.extract_many(texts)]
    assert found[0] == found[1] == {"Tedros Adhanom Ghebreyesus"}
    assert found[3] == {"Donald Trump"}


def test_a_family_name_alone_names_a_person_from_elsewhere_only_when_articles_call_them_so() -> None:
    ex = EntityExtractor()
    texts = [
        "Der Abgeordnete Stefan Schubartz sagte am Montag, er sei zufrieden.",
        "Heute wird eine Sinfonie gespielt. Der Komponist Schubartz starb jung.",
    ]
    results = list(ex.extract_many(texts))
    assert results[0].persons == {"Stefan Schubartz": 1}
    # one article naming Stefan Schubartz says nothing about the composer of another
    assert "Stefan Schubartz" not in results[1].persons


def test_a_byline_with_an_initial_is_its_own_person() -> None:
    ex = EntityExtractor()
    texts = [
        "Der Forscher Harald Bernhagen sagte das. Bernhagen lachte.",
        "Forscher Harald Bernhagen warnt. Bernhagen lacht.",
        "Die Küste ist nah.\r\n_von L. Bernhagen\r\nDoch hier geht es um mehr.",
    ]
    assert list(ex.extract_many(texts))[2].persons == {"L. Bernhagen": 1}


def test_a_name_word_inside_another_persons_name_or_an_organisation_is_not_the_person(ex) -> None:
    text = (
        "Präsident Alexander Lukaschenko sprach. Der Anwalt Alexander Lang widersprach. "
        "Ministerpräsident Winfried Kretschmann lobte die Künstlerin Schirin Kretschmann. "
        "Die Gates-Stiftung zahlt, sagte Bill Gates."
    )
    spans = [text[s:e] for s, e, kind, _ in ex.extract(text).spans if kind == "PER"]
    assert "Alexander" not in spans and "Gates" not in spans
    assert persons(ex, text) >= {"Alexander Lukaschenko", "Winfried Kretschmann", "Bill Gates"}
    assert "Kretschmann" not in spans  # "Schirin Kretschmann" is hers, not his


def test_a_name_with_a_generational_suffix_is_not_the_person_named_in_full(ex) -> None:
    text = (
        "Der frühere Präsident George W. Haskell warnte. Sein Vater, Haskell sen., war ebenfalls Präsident. "
        "Haskell sagte, er habe viel gelernt."
    )
    spans = [(s, e) for s, e, kind, name in ex.extract(text).spans if name == "George W. Haskell"]
    assert len(spans) == 2 and not any(text[e:].startswith(" sen.") for _, e in spans), spans


def test_a_family_name_ending_in_s_is_not_shown_as_the_genitive_of_a_typo() -> None:
    ex = EntityExtractor()
    texts = [
        "Der Unternehmer Paul Rendals hat gespendet. Rendals sagte, er wolle helfen.",
        "Paul Rendals traf den Minister. Danach erklärte Rendals, man sei sich einig.",
        "Der Milliardär Paul Rendals warnt vor der Krise.",
        "Stifter Paul Rendal (sic) lud ein; Paul Rendals kam nicht.",
    ]
    found = [set(e.persons) for e in ex.extract_many(texts)]
    assert found[0] == found[2] == {"Paul Rendals"}, found


def test_a_generational_suffix_is_part_of_the_name(ex) -> None:
    text = "Präsident Donald Trump lobte seinen Sohn. Von Robert F. Kennedy Jr. Es folgt Donald Trump Jr. mit Kritik."
    assert persons(ex, text) == {"Donald Trump", "Robert F. Kennedy Jr.", "Donald Trump Jr."}


def test_a_family_name_alone_names_the_person_with_a_suffix_in_its_article() -> None:
    ex = EntityExtractor()
    text = "Von Robert F. Kennedy Jr. Es folgt Kritik an den Plänen. Das sei falsch, so Kennedy."
    spans = [(text[s:e], name) for s, e, kind, name in ex.extract(text).spans if kind == "PER"]
    assert spans == [("Robert F. Kennedy Jr.", "Robert F. Kennedy Jr."), ("Kennedy", "Robert F. Kennedy Jr.")]


@pytest.mark.parametrize(
    ("company", "other"), [("Bloomberg", "Blumenkamp"), ("Tönnies", "Wönnies"), ("Heise", "Heiske")]
)
def test_a_company_named_after_its_founder_is_not_the_founder_known_from_elsewhere(company, other) -> None:
    """A company or news service named after its founder ("laut Bloomberg", "Herr Tönnies" of a meat company
    article): other articles calling the founder so alone are no evidence (``eponymous_organisations.txt``);
    a family name that is no company still is."""
    texts = [
        "Der Unternehmer Michael {0} sagte am Montag, er kandidiere. {0} lachte.",
        "Der Milliardär Michael {0} warb in Texas. Dort sagte {0}, er gewinne.",
        "Die Wirtschaft schrumpft, berichtete die Nachrichtenagentur {0} am Dienstag.",
        "Laut {0} stieg der Ölpreis. Herr {0} zitierte Händler in London.",
    ]
    found = list(EntityExtractor().extract_many([t.format(company) for t in texts]))
    assert f"Michael {company}" in found[0].persons
    assert f"Michael {company}" not in found[2].persons and f"Michael {company}" not in found[3].persons
    control = list(EntityExtractor().extract_many([t.format(other) for t in texts]))
    assert f"Michael {other}" in control[3].persons  # the same sentences with a name that is no company


def test_a_genitive_before_a_foreign_party_is_the_person_of_the_article(ex) -> None:
    """ "Salvinis Lega" was a person of its own (seen in a screenshot): a genitive whose bare form the article
    writes, and which is no given name, ends the name before any noun, also one that is no German word."""
    ents = ex.extract("Marco Ferretti fordert Neuwahlen. Ferrettis Lega liegt vorn.")
    assert ents.persons == {"Marco Ferretti": 2}
    # a given name with -s the lists lack, its bare form not written after a given name: a name of its own
    ents = ex.extract(
        "Sprecher Dimitri Pavlenko äußerte sich. Außenminister Dimitris Karamanlidis sagte, es eile."
    )
    assert "Dimitris Karamanlidis" in ents.persons


def test_a_name_compounded_with_a_noun_is_the_name_the_article_writes(ex) -> None:
    """ "Ein Gunnar Kaiser-Fan" made the person "Gunnar Kaiser-Fan", even of the article's "Gunnar Kaiser"
    (seen in a review); a double name stays whole, also where its first part stands alone."""
    ents = ex.extract("Torsten Kemmler ist Autor. Ein Torsten Kemmler-Fan schrieb uns.")
    assert ents.persons == {"Torsten Kemmler": 2}
    ents = ex.extract("Die FDP-Politikerin Marie-Luise Brack-Zimmermann sagte, Brack sei ein Name.")
    assert ents.persons == {"Marie-Luise Brack-Zimmermann": 1}
    ents = ex.extract("Torsten Kemmler ist Autor. Seit der Heirat heißt er Torsten Kemmler-Axel.")
    assert "Torsten Kemmler-Axel" in ents.persons  # a given name after the hyphen: a double name


def test_two_family_names_in_one_span_are_the_two_persons_of_the_article(ex) -> None:
    """ "lobte Lindner Strack-Zimmermann" was one person "Lindner Strack-Zimmermann" (seen in a screenshot):
    two words the article writes each after a given name are two persons."""
    ents = ex.extract("Jana Kowalski traf Emil Brandauer. Danach sagten Kowalski Brandauer habe recht.")
    assert ents.persons == {"Jana Kowalski": 2, "Emil Brandauer": 2}
    # two family names the article writes together after a given name are one person's
    ents = ex.extract(
        "Die Ministerin Carmen Ferrer sprach zuerst. Danach antwortete Isabel Ferrer Montalvo, Präsidentin der "
        "Region. Isabel Montalvo ist seit 2019 im Amt. Dann sagte Ferrer Montalvo, sie sei zufrieden."
    )
    assert ents.persons.get("Carmen Ferrer") == 1


def test_a_byline_glued_to_the_sentence_before_it_loses_neither_name(ex) -> None:
    """ "sagte Benjamin Franklin.von Giorgio Agamben" (a line break lost in a scraped article): spaCy read
    "Franklin.von" as a web address, so Benjamin Franklin was lost, and the byline was not seen as one."""
    ents = ex.extract(
        "„Wer die Freiheit aufgibt, verliert beides“, sagte Theodor Ambrosius.von Marco Pellegrini\n"
        "Die Liebe wurde abgeschafft, im Namen der Gesundheit.\n\n"
        "Die Lage ist ernst, sagen Fachleute.von Anna Kowalczyk-Brandt\nWeitere Texte der Reihe folgen."
    )
    assert ents.persons == {"Theodor Ambrosius": 1, "Marco Pellegrini": 1, "Anna Kowalczyk-Brandt": 1}
    assert ex.extract("Mehr unter www.beispiel.von.de und bei Haus.von nebenan.").persons == {}


def test_a_test_or_syndrome_named_after_a_person_is_not_the_person() -> None:
    """ "Drosten-Test", "Asperger-Syndrom", "Epstein-Barr-Virus": the thing named after its maker
    (``non_person_heads.txt``), even where other articles name the person in full; "Drosten-Studie" already
    was."""
    texts = [
        "Der Virologe Harald Wendorff sagte am Montag, die Lage sei ernst. Wendorff warnte.",
        "Der Virologe Harald Wendorff sprach im Podcast. Wendorff lachte.",
        "Der Wendorff-Test ist ungenau, sagen Kritiker. Labore nutzen die Wendorff-Tests dennoch.",
        "Beim Wendorff-Syndrom hilft Ruhe, sagen Ärzte.",
        "Wendorff warnte erneut vor dem Winter.",
        # a head before the last part, and a closing quote (review seed 26)
        "Die Rücknahme des Wendorff-PCR-Test-Papiers wird gefordert, einschließlich des ‚Wendorff-PCR-Tests’.",
        # a virus (review seed 33: the Epstein-Barr-Virus was Jeffrey Epstein)
        "Das Wendorff-Barr-Virus verursacht Fieber. Forscher fanden Wendorff-Barr-Viren im Blut.",
    ]
    found = batch_persons(texts)
    assert found[2] == found[3] == found[5] == found[6] == set(), found
    assert found[4] == {"Harald Wendorff"}  # the name alone still is the person


def test_fictional_characters_and_placeholders_are_no_persons(ex) -> None:
    """``fictional_characters.txt``: no real person, also not a bare family name learned from them."""
    text = (
        "Die Autorin Joanne K. Rowling schrieb Harry Potter. Harry Potters Freunde Hermine Granger und Ron "
        "Weasley helfen. Potter siegt. Das trifft Otto Normalverbraucher hart, sagte Finanzminister Olaf Scholz. "
        "Der Schauspieler Daniel Craig spielt James Bond zum letzten Mal."
    )
    assert persons(ex, text) == {"Joanne K. Rowling", "Olaf Scholz", "Daniel Craig"}


def test_an_era_name_in_a_date_is_not_the_person() -> None:
    """ "539 vor Christus" dates something (``era_names_de.txt``); "Christus" elsewhere still names him."""
    ex = EntityExtractor()
    texts = [
        "Papst Franziskus sprach über Jesus Christus. Christus sei auferstanden, sagte er.",
        "Die Gläubigen beten zu Jesus Christus. Christus hilft, sagte der Pfarrer.",
        "Die Stadt wurde im Jahr 539 vor Christus gegründet, im 6. Jahrhundert nach Christus zerstört.",
        "Die Predigt über Jesus Christus endete. Die Mauer stammt aus dem Jahr 2700 vor Christus.",
        "Das Volk betete zu Christus, sagte der Historiker.",
    ]
    found = [e.persons for e in ex.extract_many(texts)]
    assert found[2] == {} and found[3] == {"Jesus Christus": 1}, found
    assert found[4] == {"Jesus Christus": 1}


def test_a_hyphenated_label_before_a_given_name_is_not_part_of_the_name(ex) -> None:
    """ "Knallhart-Corona-Warrior Markus Söder" was a display form (seen in a screenshot); a double given
    name stays ("Hans-Jürgen", "Marie-Luise")."""
    text = "Das kündigte Knallhart-Corona-Warrior Jonas Brenninger (CSU) am Dienstag an."
    assert persons(ex, text) == {"Jonas Brenninger"}
    text = "Das kündigte Hans-Jürgen Brenninger am Dienstag an. Es sprach Marie-Luise Brenninger-Kolb."
    assert persons(ex, text) == {"Hans-Jürgen Brenninger", "Marie-Luise Brenninger-Kolb"}


def test_a_rare_given_name_as_the_first_word_of_a_text_or_line_is_another_persons() -> None:
    """ "Schirin Kretschmann, 41, unterrichtet ..." as the first words of an article took Winfried Kretschmann
    (review seed 25): the text's and a line's first word start a sentence, as after a full stop."""
    known = ["Ministerpräsident Waldemar Kessbohrer sagte das. Kessbohrer lachte."] * 3
    texts = [
        *known,
        "Schirin Kessbohrer, 41, unterrichtet Malerei an der Akademie.",
        "Kunst in München\nSchirin Kessbohrer, 41, unterrichtet Malerei.",
        "Das Land wartet. Kessbohrer, sagte sein Sprecher, wird entscheiden.",
    ]
    found = batch_persons(texts)
    assert "Waldemar Kessbohrer" not in found[3] | found[4], found
    assert found[5] == {"Waldemar Kessbohrer"}


def test_a_compound_whose_last_part_has_a_thing_head_is_not_the_person() -> None:
    """ "Prüfer für Goethe-Deutschtests", "Goethe-Sprachprüfungen" gave Goethe to an article about exams
    (review seed 25): the head inside the compound's last part counts, in the plural too."""
    texts = [
        "Der Dichter Konrad Wendelin Quastow schrieb Romane. Quastow starb 1832.",
        "Der Dichter Konrad Wendelin Quastow schrieb Gedichte. Quastow lebte in Weimar.",
        "Er ist Prüfer für Quastow-Deutschtests und nimmt Quastow-Sprachprüfungen ab, sagte er.",
        "Die Quastow-Regierung tagt, sagte ein Sprecher.",
    ]
    found = batch_persons(texts)
    assert found[2] == set(), found
    assert found[3] == {"Konrad Wendelin Quastow"}  # "Merkel-Regierung": the person is meant


def test_a_label_after_a_name_the_span_cut_short_is_no_name_word() -> None:
    """The model's span "Sahin von Biontech" (without "Ugur" before it) made a person whose family name was
    "Biontech", and 21 articles naming only the company took him (review seed 26); a noble name after a role
    keeps its "von"."""
    texts = [
        "Mehr über die Impfstoff-Forscher Özlem Türeci und Ugur Sahin von Biontech können Sie hier lesen.",
        "Das deutsche Pharmaunternehmen Biontech meldet Erfolge.",
        "Der Schriftsteller Heimito von Doderer lebte in Wien.",
    ]
    found = batch_persons(texts)
    assert not any("Biontech" in p for p in found[0]) and found[1] == set(), found
    assert found[2] == {"Heimito von Doderer"}


def test_a_company_word_after_a_role_of_the_person_is_the_person() -> None:
    """ "Klöckner, Hoesch, Saarstahl" is the steel company (``eponymous_organisations.txt``; reviews seed 22 and
    27), but "Agrarministerin Klöckner" the minister whom other articles name in full; "Herr Tönnies" stays
    no evidence (a form of address goes with anyone's name)."""
    known = ["Bundesagrarministerin Julia Klöckner sagte am Montag, sie sei zufrieden. Klöckner lachte."] * 3
    texts = [
        *known,
        "Salzgitter, Klöckner, Hoesch und Saarstahl bauten Stahl.",
        "Die Agrarministerin Klöckner warnte vor Preisen.",
    ]
    found = batch_persons(texts)
    assert found[3] == set() and found[4] == {"Julia Klöckner"}, found


def test_an_era_date_over_a_line_break_and_a_feast_are_not_the_person() -> None:
    """ "um 800\\nnach Christus", "Christi Himmelfahrt" (review seed 27)."""
    ex = EntityExtractor()
    texts = [
        "Papst Franziskus sprach über Jesus Christus. Christus sei auferstanden, sagte er.",
        "Mönche hätten die Wildnis um 800\nnach Christus gezähmt, sagte der Förster.",
        "An Christi Himmelfahrt ist Vatertag, sagte der Wirt.",
    ]
    found = [e.persons for e in ex.extract_many(texts)]
    assert found[1] == {} and found[2] == {}, found


def test_a_family_name_quoted_alone_is_a_title_not_the_person() -> None:
    """'Timberlake spielt in dem Drama "Palmer" einen Ex-Knacki' gave the film to Boris Palmer (review seed 28)."""
    texts = [
        "Oberbürgermeister Torsten Quelmer sagte am Montag, er bleibe. Quelmer lachte.",
        "Oberbürgermeister Torsten Quelmer warnte. Quelmer sagte das.",
        'Timberlake spielt in dem Drama "Quelmer" einen Ex-Knacki, sagte der Kritiker.',
        "Quelmer sagte, die Stadt werde sparen.",
    ]
    found = batch_persons(texts)
    assert "Torsten Quelmer" not in found[2] and found[3] == {"Torsten Quelmer"}, found


def test_a_common_family_name_that_is_a_company_needs_the_persons_own_role() -> None:
    """ "Ihre Fraktionskollegin Ivy May Müller sagt" (a Hamburg MP) was Berlin's mayor Michael Müller, known
    from other articles, by "Müller sagt": Müller is a drugstore chain named after its founder
    (``eponymous_organisations.txt``), so only a role of the person's own marks the bare word as that person."""
    texts = [
        "Der Regierende Bürgermeister Michael Müller sagte das. Müller lachte.",
        "Michael Müller (SPD) warnte. Müller sagte, es reiche.",
        "Michael Müller sprach. Müller ging.",
        "Das Gesetz sei falsch. Müller sagt, die Gebühr gehe an der Lebensrealität vorbei.",
        "Der Regierende Bürgermeister Müller sagt, die Gebühr gehe an der Lebensrealität vorbei.",
    ]
    found = [set(e.persons) for e in EntityExtractor().extract_many(texts)]
    assert found[3] == set()
    assert found[4] == {"Michael Müller"}


def test_a_particle_joins_a_name_only_after_given_names_and_never_ends_one(ex) -> None:
    """Person facet values of a 3,000-article sample: "Trump zu Attkisson" ("sagt Trump zu Attkisson"),
    "Emmanuel Macron zu den" (Karikaturen), "Louis Pasteur zu Ikonen", "Antje Arndt von der" (Opferberatung).
    A name particle follows given names ("Karl-Theodor zu Guttenberg"), not a family name."""
    assert persons(ex, "„Das war es“, sagt Trump zu Attkisson und spricht über das FBI.") == set()
    assert persons(ex, "die Äußerungen von Präsident Emmanuel Macron zu den Karikaturen") == {
        "Emmanuel Macron"
    }
    assert persons(ex, "seit Robert Koch und Louis Pasteur zu Ikonen der Medizin wurden") == {
        "Robert Koch",
        "Louis Pasteur",
    }
    assert persons(
        ex, "Wir wollten helfen. Antje Arndt von der Mobilen Opferberatung sagt, es sei schwer."
    ) == {"Antje Arndt"}
    assert persons(ex, "als welche Minister Jens Spahn das Coronavirus bezeichnet") == {"Jens Spahn"}
    assert persons(ex, "Verteidigungsminister Karl-Theodor zu Guttenberg trat zurück.") == {
        "Karl-Theodor zu Guttenberg"
    }
    assert persons(ex, "Bundespräsident Alexander Van der Bellen sagte das.") == {"Alexander Van der Bellen"}
    assert persons(ex, "Ursula von der Leyen traf Thomas de Maizière.") == {
        "Ursula von der Leyen",
        "Thomas de Maizière",
    }


def test_a_last_name_the_model_took_for_a_place_stays_in_the_name(ex) -> None:
    """ "der Tod der Verfassungsrichterin Ruth Bader Ginsburg" was the person "Ruth Bader": the model tagged
    "Ginsburg" a place. A one-word place of the model right after a person that no place list knows is part
    of the name; a known city is not ("Angela Merkel Hamburg")."""
    text = (
        "Bald darauf eröffnete der Tod der Verfassungsrichterin Ruth Bader Ginsburg dem Präsidenten die Wahl."
    )
    assert persons(ex, text) == {"Ruth Bader Ginsburg"}
    assert persons(ex, "Nach dem Treffen hat Angela Merkel Hamburg besucht.") == {"Angela Merkel"}


def test_a_given_name_that_is_also_a_word_after_a_verb_of_saying_is_another_persons() -> None:
    """ "sagt Mark Sanders, Marketingchef" was Bernie Sanders: "Mark" is in no given-name list (the currency),
    so "Sanders" after "sagt" alone was completed. A given name that is also a word (``word_given_names.txt``)
    right after a verb of saying makes the family name another person's; "sagt Sanders" alone stays his."""
    texts = [
        "Senator Bernie Sanders sagte am Montag, die Lage sei ernst. Sanders forderte Hilfen.",
        "Bernie Sanders sprach in Vermont. Sanders sagte, er kandidiere.",
        "Bernie Sanders warb um Stimmen. Sanders lachte.",
        "„Wir verkaufen mehr“, sagt Mark Sanders, Marketingchef der Firma. Er rechnet mit Wachstum.",
        "„Das reicht nicht“, sagt Sanders in Vermont.",
    ]
    found = batch_persons(texts)
    assert "Bernie Sanders" not in found[3], found
    assert found[4] == {"Bernie Sanders"}, found


def test_a_role_or_party_before_a_name_is_not_part_of_it(ex) -> None:
    """Person facet values seen through the entity page's count of articles that write a name but are not
    counted for it: "Bundeskanzlerin Angela Merkel" (a sentence ending in "von <role> <name>" at a line end
    looked like a byline), "Grüne Norwich Rüße" ("Grüne" was in the given-name list, taken from a corpus)."""
    text = "Er hat den Anspruch nach dem Ende der Ära von Bundeskanzlerin Angela Merkel\nbetont."
    assert persons(ex, text) == {"Angela Merkel"}
    assert persons(ex, "Ein Gastbeitrag von Jens Schrötter\nDer Präsident sagt") == {"Jens Schrötter"}
    assert persons(ex, "Die nordrhein-westfälische Grüne Renate Künast erzählt, es klappe.") == {
        "Renate Künast"
    }


def test_a_tv_channel_named_after_a_person_is_not_the_person() -> None:
    """ "Wir laden die Leser von Pravda-TV herzlich ein" was the blogger Nikolas Pravda (review of seed 42): a
    name before "TV" (``non_person_heads.txt``) is a channel, like one before "News" or "Show"."""
    texts = [
        "Nikolas Pravda schreibt über Eliten. Pravda meint, es sei alles geplant.",
        "Der Autor Nikolas Pravda sagt, Pravda habe recht.",
        "Wir laden die Leser von Pravda-TV herzlich ein, bei unserem Shop vorbeizuschauen.",
        "Jeder Kauf unterstützt unser Projekt Pravda TV.",
    ]
    found = batch_persons(texts)
    assert found[0] == {"Nikolas Pravda"} and found[2] == set() and found[3] == set(), found


def test_a_maiden_name_is_the_married_persons() -> None:
    """ "Christine Strobl, geb. Schäuble" was Wolfgang Schäuble, known from other articles (review of seed 42)."""
    texts = [
        "Bundestagspräsident Wolfgang Schäuble sagte am Montag etwas. Schäuble mahnte.",
        "Wolfgang Schäuble warnte. Schäuble sagte, es reiche.",
        "Gemeint ist Christine Strobl, geb. Schäuble, Tochter des Bundestagspräsidenten.",
        "Der Schwiegersohn von Bundestagspräsident Schäuble ist Ehemann von Christine Strobl, geb. Schäuble.",
    ]
    found = batch_persons(texts)
    assert found[2] == {"Christine Strobl"}, found
    assert found[3] == {"Christine Strobl", "Wolfgang Schäuble"}, found  # the father, named by his office


def test_undotted_initials_and_a_church_are_not_the_person_known_from_elsewhere() -> None:
    """The review of seed 43: "George HW Bush" (the father, initials without dots) was George W. Bush, and "die
    Freikirche Jesu Christi" in Herford was Jesus Christus (an alias, which skipped the check for a place or
    organisation word before the name)."""
    texts = [
        "Der frühere Präsident George W. Bush sprach in Texas. Bush sagte, die Lage sei ernst.",
        "George W. Bush reiste nach Berlin. Bush traf dort den Minister.",
        "Unter George HW Bush begann der Golfkrieg. Bush wollte Kuwait befreien.",
        "In Herford lädt die Freikirche Jesu Christi zum Gottesdienst.",
        "Jesus Christus ist auferstanden, sagt der Pfarrer.",
    ]
    found = batch_persons(texts)
    assert found[0] == {"George W. Bush"} and found[2] == set(), found
    assert found[3] == set() and found[4] == {"Jesus Christus"}, found


def test_a_monument_or_a_feast_named_after_a_person_is_not_the_person() -> None:
    """The review of seed 44: "das Denkmal „Christus, der Erlöser“" (the statue in Rio on a film poster) and "das
    Hochfest Christi, des Königs" (a letter's date line) were Jesus Christus; the head word counts before a
    quotation mark too, also for a full name ("Flughafen „John F. Kennedy“")."""
    texts = [
        "Jesus Christus ist auferstanden, sagt der Pfarrer. Christus lebt.",
        "Das Plakat zeigt, wie das brasilianische Denkmal “Christus, der Erlöser” herunterfällt.",
        "Sonntag, 25. Oktober 2020 Das Hochfest Christi, des Königs Herr Präsident, erlauben Sie mir",
        "Die Maschine landete am Flughafen „John F. Kennedy“ in New York.",
        "Präsident John F. Kennedy wurde 1963 in Dallas erschossen.",
    ]
    found = batch_persons(texts)
    assert found[0] == {"Jesus Christus"} and found[4] == {"John F. Kennedy"}, found
    assert found[1] == found[2] == found[3] == set(), found


def test_a_given_name_shortened_with_another_initial_is_someone_else() -> None:
    """The review of seed 44: "Der Mitangeklagte Markus H." (a defendant, named as the press names one) was
    Markus Söder, named further on in the article; an initial the person's names start with may be the person."""
    texts = [
        "Der Mitangeklagte Markus H. steht wegen Beihilfe vor Gericht. Ministerpräsident Markus Söder schwieg.",
        "Präsident George W. Bush sprach in Texas. Später sagte George W. im Interview, er bereue nichts.",
    ]
    found = batch_persons(texts)
    assert found == [{"Markus Söder"}, {"George W. Bush"}], found
    ex = EntityExtractor()
    spans = [texts[0][s:e] for s, e, kind, _ in ex.extract(texts[0]).spans if kind == "PER"]
    assert spans == ["Markus Söder"], spans
    spans = [texts[1][s:e] for s, e, kind, _ in ex.extract(texts[1]).spans if kind == "PER"]
    assert "George W." in spans, spans


def test_a_word_after_a_family_name_the_article_writes_alone_is_no_name_word() -> None:
    """The review of seed 45: "Also machte Sbai TikTok zu seinem Beruf" (the article's Adil Sbai) was the person
    "Sbai TikTok", and every "TikTok" of ten other articles became him. Two persons glued together stay apart
    ("lobte Lindner Strack-Zimmermann"), and a name of two words is kept where the article never writes its
    second word alone ("Premier Li Keqiang" beside "Wang Li")."""
    texts = [
        "Der Manager Adil Sbai gründete eine Agentur. Also machte Sbai TikTok zu seinem Beruf. Sbai sagt, "
        "TikTok wachse weiter.",
        "Auf TikTok tanzen Millionen. TikTok gehört zu Bytedance.",
        "Christian Lindner und Marie-Agnes Strack-Zimmermann sprachen. Dann lobte Lindner Strack-Zimmermann.",
        "Der Botschafter Wang Li traf Premier Li Keqiang in Peking. Li Keqiang sagte, Li sei willkommen.",
    ]
    found = batch_persons(texts)
    assert found[0] == {"Adil Sbai"} and found[1] == set(), found
    assert found[2] == {"Christian Lindner", "Marie-Agnes Strack-Zimmermann"}, found
    assert found[3] == {"Li Keqiang", "Wang Li"}, found

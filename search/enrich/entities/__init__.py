"""Persons and countries in German news articles, normalised for facets and highlighting.

Why this layer exists on top of a NER model: a facet needs *one value per person and per country across the
corpus*, and a statistical model only gives spans. This package turns the spans into values. Import from the
module that defines a name (this file re-exports nothing):

* :mod:`.extractor` — :class:`~.extractor.EntityExtractor` (the entry point: ``extract``, ``extract_many``,
  ``learn``) and its result :class:`~.extractor.ArticleEntities`;
* :mod:`.late` — what an article's resolution left open, resolved at the end of a reindex run;
* :mod:`.ner` — the spaCy pipeline: model choice, country/alias EntityRuler (``load_pipeline``);
* :mod:`.registry` — pass 2: persons resolved across the batch (bare names, repairs, further mentions);
* :mod:`.mentions` — pass 1: candidate person mentions and country spans of one Doc;
* :mod:`.references` — text tests for finding a known person's name words in running text;
* :mod:`.tokens` — what a token can be in a name; a Doc read once into plain lists;
* :mod:`.names` — ``person_key``, display spellings, the alias table (``load_aliases``);
* :mod:`.lexicon` — the word lists of ``search/data/`` and word tests (``is_cue``, common German words).

A module imports only modules below it in this list, so there is no import cycle.
``tests/test_entities_speed.py`` pins each speed shortcut to the plain version it stands for.
"""

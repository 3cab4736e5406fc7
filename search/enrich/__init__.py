"""From files to enriched articles: ingest, dates, countries and persons, and the pipeline that runs them."""

"""The embedded Whoosh engine: schema, writer (generations, workers), reader, scoring, facet columns,
spelling, and :class:`~search.engine.whoosh.engine.WhooshEngine` that puts them behind the interface."""

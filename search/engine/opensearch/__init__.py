"""The OpenSearch engine: the same :class:`~search.engine.base.Engine` over an OpenSearch cluster."""

"""The ``search`` group with every command: importing the themed modules registers their commands."""

from search.cli import archive, serve, tools
from search.cli.common import main

__all__ = ["archive", "main", "serve", "tools"]

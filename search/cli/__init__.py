"""Command line: ``search reindex | query | serve | entities | ...`` as thin click commands.

Each command parses options, calls one function of the package and prints the result; errors become a
plain message and a non-zero exit code. The commands live by theme in the modules of this package;
``commands.py`` puts them on the one ``search`` group.
"""

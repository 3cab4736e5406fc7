"""``python -m search.cli``: the same commands as the ``search`` script."""

from search.cli.commands import main

main()

"""``python -m juzhu.cli``: the same as the ``juzhu`` command."""

from juzhu.cli import main

main()

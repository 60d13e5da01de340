"""`python -m inspector ...`: the `inspector` command without installing it."""

from inspector.cli import main

main(prog_name="inspector")

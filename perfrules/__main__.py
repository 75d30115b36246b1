"""``python -m perfrules`` runs the command line."""

from .cli import run

run()

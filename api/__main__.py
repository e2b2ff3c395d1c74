"""``python -m api`` runs the credlink command."""

from api.cli import main

main()

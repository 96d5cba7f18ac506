"""`python -m watchlist.cli`: the `watchlist` command."""

from watchlist.cli.root import app

app()

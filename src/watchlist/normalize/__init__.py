"""Normalisers of values other than names (dates, countries), shared by the sources that read
the lists and by screening, which reads customer input and API queries the same way."""

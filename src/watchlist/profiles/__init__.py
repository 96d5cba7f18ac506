"""Profiles of designated parties: one list record with its designations (`record`), and the
records of several lists linked into one profile per real party (`linking`)."""

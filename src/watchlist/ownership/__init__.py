"""Ownership and control: a graph of who owns or controls whom, and the rules (OFAC's 50
Percent Rule, the EU's and the UK's ownership and control tests) deciding which unlisted
parties listed ones make blocked, with the paths that prove it."""

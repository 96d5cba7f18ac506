"""Ongoing monitoring: what changed between list versions (`diff`), the customer book
(`portfolio`), delta screening of the book as the lists change (`delta`, `run`), and the
alerts it raises with every decision on them (`alerts`). See docs/monitoring.md.
"""

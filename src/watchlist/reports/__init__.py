"""Evidence reports: a screening certificate, an alert's case file and a list's changes,
each built as a `Document` (one module per report) and rendered as PDF or CSV."""

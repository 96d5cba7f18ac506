"""The pages, one module each: sign-in, search, profile, sources, changes, alerts, scan, audit."""

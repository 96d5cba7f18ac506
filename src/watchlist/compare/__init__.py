"""Who sanctions whom: parties by jurisdiction, the gaps between jurisdictions, who followed
whom, and designations over time, for a regime, a country, a list of parties or a book."""

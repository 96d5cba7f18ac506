"""EU Financial Sanctions Files (FSF): the source's formats, the XML v1.1 export and the
semicolon CSV (v1.0, v1.1), as the registry knows them.

Each format is read into the same `EuRecord` (`eu_fsf_record`) by its own module
(`eu_fsf_xml`, `eu_fsf_csv`) and built into entities by one function (`eu_fsf_entities`),
so the XML and the CSVs give the same entities for the same designation.
"""

from __future__ import annotations

from watchlist.sources.base import Format
from watchlist.sources.eu_fsf_csv import V10_COLUMNS, V11_REQUIRED, parse_csv, sniff_csv
from watchlist.sources.eu_fsf_entities import SOURCE
from watchlist.sources.eu_fsf_xml import parse_xml, sniff_xml

__all__ = ["FORMATS", "SOURCE", "V10_COLUMNS", "V11_REQUIRED", "parse_csv", "parse_xml",
           "sniff_csv", "sniff_xml"]

FORMATS = [
    Format(name="eu_fsf_xml", sniff=sniff_xml, parse=parse_xml),
    Format(name="eu_fsf_csv", sniff=sniff_csv, parse=parse_csv),
]

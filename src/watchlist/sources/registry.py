"""Every source watchlist knows: its publisher, official download URLs and file formats."""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from functools import cache

from watchlist.sources.base import Format

OFAC_SLS = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/"
BROWSER_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Safari/537.36 watchlist/0.1"
)


@dataclass(frozen=True)
class Download:
    """One file to fetch for a source; `role` names its part in a multi-file set."""

    url: str
    role: str = "main"


@dataclass(frozen=True)
class SourceInfo:
    """A publisher's list: what it is, where it is published and how to fetch it."""

    id: str
    title: str
    publisher: str
    downloads: tuple[Download, ...] = ()
    browser_agent: bool = False
    timeout: float = 120.0
    retries: int = 3
    retired: str | None = None
    date_inside: bool = True
    notes: str = ""
    formats: tuple[str, ...] = field(default_factory=tuple)

    def urls(self) -> tuple[Download, ...]:
        """The download URLs, overridden by WATCHLIST_URL_<SOURCE> (a mirror or test server).

        For a multi-file source the override is a base URL the file names are appended to.
        """
        override = os.environ.get(f"WATCHLIST_URL_{self.id.upper()}")
        if not override:
            return self.downloads
        if len(self.downloads) <= 1:
            return (Download(override),)
        base = override if override.endswith("/") else override + "/"
        return tuple(Download(base + d.url.rsplit("/", 1)[-1], d.role) for d in self.downloads)


SOURCES: dict[str, SourceInfo] = {
    s.id: s
    for s in (
        SourceInfo(
            "us_ofac_sdn",
            "OFAC Specially Designated Nationals (SDN) List",
            "US Treasury, Office of Foreign Assets Control",
            (Download(OFAC_SLS + "SDN.XML"),),
            browser_agent=True,
            formats=("ofac_xml", "ofac_csv"),
        ),
        SourceInfo(
            "us_ofac_cons",
            "OFAC Consolidated (non-SDN) Sanctions List",
            "US Treasury, Office of Foreign Assets Control",
            (Download(OFAC_SLS + "CONSOLIDATED.XML"),),
            browser_agent=True,
            formats=("ofac_xml", "ofac_csv"),
        ),
        SourceInfo(
            "gb_fcdo_sanctions",
            "UK Sanctions List",
            "UK Foreign, Commonwealth & Development Office",
            (Download("https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.xml"),),
            formats=("fcdo_xml",),
        ),
        SourceInfo(
            "gb_hmt_sanctions",
            "OFSI Consolidated List of Financial Sanctions Targets",
            "HM Treasury, Office of Financial Sanctions Implementation",
            (),
            retired="2026-01-28: closed; the UK Sanctions List (gb_fcdo_sanctions) replaces it",
            formats=("ofsi_csv", "ofsi_xlsx"),
        ),
        SourceInfo(
            "eu_fsf",
            "EU Financial Sanctions Files (consolidated list)",
            "European Commission, DG FISMA",
            (Download(
                "https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/"
                "content?token=" + os.environ.get("WATCHLIST_EU_TOKEN", "dG9rZW4tMjAxNw")
            ),),
            timeout=300.0,
            retries=6,
            formats=("eu_fsf_xml", "eu_fsf_csv"),
        ),
        SourceInfo(
            "un_sc_sanctions",
            "UN Security Council Consolidated List",
            "United Nations Security Council",
            (Download("https://scsanctions.un.org/resources/xml/en/consolidated.xml"),),
            formats=("un_xml",),
        ),
        SourceInfo(
            "ca_dfatd_sema_sanctions",
            "Consolidated Canadian Autonomous Sanctions List (SEMA, JVCFOA)",
            "Global Affairs Canada",
            (Download(
                "https://www.international.gc.ca/world-monde/assets/office_docs/"
                "international_relations-relations_internationales/sanctions/sema-lmes.xml"
            ),),
            timeout=180.0,
            retries=4,
            date_inside=False,
            formats=("sema_xml",),
        ),
        SourceInfo(
            "au_dfat_sanctions",
            "Australian Consolidated Sanctions List",
            "Australian Department of Foreign Affairs and Trade",
            (Download(
                "https://www.dfat.gov.au/sites/default/files/"
                "Australian_Sanctions_Consolidated_List.xlsx"
            ),),
            browser_agent=True,
            formats=("dfat_xlsx", "dfat_csv"),
        ),
        SourceInfo(
            "ftm",
            "FollowTheMoney entities (a user's own list)",
            "the user",
            (),
            formats=("ftm_json",),
        ),
    )
}

#: Modules holding the formats, in the order they are tried when recognising a file.
FORMAT_MODULES = (
    "ofac_xml",
    "ofac_csv",
    "fcdo_xml",
    "ofsi",
    "eu_fsf",
    "un_xml",
    "sema_xml",
    "dfat_xlsx",
    "ftm_json",
)


@cache
def formats() -> dict[str, Format]:
    """Every known format by name (each module exports FORMATS, a list of Format)."""
    found: dict[str, Format] = {}
    for name in FORMAT_MODULES:
        module = importlib.import_module(f"watchlist.sources.{name}")
        for fmt in module.FORMATS:
            found[fmt.name] = fmt
    return found


def get_source(source_id: str) -> SourceInfo:
    """The source with this id; a clear KeyError listing the known ids otherwise."""
    try:
        return SOURCES[source_id]
    except KeyError:
        raise KeyError(f"unknown source {source_id!r}; known: {', '.join(SOURCES)}") from None

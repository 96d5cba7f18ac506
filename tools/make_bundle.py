"""Rebuild the snapshots bundled in the package (`src/watchlist/bundled/`) from the real
list files in ../shared/data/lists: each publisher file compressed with xz, and the manifest.

    python tools/make_bundle.py [--lists ../shared/data/lists]

The list of what is bundled, and why each snapshot was chosen, is LISTS below; the
manifest it writes is what the package reads (`watchlist.sources.bundle`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import lzma
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "src" / "watchlist" / "bundled"
SLS = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/"
OFAC_LICENCE = "Public domain: a work of the US federal government (17 U.S.C. § 105)."
OFAC_CREDIT = "US Department of the Treasury, Office of Foreign Assets Control (OFAC)."

LISTS = [
    {
        "source": "us_ofac_sdn",
        "title": "OFAC Specially Designated Nationals (SDN) List",
        "publisher": "US Treasury, Office of Foreign Assets Control",
        "snapshot_date": "2021-07-07",
        "date_basis": "the date the copy was taken (the CSV files carry no date; the newest "
                      "entry is ent_num 32391)",
        "files": ["ofac/sdn_csv_2021-07/sdn.csv", "ofac/sdn_csv_2021-07/add.csv",
                  "ofac/sdn_csv_2021-07/alt.csv", "ofac/sdn_csv_2021-07/sdn_comments.csv"],
        "official_urls": [SLS + "SDN.CSV", SLS + "ADD.CSV", SLS + "ALT.CSV",
                          SLS + "SDN_COMMENTS.CSV"],
        "copied_from": "moov-io/watchman @ 05de774492342c15b4fda08c836e1e0b1781b38e : "
                       "test/testdata/bench/ (byte for byte)",
        "licence": OFAC_LICENCE,
        "attribution": OFAC_CREDIT,
        "choice": (
            "The newest complete SDN set held: primary records, aliases, addresses and "
            "remarks as OFAC published them together (8,976 entries; 4,139 of them with "
            "11,910 aliases). The newer November 2022 copy is sdn.csv alone: 2,617 more "
            "entries (1,668 of them Russia EO14024) but not one alias or address, so every "
            "a.k.a. and every address of all 11,118 entries would be missing. Of those 2,617 "
            "entries, 1,362 (1,110 of the 1,668 Russia ones) are found by name, scoring "
            "0.80 or more, on the other bundled lists (OFSI, SEMA, DFAT, UN), which serve "
            "beside it."),
    },
    {
        "source": "us_ofac_cons",
        "title": "OFAC Consolidated (non-SDN) Sanctions List",
        "publisher": "US Treasury, Office of Foreign Assets Control",
        "snapshot_date": "2025-12-19",
        "date_basis": "the date the copy was taken (the CSV files carry no date)",
        "files": ["ofac/cons_csv_2025-12/cons_prim.csv", "ofac/cons_csv_2025-12/cons_add.csv",
                  "ofac/cons_csv_2025-12/cons_alt.csv",
                  "ofac/cons_csv_2025-12/cons_comments.csv"],
        "official_urls": [SLS + "CONS_PRIM.CSV", SLS + "CONS_ADD.CSV", SLS + "CONS_ALT.CSV",
                          SLS + "CONS_COMMENTS.CSV"],
        "copied_from": "moov-io/watchman @ fca231b099c4b4d5022d03f4d36cdc4cae0f329c : "
                       "test/testdata/cons_*.csv (byte for byte)",
        "licence": OFAC_LICENCE,
        "attribution": OFAC_CREDIT,
        "choice": "The newest complete set held (442 entries with their aliases, addresses "
                  "and remarks); newer than the March 2025 CONSOLIDATED.XML.",
    },
    {
        "source": "gb_hmt_sanctions",
        "title": "OFSI Consolidated List of Financial Sanctions Targets",
        "publisher": "HM Treasury, Office of Financial Sanctions Implementation",
        "snapshot_date": "2025-04-10",
        "date_basis": "the list's own date ('Last Updated 10/04/2025')",
        "files": ["uk/UK_Sanctions_List_2025-04.xlsx"],
        "official_urls": [
            "https://ofsistorage.blob.core.windows.net/publishlive/2022format/ConList.csv",
            "https://ofsistorage.blob.core.windows.net/publishlive/2022format/ConList.xml"],
        "url_note": "OFSI published the list at these addresses (CSV and XML) and as .xlsx, "
                    "whose address is not confirmed; the list closed on 2026-01-28, when "
                    "the UK Sanctions List (gb_fcdo_sanctions) replaced it.",
        "copied_from": "nadya-soto/uk-sanctions-cleaning-project @ "
                       "aaebb3d4b7bcd0eaed4adb1a5363382f3590838a : data/UK_Sanctions_List.xlsx "
                       "(byte for byte)",
        "licence": "Open Government Licence v3.0 "
                   "(https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/).",
        "attribution": "Contains public sector information licensed under the Open "
                       "Government Licence v3.0 (HM Treasury, OFSI).",
        "choice": "The newest UK list held in full (4,686 designations). The UK Sanctions "
                  "List that replaced it is held only as a 5-record excerpt, so this stands "
                  "in for it when its publisher cannot be reached.",
        "stands_in_for": ["gb_fcdo_sanctions"],
    },
    {
        "source": "un_sc_sanctions",
        "title": "UN Security Council Consolidated List",
        "publisher": "United Nations Security Council",
        "snapshot_date": "2026-02-27",
        "date_basis": "the list's own date (dateGenerated 2026-02-27T00:00:09.554Z)",
        "files": ["un/consolidated_2026-02-27.xml"],
        "official_urls": ["https://scsanctions.un.org/resources/xml/en/consolidated.xml"],
        "copied_from": "moov-io/watchman @ 612b2174c7753aaf7166f59bbefcdfecbb1681de : "
                       "test/testdata/UN_consolidated.xml (byte for byte)",
        "licence": "A public document of the United Nations Security Council, free to use.",
        "attribution": "United Nations Security Council Consolidated List.",
        "choice": "The newest copy held (1,003 records).",
    },
    {
        "source": "ca_dfatd_sema_sanctions",
        "title": "Consolidated Canadian Autonomous Sanctions List (SEMA, JVCFOA)",
        "publisher": "Global Affairs Canada",
        "snapshot_date": "2025-05-25",
        "date_basis": "the date the copy was taken (the file carries no date; its newest "
                      "listing is of 2025-03-20)",
        "files": ["ca/sema-lmes_2025-05.xml"],
        "official_urls": [
            "https://www.international.gc.ca/world-monde/assets/office_docs/"
            "international_relations-relations_internationales/sanctions/sema-lmes.xml"],
        "copied_from": "kebalkhadka/Sanctionslist @ 9118555a76f364f138dbe4bb698758b12ef1dec3 : "
                       "data/cannada.xml (byte for byte)",
        "licence": "Open Government Licence – Canada "
                   "(https://open.canada.ca/en/open-government-licence-canada).",
        "attribution": "Contains information licensed under the Open Government Licence – "
                       "Canada (Global Affairs Canada).",
        "choice": "The newest copy held (4,759 records; the 2020 copy has 1,369).",
    },
    {
        "source": "au_dfat_sanctions",
        "title": "Australian Consolidated Sanctions List",
        "publisher": "Australian Department of Foreign Affairs and Trade",
        "snapshot_date": "2024-11-11",
        "date_basis": "the list's newest Control Date (the file was saved the same day)",
        "files": ["au/regulation8_consolidated_2024-12.xlsx"],
        "official_urls": [
            "https://www.dfat.gov.au/sites/default/files/regulation8_consolidated.xlsx"],
        "url_note": "DFAT's address until November 2025; the list is now published as "
                    "Australian_Sanctions_Consolidated_List.xlsx, in new columns.",
        "copied_from": "Stanux/app-lista-negra @ 48e080840ca416d15fa416149c7c80ebc575d962 : "
                       "regulation8_consolidated.xlsx (byte for byte)",
        "licence": "© Commonwealth of Australia, published under Creative Commons "
                   "Attribution 4.0 (CC BY 4.0) on data.gov.au.",
        "attribution": "© Commonwealth of Australia (Department of Foreign Affairs and "
                       "Trade), CC BY 4.0.",
        "choice": "The only copy held in full (2,925 primary names).",
    },
]

#: Sources with a publisher but no bundled snapshot, and why.
NOT_BUNDLED = {
    "eu_fsf": "only a 5-record excerpt and the first 1,000 lines of a 2018 CSV are held; "
              "no complete EU list",
    "gb_fcdo_sanctions": "only a 5-record excerpt is held; the OFSI list of 2025-04-10 "
                         "(gb_hmt_sanctions) stands in for it",
}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build(lists_dir: Path, dest: Path = BUNDLE) -> dict:
    """Compress each list's files into `dest` and write the manifest; returns it."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    entries = []
    for spec in LISTS:
        files = []
        for rel in spec["files"]:
            data = (lists_dir / rel).read_bytes()
            name = Path(rel).name
            packed = f"{spec['source']}/{name}.xz"
            (dest / spec["source"]).mkdir(exist_ok=True)
            (dest / packed).write_bytes(lzma.compress(data, preset=9 | lzma.PRESET_EXTREME))
            files.append({"name": name, "packed": packed, "size": len(data),
                          "sha256": sha256(data)})
        entries.append({**{k: v for k, v in spec.items() if k != "files"}, "files": files})
    manifest = {
        "about": "Dated snapshots of the official lists, shipped with watchlist as a fallback "
                 "for a machine that cannot reach the publishers. They are NOT the "
                 "publishers' current lists. Each file is the publisher's own, compressed "
                 "with xz; size and sha256 are of the uncompressed file.",
        "lists": entries,
        "not_bundled": NOT_BUNDLED,
    }
    (dest / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False)
                                        + "\n", encoding="utf-8")
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lists", type=Path, default=ROOT.parent / "shared/data/lists")
    args = parser.parse_args()
    manifest = build(args.lists)
    total = sum(p.stat().st_size for p in BUNDLE.rglob("*") if p.is_file())
    print(f"{len(manifest['lists'])} lists bundled in {BUNDLE}: {total:,} bytes")


if __name__ == "__main__":
    main()

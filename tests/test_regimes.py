"""The regime taxonomy: labels mapped to common regimes, read from one reviewed file, in
agreement with the regime countries linking uses, and covering the shared snapshots."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import shared_file
from watchlist.profiles.programmes import regime_countries
from watchlist.regimes.taxonomy import (
    TaxonomyError,
    default_taxonomy,
    load_taxonomy,
    normalise_label,
)
from watchlist.sources.detect import walk
from watchlist.sources.parse import parse_entities


def test_publishers_labels_map_to_one_common_regime() -> None:
    taxonomy = default_taxonomy()
    assert taxonomy.regimes_of("us_ofac_sdn", "BELARUS-EO14038") == ("belarus",)
    assert taxonomy.regimes_of("gb_hmt_sanctions", "Belarus") == ("belarus",)
    assert taxonomy.regimes_of("ca_dfatd_sema_sanctions",
                               "Special Economic Measures (Belarus) Regulations, Schedule 1,"
                               "Part 3") == ("belarus",)
    assert taxonomy.regimes_of("gb_fcdo_sanctions",
                               "The Republic of Belarus (Sanctions) (EU Exit) Regulations "
                               "2019") == ("belarus",)


def test_labels_compare_whatever_their_case_dashes_and_spacing() -> None:
    assert normalise_label("Autonomous (Thematic \u2013 Corruption)") == \
        normalise_label("autonomous  (thematic - corruption)")
    assert default_taxonomy().regimes_of(
        "au_dfat_sanctions", "Autonomous (Thematic \u2013 Corruption)") == ("corruption",)


def test_a_label_may_belong_to_a_country_and_a_theme() -> None:
    assert set(default_taxonomy().regimes_of("us_ofac_sdn", "IRAN-HR")) == {
        "iran", "human-rights"}


def test_a_label_is_read_in_its_own_jurisdiction_only() -> None:
    taxonomy = default_taxonomy()
    assert taxonomy.regimes_of("un_sc_sanctions", "GB") == ("guinea-bissau",)
    assert taxonomy.regimes_of("us_ofac_sdn", "GB") == ()
    assert taxonomy.jurisdiction_of("own_list") == "own_list"


def test_country_programmes_agree_with_the_countries_linking_uses() -> None:
    """Every label linking reads as about countries (`profiles.programmes`) is in a country
    programme of the taxonomy about those countries."""
    taxonomy = default_taxonomy()
    checked = 0
    for regime in taxonomy.regimes.values():
        for code, labels in regime.labels.items():
            source = taxonomy.jurisdictions[code].sources[0]
            for label in labels:
                text = label.rstrip("*")
                countries = regime_countries([text])
                if not countries:
                    continue
                checked += 1
                covered = {c for r in taxonomy.regimes_of(source, text)
                           for c in taxonomy.regimes[r].countries}
                assert countries <= covered, (label, countries, covered)
    assert checked > 50


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "taxonomy.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "problem"), [
    ("[regimes.x\n", "not valid TOML"),
    ("[jurisdictions]\nus = { name = 'US' }\n[regimes.x]\nname = 'X'\nkind = 'place'\n",
     "regimes.x.kind"),
    ("[jurisdictions]\n[regimes.x]\nname = 'X'\nkind = 'theme'\nlabels.zz = ['A']\n",
     "regimes.x.labels.zz: no such jurisdiction"),
    ("[jurisdictions]\n[regimes.x]\nname = 'X'\nkind = 'country'\n",
     "regimes.x.countries"),
    ("[jurisdictions]\nus = { name = 'US' }\n[regimes.x]\nname = 'X'\nkind = 'theme'\n"
     "labels.us = ['']\n", "regimes.x.labels.us"),
])
def test_a_wrong_taxonomy_file_is_refused_naming_the_field(tmp_path: Path, text: str,
                                                          problem: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(TaxonomyError) as info:
        load_taxonomy(path)
    assert str(path) in str(info.value) and problem in str(info.value)


def test_an_unknown_regime_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(TaxonomyError, match="belarus"):
        default_taxonomy().regime("belarusia")


@pytest.mark.parametrize("relative", [
    "un/consolidated_2026-02-27.xml",
    "ca/sema-lmes_2025-05.xml",
    "ca/sema-lmes_2020-04.xml",
    "au/regulation8_consolidated_2024-12_from_xlsx.csv",
    "uk/ofsi_conlist_2025-04-10_from_xlsx.csv.gz",
    "uk/fixtures/UK_Sanctions_List_excerpt_2026-09-10.xml",
    "eu/eu_fsf_csv_2018-07-04_truncated.csv",
    "ofac/cons_csv_2025-12",
    "ofac/fixtures",
])
def test_every_label_of_the_shared_snapshots_is_mapped(relative: str) -> None:
    path = shared_file(relative)
    taxonomy = default_taxonomy()
    unmapped = set()
    sets, _skipped = walk([path])
    assert sets, f"{relative}: no list recognised"
    for fileset in sets:
        entities, ctx = parse_entities(fileset)
        for entity in entities:
            if entity.schema.name == "Sanction":
                unmapped.update(label for label in entity.get("program", quiet=True)
                                if not taxonomy.regimes_of(ctx.source or "", label))
    assert unmapped == set()

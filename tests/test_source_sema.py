"""Canada SEMA/JVCFOA list (`sema-lmes.xml`): both schemas, stable ids, names, bad files."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from followthemoney import EntityProxy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from conftest import FIXTURES, shared_file
from watchlist.errors import SourceError
from watchlist.sources import sema_xml
from watchlist.sources.base import TARGET_TOPIC, Context, FileSet
from watchlist.sources.detect import sniff_file
from watchlist.sources.files import read_head
from watchlist.sources.parse import parse_entities, validate

SMALL = FIXTURES / "sema_small.xml"
OLD = "ca/sema-lmes_2020-04.xml"
NEW = "ca/sema-lmes_2025-05.xml"


def parse(path: Path) -> tuple[dict[str, EntityProxy], Context]:
    ctx = Context(source=sema_xml.SOURCE, file=str(path))
    entities = {e.id: e for e in sema_xml.parse(ctx, {"main": path})}
    return entities, ctx


def targets(entities: dict[str, EntityProxy]) -> list[EntityProxy]:
    return [e for e in entities.values() if TARGET_TOPIC in e.get("topics", quiet=True)]


def eid(ref: str) -> str:
    return f"ca-dfatd-sema-sanctions-{ref}"


@pytest.fixture(scope="module")
def old() -> tuple[dict[str, EntityProxy], Context]:
    return parse(shared_file(OLD))


@pytest.fixture(scope="module")
def new() -> tuple[dict[str, EntityProxy], Context]:
    return parse(shared_file(NEW))


def _count_records(path: Path) -> int:
    return len(re.findall(rb"<record>", path.read_bytes()))


@pytest.mark.parametrize("relative, expected", [(OLD, 1369), (NEW, 4759)])
def test_sema_one_target_and_one_sanction_per_record(relative: str, expected: int) -> None:
    path = shared_file(relative)
    entities, ctx = parse(path)
    assert _count_records(path) == expected
    found = targets(entities)
    assert len(found) == expected
    sanctions = [e for e in entities.values() if e.schema.name == "Sanction"]
    assert len(sanctions) == expected
    assert {s.first("entity") for s in sanctions} == {t.id for t in found}
    assert ctx.published is None


def test_sema_file_has_no_date_so_newest_listing_stands_in(new, old) -> None:
    assert new[1].latest_listing == "2025-03-20"
    assert old[1].latest_listing is None


def _people(path: Path) -> dict[str, tuple[str, str, str]]:
    """name -> (country, schedule, item), read independently of the parser."""
    out = {}
    for rec in etree.parse(str(path)).getroot().iter("record"):
        parts = [rec.findtext(t) or "" for t in ("GivenName", "LastName", "Entity", "EntityOrShip")]
        name = re.sub(r"\s+", " ", " ".join(parts)).strip().lower()
        out[name] = (rec.findtext("Country"), rec.findtext("Schedule"), rec.findtext("Item"))
    return out


def test_sema_ids_survive_the_2020_to_2025_schedule_relabelling(old, new) -> None:
    """"2" became "Part 2" or "1, Part 2", JVCFOR's "1" became nothing: ids stay."""
    by_name_old = {_key(e): e.id for e in targets(old[0])}
    by_name_new = {_key(e): e.id for e in targets(new[0])}
    common = set(by_name_old) & set(by_name_new)
    assert len(common) > 1200
    changed = {n for n in common if by_name_old[n] != by_name_new[n]}
    # What remains are real changes: Russia's schedule 2 banks moved to schedule 1 part 2
    # under new item numbers, two South Sudan items swapped, one person moved to Burma.
    assert changed == {"sberbank", "veb", "russian agricultural bank", "marial chanuong",
                       "peter gadet", "maung maung soe"}
    raw_old, raw_new = _people(shared_file(OLD)), _people(shared_file(NEW))
    relabelled = [n for n in common if n in raw_old and n in raw_new
                  and raw_old[n][1] != raw_new[n][1] and by_name_old[n] == by_name_new[n]]
    assert len(relabelled) > 900


def _key(entity: EntityProxy) -> str:
    return re.sub(r"\s+", " ", entity.caption).strip().lower()


def test_sema_lukashenko_2025_field_by_field(new) -> None:
    entities, _ctx = new
    person = entities[eid("by-part-1-item-8")]
    assert person.schema.name == "Person"
    assert person.get("name") == ["Aleksandr Grigoryevich Lukashenko"]
    assert person.get("firstName") == ["Aleksandr Grigoryevich"]
    assert person.get("lastName") == ["Lukashenko"]
    assert person.get("birthDate") == ["1954-08-30"]
    assert person.get("topics") == ["sanction"]
    assert not person.get("country")
    sanction = entities[eid("by-part-1-item-8-sanction")]
    assert sanction.get("entity") == [person.id]
    assert sanction.get("authority") == ["Global Affairs Canada"]
    assert sanction.get("program") == [
        "Special Economic Measures (Belarus) Regulations, Schedule 1, Part 1"
    ]
    assert sanction.get("authorityId") == ["Schedule 1, Part 1, Item 8"]
    assert sanction.get("listingDate") == ["2020-09-28"]
    assert sanction.get("country") == ["by"]


def test_sema_lukashenko_is_not_in_the_april_2020_list(old) -> None:
    """Canada listed him under the Belarus regulations in September 2020."""
    names = [n for e in targets(old[0]) for n in e.get("name")]
    assert not [n for n in names if "lukash" in n.lower()]


def test_sema_vessel_with_imo_build_year_and_type(new) -> None:
    entities, _ctx = new
    ship = entities[eid("ru-schedule-1.1-item-1")]
    assert ship.schema.name == "Vessel"
    assert ship.get("name") == ["Balitiyskiy III"]
    assert ship.get("imoNumber") == ["IMO7612448"]
    assert ship.get("type") == ["General Cargo / Multi Purpose"]
    assert ship.get("buildDate") == ["1980"]
    ident = [e for e in entities.values()
             if e.schema.name == "Identification" and e.first("holder") == ship.id]
    assert [i.first("number") for i in ident] == ["7612448"]
    sanction = entities[eid("ru-schedule-1.1-item-1-sanction")]
    program = "Special Economic Measures (Russia) Regulations, Schedule 1.1"
    assert sanction.get("program") == [program]
    assert sanction.get("listingDate") == ["2025-02-21"]


def test_sema_person_aliases_in_three_scripts_and_languages(new) -> None:
    entities, _ctx = new
    person = entities[eid("by-part-1-item-103")]
    assert person.get("name") == ["Andrei Romanovich TARASEVICH"]
    assert sorted(person.get("alias")) == sorted([
        "Andrei Ramanavich TARASEVICH", "Андрэй Раманавiч ТАРАСЕВIЧ", "Андрей Романович ТАРАСЕВИЧ",
    ])
    assert person.get("birthDate") == ["1974-11-10"]
    assert entities[eid("by-part-1-item-103-sanction")].get("listingDate") == ["2024-04-12"]


def test_sema_2020_entity_with_comma_joined_aliases(old) -> None:
    entities, _ctx = old
    org = entities[eid("mm-part-1-item-1")]
    assert org.schema.name == "Organization"
    assert org.get("name") == ["Air Bagan"]
    assert sorted(org.get("alias")) == ["Air Bagan Holdings Pte. Ltd.", "Air Bagan Limited"]
    sanction = entities[eid("mm-part-1-item-1-sanction")]
    assert sanction.get("program") == ["Special Economic Measures (Burma) Regulations, Schedule 1"]
    assert not sanction.get("listingDate")


def test_sema_bracketed_spelling_of_last_name_is_an_alias(new) -> None:
    person = new[0][eid("ua-part-1-item-133")]
    assert person.get("name") == ["Aleksey Aleksandrovich DIKIY"]
    assert person.get("alias") == ["Aleksey Aleksandrovich DIKY"]


def test_sema_unreadable_birth_date_is_warned_and_kept_in_notes(new) -> None:
    entities, ctx = new
    person = entities[eid("ru-part-1-item-1114")]
    assert not person.get("birthDate")
    assert person.get("notes") == ["birthDate: Sep-99"]
    assert any("ru-part-1-item-1114" in w and "Sep-99" in w for w in ctx.warnings)


def test_sema_bilingual_entity_name_gives_both_halves_as_aliases(new) -> None:
    matches = [e for e in targets(new[0]) if e.first("name") == "Iranian Army/Armée iranienne"]
    assert len(matches) == 1
    assert sorted(matches[0].get("alias")) == ["Armée iranienne", "Iranian Army"]


# Alias splitting ---------------------------------------------------------------------------


@pytest.mark.parametrize("raw, expected", [
    ("Air Bagan Holdings Pte. Ltd., Air Bagan Limited",
     ["Air Bagan Holdings Pte. Ltd.", "Air Bagan Limited"]),
    ("Радиоавтоматика, ООО", ["Радиоавтоматика, ООО"]),
    ("Невское ПКБ, АО; Акционерное Общество \"Невское Проектно-Конструкторское Бюро\"",
     ["Невское ПКБ, АО", "Акционерное Общество \"Невское Проектно-Конструкторское Бюро\""]),
    ("Центральный научно-исследовательский институт машиностроения (ЦНИИМаш, АО)",
     ["Центральный научно-исследовательский институт машиностроения (ЦНИИМаш, АО)"]),
    ("Siarhei Karcheusky, Belarusian: Сяргей Карчэўскi,  Russian\xa0: Сергей Карчевский",
     ["Siarhei Karcheusky", "Сяргей Карчэўскi", "Сергей Карчевский"]),
    ("Abbas Nilforoushan\n عباس نیلفروشان", ["Abbas Nilforoushan", "عباس نیلفروشان"]),
    ("Myanma Five Star Line Company\nLimited", ["Myanma Five Star Line Company Limited"]),
    ("Министерство финансов or МинФин; MinFin", ["Министерство финансов", "МинФин", "MinFin"]),
    ("ООО \"ТРАНСОЙЛ\" / ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ \"ТРАНСОЙЛ\"",
     ["ООО \"ТРАНСОЙЛ\"", "ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ \"ТРАНСОЙЛ\""]),
    ("Акционерное общество or АО \"Усть-Луга Ойл\"", ["АО \"Усть-Луга Ойл\""]),
    ("(Rosselkhozbank)", ["Rosselkhozbank"]),
    ("Федеральное агентство по делам Содружества, соотечественников, и по сотрудничеству",
     ["Федеральное агентство по делам Содружества, соотечественников, и по сотрудничеству"]),
])
def test_sema_alias_string_split_into_names(raw: str, expected: list[str]) -> None:
    assert [n for n, _weak in sema_xml.split_aliases(raw)] == expected


def test_sema_one_word_alias_of_a_person_is_weak() -> None:
    found = sema_xml.split_aliases("Alexander, or Alexandr Valerievich Kalinin", person=True)
    assert found == [("Alexander", True), ("Alexandr Valerievich Kalinin", False)]
    assert sema_xml.split_aliases("IRGC, IRG", person=False) == [("IRGC", False), ("IRG", False)]


# Small fixture -----------------------------------------------------------------------------


def test_sema_small_fixture_all_record_kinds() -> None:
    entities, ctx = parse(SMALL)
    assert len(targets(entities)) == 4
    person = entities[eid("by-part-1-item-1")]
    assert person.get("lastName") == ["Testovich"]
    assert sorted(person.get("birthDate")) == ["1961-03-04", "1962-03-04"]
    assert len(person.get("alias")) == 3
    org = entities[eid("ru-part-2-item-2")]
    assert sorted(org.get("alias")) == ["Test Radio JSC", "Тестрадио, АО"]
    ship = entities[eid("ru-schedule-1.1-item-1")]
    assert ship.schema.name == "Vessel" and ship.get("imoNumber") == ["IMO9321483"]
    jvcfor = entities[eid("jvcfor-item-7")]
    assert jvcfor.get("name") == ["Pavel Examplov"]
    program = entities[eid("jvcfor-item-7-sanction")].get("program")
    assert program == ["Justice for Victims of Corrupt Foreign Officials Regulations (JVCFOR)"]
    assert ctx.latest_listing == "2025-02-21"
    assert ctx.warnings == []


def test_sema_ids_do_not_depend_on_record_order(tmp_path: Path) -> None:
    text = SMALL.read_text(encoding="utf-8")
    records = re.findall(r"\t<record>.*?</record>\n", text, re.S)
    shuffled = records[::-1]
    body = text.split("\t<record>")[0] + "".join(shuffled) + "</data-set>\n"
    path = tmp_path / "sema.xml"
    path.write_text(body, encoding="utf-8")
    first, _ = parse(SMALL)
    second, _ = parse(path)
    assert {k: v.caption for k, v in first.items()} == {k: v.caption for k, v in second.items()}


def test_sema_duplicate_schedule_and_item_get_the_name_and_a_warning(tmp_path: Path) -> None:
    rec = ("<record><Country>Iran</Country><LastName>{}</LastName><GivenName>A</GivenName>"
           "<Schedule>1, Part 1</Schedule><Item>5</Item></record>")
    path = tmp_path / "dup.xml"
    path.write_text(f"<data-set>{rec.format('One')}{rec.format('Two')}</data-set>", "utf-8")
    entities, ctx = parse(path)
    assert sorted(t.id for t in targets(entities)) == [
        eid("ir-part-1-item-5-a-one"), eid("ir-part-1-item-5-a-two")
    ]
    assert any("share this schedule and item" in w for w in ctx.warnings)


# Recognition -------------------------------------------------------------------------------


def test_sema_sniff_recognises_both_real_schemas() -> None:
    for relative in (OLD, NEW):
        path = shared_file(relative)
        found = sema_xml.sniff(path, read_head(path))
        assert found is not None and found.source == "ca_dfatd_sema_sanctions"
        assert sniff_file(path) == found


def test_sema_sniff_refuses_other_publishers_and_junk(lists_dir: Path, tmp_path: Path) -> None:
    others = [
        "un/consolidated_2026-02-27.xml", "ofac/cons_xml_2025-03/consolidated.xml",
        "au/regulation8_consolidated_2024-12_from_xlsx.csv",
        "ch/seco_amendment_example_2024-01-17.xml",
        "uk/fixtures/UK_Sanctions_List_excerpt_2026-09-10.xml",
        "opensanctions/yente_fixtures/t1_entities.ftm.json",
    ]
    for relative in others:
        path = lists_dir / relative
        assert sema_xml.sniff(path, read_head(path)) is None, relative
    junk = [b"", b"\x00\x01garbage", b"<html><body>Service unavailable</body></html>",
            b"<!DOCTYPE html><html><data-set><record><Country>x</Country>",
            b"<data-set></data-set>", b"Country,Item\nRussia,1\n"]
    for data in junk:
        assert sema_xml.sniff(tmp_path / "x", data) is None, data


def test_sema_real_file_passes_the_import_checks() -> None:
    path = shared_file(NEW)
    entities, ctx = parse_entities(FileSet("sema_xml", "ca_dfatd_sema_sanctions", {"main": path}))
    validate(entities, ctx)
    assert len(entities) == 4759 * 2 + 109


# Bad input ---------------------------------------------------------------------------------


def _refused(tmp_path: Path, data: bytes | str, *words: str) -> SourceError:
    path = tmp_path / "sema-lmes.xml"
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    with pytest.raises(SourceError) as info:
        parse(path)
    assert str(path) in str(info.value)
    for word in words:
        assert word in str(info.value)
    return info.value


def test_sema_wrong_root_is_refused(tmp_path: Path) -> None:
    text = SMALL.read_text(encoding="utf-8").replace("data-set", "dataset")
    _refused(tmp_path, text, "<dataset>", "not the SEMA list")


def test_sema_zero_records_is_refused(tmp_path: Path) -> None:
    _refused(tmp_path, '<?xml version="1.0"?>\n<data-set>\n</data-set>\n', "zero records")


def test_sema_truncated_file_is_refused(tmp_path: Path) -> None:
    data = SMALL.read_bytes()
    _refused(tmp_path, data[: len(data) * 2 // 3], "truncated")


def test_sema_doctype_is_refused(tmp_path: Path) -> None:
    text = SMALL.read_text(encoding="utf-8").replace(
        "<data-set", '<!DOCTYPE data-set [<!ENTITY x "y">]>\n<data-set', 1)
    _refused(tmp_path, text, "DOCTYPE")


def test_sema_absurd_name_and_impossible_date_keep_the_record(tmp_path: Path) -> None:
    text = SMALL.read_text(encoding="utf-8")
    text = text.replace("<LastName>Examplov</LastName>", f"<LastName>{'X' * 10_000}</LastName>")
    text = text.replace("<DateOfBirthOrShipBuildDate>1961-03-04 or 1962-03-04",
                        "<DateOfBirthOrShipBuildDate>1999-02-31")
    text = text.replace("<Item>2</Item>", "<Item>2</Item><Sanctioned>yes</Sanctioned>")
    path = tmp_path / "sema.xml"
    path.write_text(text, encoding="utf-8")
    entities, ctx = parse(path)
    assert len(targets(entities)) == 4
    long_one = entities[eid("jvcfor-item-7")]
    assert not long_one.get("name")
    assert entities[eid("by-part-1-item-1")].get("birthDate") == ["1999-02"]
    joined = "\n".join(ctx.warnings)
    assert "name of 10006 characters dropped" in joined
    assert "day 31 does not exist" in joined
    assert "<Sanctioned>" in joined


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_sema_garbled_file_raises_only_source_error(tmp_path: Path, data: st.DataObject) -> None:
    raw = bytearray(SMALL.read_bytes())
    for _ in range(data.draw(st.integers(1, 8))):
        pos = data.draw(st.integers(0, len(raw) - 1))
        action = data.draw(st.sampled_from(["flip", "cut", "dup"]))
        if action == "flip":
            raw[pos] = data.draw(st.integers(0, 255))
        elif action == "cut":
            del raw[pos: pos + data.draw(st.integers(1, 40))]
        else:
            raw[pos:pos] = raw[pos: pos + data.draw(st.integers(1, 40))]
    path = tmp_path / "garbled.xml"
    path.write_bytes(bytes(raw))
    try:
        entities, _ctx = parse(path)
    except SourceError:
        return
    for entity in entities.values():
        assert entity.id and entity.id.startswith("ca-dfatd-sema-sanctions-")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["1", "2", "Part 1", "1, Part 2", "1.1", "N/A", "3"]),
                min_size=1, max_size=12), st.randoms(use_true_random=False))
def test_sema_references_are_unique_for_any_schedule_labels(labels: list[str],
                                                             rnd: random.Random) -> None:
    records = []
    for i, label in enumerate(labels):
        rec = sema_xml.SemaRecord(position=i + 1)
        rec.fields = {"Country": rnd.choice(["Russia / Russie", "Iran"]), "Schedule": label,
                      "Item": str(rnd.randint(1, 3)), "LastName": f"Name{i}"}
        records.append(rec)
    ctx = Context(source=sema_xml.SOURCE, file="x")
    refs = sema_xml.references(ctx, records)
    assert len(set(refs.values())) == len(records)
    assert refs == sema_xml.references(Context(source=sema_xml.SOURCE, file="x"), records)

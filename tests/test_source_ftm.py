"""A user's own list as FollowTheMoney JSON lines: ids kept, targets by topic, corrupt files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from followthemoney import EntityProxy, model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import shared_file
from watchlist.errors import SourceError
from watchlist.sources import ftm_json
from watchlist.sources.base import TARGET_TOPIC, Context, FileSet
from watchlist.sources.detect import sniff_file
from watchlist.sources.files import HEAD_SIZE, read_head
from watchlist.sources.parse import parse_entities, validate

ZALA = "opensanctions/yente_fixtures/zala_entities.ftm.json"
T1 = "opensanctions/yente_fixtures/t1_entities.ftm.json"
PARTEI = "opensanctions/yente_fixtures/parteispenden_entities.ftm.json"

PERSON = {"id": "p-1", "schema": "Person",
          "properties": {"name": ["Ivan Testov"], "birthDate": ["1961-03-04"],
                         "topics": ["sanction"], "nationality": ["ru"]}}
ADDRESS = {"id": "a-1", "schema": "Address", "properties": {"full": ["1 Test Street, Minsk"]}}
COMPANY = {"id": "c-1", "schema": "Company", "properties": {"name": ["Test Radio JSC"]}}


def parse(path: Path) -> tuple[dict[str, EntityProxy], Context]:
    ctx = Context(source=ftm_json.SOURCE, file=str(path))
    return {e.id: e for e in ftm_json.parse(ctx, {"main": path})}, ctx


def targets(entities: dict[str, EntityProxy]) -> list[EntityProxy]:
    return [e for e in entities.values() if TARGET_TOPIC in e.get("topics", quiet=True)]


def lines_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def write_lines(path: Path, items: list[object]) -> Path:
    path.write_text("".join(
        (json.dumps(i, ensure_ascii=False) if not isinstance(i, str) else i) + "\n"
        for i in items), encoding="utf-8")
    return path


@pytest.mark.parametrize("relative, count, with_topic", [(ZALA, 91, 13), (T1, 7, 6)])
def test_ftm_targets_are_exactly_the_entities_with_the_sanction_topic(
        relative: str, count: int, with_topic: int) -> None:
    path = shared_file(relative)
    raw = lines_of(path)
    expected = {d["id"] for d in raw if "sanction" in d["properties"].get("topics", [])}
    assert len(raw) == count and len(expected) == with_topic
    entities, ctx = parse(path)
    assert set(entities) == {d["id"] for d in raw}
    assert {t.id for t in targets(entities)} == expected
    assert ctx.published is None


def test_ftm_file_without_topics_marks_every_party_as_target() -> None:
    path = shared_file(PARTEI)
    raw = lines_of(path)
    assert not any(d["properties"].get("topics") for d in raw)
    parties = {d["id"] for d in raw
               if model.get(d["schema"]).is_a("LegalEntity") or d["schema"] in ("Vessel",
                                                                                  "Airplane")}
    assert len(raw) == 475 and len(parties) == 96
    entities, _ctx = parse(path)
    assert len(entities) == 475
    assert {t.id for t in targets(entities)} == parties
    assert not any(TARGET_TOPIC in e.get("topics", quiet=True)
                   for e in entities.values() if e.schema.name in ("Payment", "Address"))


def test_ftm_values_are_kept_as_given() -> None:
    """Every property value of the real files survives; one invalid phone goes to notes."""
    for relative in (ZALA, T1, PARTEI):
        entities, ctx = parse(shared_file(relative))
        lost = []
        for data in lines_of(shared_file(relative)):
            entity = entities[data["id"]]
            assert entity.schema.name == data["schema"]
            for prop, values in data["properties"].items():
                lost.extend(set(values) - set(entity.get(prop)))
        if relative == ZALA:
            phones = "+7 (3412) 43-05-05; +7 (951) 210-81-28; +7 (912) 769-33-11"
            assert lost == [phones]
            assert f"phone: {phones}" in entities["NK-abdzbEBkqyT29GyREbiURZ"].get("notes")
            assert any("is not a valid phone; kept in notes" in w for w in ctx.warnings)
        else:
            assert lost == [] and ctx.warnings == []


def test_ftm_t1_organisation_with_multilingual_names() -> None:
    entities, _ctx = parse(shared_file(T1))
    org = entities["NK-2GdmHtZTeNXjNVrBGEXZNj"]
    assert org.schema.name == "Organization"
    names = org.get("name")
    assert "LLC “Inter Tobacco”" in names
    assert "Общество с ограниченной ответственностью “Интер Тобако”" in names
    assert org.get("topics") == ["sanction"]


def test_ftm_zala_person_and_its_sanctions() -> None:
    entities, ctx = parse(shared_file(ZALA))
    person = entities["NK-2Tbri3s6GgNtAwsSXh4qpL"]
    assert person.schema.name == "Person"
    assert "Maria Aleksandrovna Osetrova" in person.get("name")
    assert person.get("innCode") == ["183116181362"]
    assert person.get("fatherName") == ["АЛЕКСАНДРОВНА"]
    assert person.get("birthDate") == ["1988-01-07"]
    assert person in targets(entities)
    company = entities["NK-abdzbEBkqyT29GyREbiURZ"]
    assert "A Level Aerosystems CST LLC" in company.get("name")
    sanctions = [e for e in entities.values()
                 if e.schema.name == "Sanction" and company.id in e.get("entity")]
    assert len(sanctions) == 28
    assert not any(TARGET_TOPIC in s.get("topics", quiet=True) for s in sanctions)
    linked = entities["NK-SiYwWfxwLVrVeFswsvAvsm"]
    assert linked.get("topics") == ["sanction.linked"]
    assert linked not in targets(entities)
    assert ctx.latest_listing is not None and ctx.latest_listing.startswith("20")


def test_ftm_parteispenden_payment_keeps_its_references() -> None:
    entities, _ctx = parse(shared_file(PARTEI))
    payment = entities["2216b422a31242fe204654ce194864661f515921"]
    assert payment.schema.name == "Payment"
    assert payment.get("beneficiary") == ["6d03aec76fdeec8f9697d8b19954ab6fc2568bc8"]
    assert payment.get("amountEur") == ["100000"]
    party = entities["6d03aec76fdeec8f9697d8b19954ab6fc2568bc8"]
    assert party.get("name") == ["MLPD"] and party in targets(entities)


def test_ftm_real_files_pass_the_import_checks() -> None:
    for relative in (ZALA, T1, PARTEI):
        path = shared_file(relative)
        entities, ctx = parse_entities(FileSet("ftm_json", "ftm", {"main": path}))
        validate(entities, ctx)


# Recognition -------------------------------------------------------------------------------


def test_ftm_sniff_recognises_the_real_files() -> None:
    for relative in (ZALA, T1, PARTEI):
        path = shared_file(relative)
        assert ftm_json.sniff(path, read_head(path)).source == path.name.split(".")[0]
        assert sniff_file(path).format == "ftm_json"


def test_ftm_sniff_ignores_a_cut_last_line(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "big.ftm.json", [PERSON] * 3)
    head = path.read_bytes()
    cut = (head * (HEAD_SIZE // len(head) + 2))[:HEAD_SIZE]
    assert not cut.endswith(b"\n")
    assert ftm_json.sniff(path, cut) is not None
    huge = json.dumps({"id": "x", "schema": "Person", "properties": {"name": ["a" * HEAD_SIZE]}})
    assert ftm_json.sniff(path, huge.encode()[:HEAD_SIZE]) is not None


def test_ftm_sniff_refuses_other_publishers_and_junk(lists_dir: Path, tmp_path: Path) -> None:
    for relative in ("ca/sema-lmes_2025-05.xml", "au/regulation8_consolidated_2024-12.xlsx",
                     "un/consolidated_2026-02-27.xml",
                     "matching/nomenklatura/name_bench_cases.csv"):
        path = lists_dir / relative
        assert ftm_json.sniff(path, read_head(path)) is None, relative
    for data in [b"", b"{}", b'{"id": 1}\n', b"[1, 2, 3]", b'{"schema": "Person"}\n',
                 b"<html><body>{}</body></html>",
                 b'{"a": 1}\n{"schema": "Person", "properties": {}}\n',
                 b"\x00\x01\x02", b'{"schema": "Person", "properties": {}}\nnot json\n']:
        assert ftm_json.sniff(tmp_path / "x", data) is None, data


# Bad input ---------------------------------------------------------------------------------


def _refused(path: Path, *words: str) -> SourceError:
    with pytest.raises(SourceError) as info:
        parse(path)
    assert str(path) in str(info.value)
    for word in words:
        assert word in str(info.value), str(info.value)
    return info.value


def test_ftm_corrupt_line_fails_the_file_naming_the_line(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "mine.ftm.json", [PERSON, COMPANY, '{"id": "x", "sch'])
    _refused(path, "line 3", "not JSON")


def test_ftm_json_that_is_no_entity_fails_the_file(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "mine.ftm.json", [PERSON, [1, 2], COMPANY])
    _refused(path, "line 2", "not a FollowTheMoney entity")


def test_ftm_empty_file_is_zero_records(tmp_path: Path) -> None:
    path = tmp_path / "mine.ftm.json"
    path.write_text("\n\n", encoding="utf-8")
    _refused(path, "zero records")


def test_ftm_bad_utf8_fails_the_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.ftm.json"
    path.write_bytes(json.dumps(PERSON).encode() + b"\n" + b'{"id": "\xff"}\n')
    _refused(path, "line 2", "UTF-8")


def test_ftm_unknown_schema_and_missing_id_are_skipped_with_warnings(tmp_path: Path) -> None:
    items = [PERSON, {"id": "s-1", "schema": "Spaceship", "properties": {"name": ["X"]}},
             {"schema": "Company", "properties": {"name": ["No Id Ltd"]}},
             {"id": "t-1", "schema": "Thing", "properties": {"name": ["Abstract"]}},
             {"id": "p-2", "schema": "Person", "properties": {"name": ["Y"], "wings": ["2"]}}]
    entities, ctx = parse(write_lines(tmp_path / "mine.ftm.json", items))
    assert set(entities) == {"p-1", "p-2"}
    joined = "\n".join(ctx.warnings)
    assert "unknown schema 'Spaceship'" in joined
    assert "abstract schema 'Thing'" in joined
    assert "missing or not a valid entity id" in joined
    assert "property 'wings' is not in Person" in joined


def test_ftm_absurd_name_and_impossible_date_keep_the_record(tmp_path: Path) -> None:
    bad = {"id": "p-9", "schema": "Person",
           "properties": {"name": ["X" * 10_000, "Real Name"], "birthDate": ["1999-02-31"],
                          "topics": ["sanction"]}}
    entities, ctx = parse(write_lines(tmp_path / "mine.ftm.json", [bad]))
    person = entities["p-9"]
    assert person.get("name") == ["Real Name"] and person in targets(entities)
    joined = "\n".join(ctx.warnings)
    assert "name of 10000 characters dropped" in joined
    assert "birthDate '1999-02-31': day 31 does not exist in 1999-02; kept as 1999-02" in joined
    assert person.get("birthDate") == ["1999-02"]


def test_ftm_nested_entities_become_entities_of_their_own(tmp_path: Path) -> None:
    sanction = {"id": "s-1", "schema": "Sanction",
                "properties": {"entity": [PERSON], "authority": ["Me"],
                               "listingDate": ["2024-05-06"]}}
    entities, ctx = parse(write_lines(tmp_path / "nested.ftm.json", [sanction]))
    assert set(entities) == {"s-1", "p-1"}
    assert entities["s-1"].get("entity") == ["p-1"]
    assert entities["p-1"] in targets(entities)
    assert ctx.latest_listing == "2024-05-06"


def test_ftm_byte_order_mark_and_blank_lines_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.ftm.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(ADDRESS).encode() + b"\n\n"
                     + json.dumps(COMPANY).encode() + b"\n")
    assert ftm_json.sniff(path, read_head(path)) is not None
    entities, _ctx = parse(path)
    assert set(entities) == {"a-1", "c-1"}
    assert [t.id for t in targets(entities)] == ["c-1"]


def test_ftm_topics_anywhere_switch_off_the_default_targets(tmp_path: Path) -> None:
    items = [COMPANY, {"id": "c-2", "schema": "Company",
                       "properties": {"name": ["Listed Ltd"], "topics": ["sanction"]}}]
    entities, _ctx = parse(write_lines(tmp_path / "mine.ftm.json", items))
    assert [t.id for t in targets(entities)] == ["c-2"]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(
    st.binary(max_size=40),
    st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                 lambda kids: st.lists(kids, max_size=3)
                 | st.dictionaries(st.sampled_from(["id", "schema", "properties", "name",
                                                    "topics", "entity"]), kids, max_size=4),
                 max_leaves=12).map(lambda v: json.dumps(v).encode()),
    st.sampled_from([json.dumps(PERSON).encode(), json.dumps(COMPANY).encode()]),
), min_size=1, max_size=6))
def test_ftm_any_lines_raise_only_source_error(tmp_path: Path, lines: list[bytes]) -> None:
    path = tmp_path / "fuzz.ftm.json"
    path.write_bytes(b"\n".join(line.replace(b"\n", b" ") for line in lines))
    try:
        entities, _ctx = parse(path)
    except SourceError:
        return
    assert all(e.id for e in entities.values())


@settings(max_examples=30, deadline=None)
@given(st.permutations([PERSON, ADDRESS, COMPANY]))
def test_ftm_ids_are_kept_whatever_the_order(items: list[dict]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        entities, _ctx = parse(write_lines(Path(tmp) / "p.ftm.json", items))
    assert set(entities) == {"p-1", "a-1", "c-1"}
    assert [t.id for t in targets(entities)] == ["p-1"]

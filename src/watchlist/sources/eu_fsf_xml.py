"""The EU FSF XML export (v1.1): its sniffer, and its `sanctionEntity` elements read into
`EuRecord`s and built into entities."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from followthemoney import EntityProxy
from lxml import etree

from watchlist.normalize.dates import iso_date
from watchlist.sources.base import Context, Sniff
from watchlist.sources.entities import clean
from watchlist.sources.eu_fsf_entities import SOURCE, build_entities, valid_ref
from watchlist.sources.eu_fsf_record import (
    DOCUMENT_FLAGS,
    EuAddress,
    EuBirth,
    EuIdent,
    EuName,
    EuRecord,
    truthy,
)
from watchlist.sources.files import (
    child_text,
    head_text,
    is_html,
    iter_xml,
    local,
    xml_root_attrs,
    xml_root_tag,
)

XML_NAMESPACE = "http://eu.europa.ec/fpi/fsd/export"


def sniff_xml(path: Path, head: bytes) -> Sniff | None:
    """The FSF XML: an `export` root in the FSF namespace (or with `sanctionEntity`)."""
    if is_html(head) or xml_root_tag(head) != "export":
        return None
    text = head_text(head)[:8192]
    if XML_NAMESPACE in text or "<sanctionEntity" in text:
        return Sniff(format="eu_fsf_xml", source=SOURCE)
    return None


def _remarks(elem: etree._Element) -> list[str]:
    """The texts of an element's `remark` children."""
    found = (clean(c.text) for c in elem if local(c.tag) == "remark")
    return [r for r in found if r]


def _key(logical_id: str | None, index: int) -> str:
    """A dictionary key for a sub-record: its logical id, else its position."""
    return clean(logical_id) or f"#{index}"


def _xml_name(elem: etree._Element) -> EuName:
    """A `nameAlias` element as an EuName."""
    a = elem.attrib
    strong = a.get("strong")
    return EuName(
        whole=a.get("wholeName"), first=a.get("firstName"), middle=a.get("middleName"),
        last=a.get("lastName"), gender=a.get("gender"), title=a.get("title"),
        function=a.get("function"),
        strong=None if strong is None or not strong.strip() else truthy(strong),
        remark="; ".join(_remarks(elem)) or None, logical_id=a.get("logicalId"),
    )


def _xml_birth(elem: etree._Element) -> EuBirth:
    """A `birthdate` element as an EuBirth."""
    a = elem.attrib
    return EuBirth(
        date=a.get("birthdate"), day=a.get("dayOfMonth"), month=a.get("monthOfYear"),
        year=a.get("year"), range_from=a.get("yearRangeFrom"), range_to=a.get("yearRangeTo"),
        circa=truthy(a.get("circa")), calendar=a.get("calendarType"), city=a.get("city"),
        place=a.get("place"), region=a.get("region"), country_iso=a.get("countryIso2Code"),
        country_desc=a.get("countryDescription"), remark="; ".join(_remarks(elem)) or None,
        logical_id=a.get("logicalId"),
    )


def _xml_ident(elem: etree._Element) -> EuIdent:
    """An `identification` element as an EuIdent."""
    a = elem.attrib
    return EuIdent(
        number=a.get("number"), type_code=a.get("identificationTypeCode"),
        type_desc=a.get("identificationTypeDescription"), country_iso=a.get("countryIso2Code"),
        country_desc=a.get("countryDescription"), issued_by=a.get("issuedBy"),
        issue_date=a.get("issueDate") or a.get("validFrom"), valid_to=a.get("validTo"),
        latin_number=a.get("latinNumber"), region=a.get("region"),
        remark="; ".join(_remarks(elem)) or None,
        flags=[label for attr, label in DOCUMENT_FLAGS if truthy(a.get(attr))],
        logical_id=a.get("logicalId"),
    )


def _xml_address(elem: etree._Element) -> EuAddress:
    """An `address` element as an EuAddress (remarks and contact details kept)."""
    a = elem.attrib
    remarks = _remarks(elem)
    for c in elem:
        if local(c.tag) == "contactInfo":
            info = clean(" ".join(v for v in [*c.attrib.values(), c.text or ""] if v))
            if info:
                remarks.append(info)
    return EuAddress(
        street=a.get("street"), po_box=a.get("poBox"), city=a.get("city"),
        zip_code=a.get("zipCode"), region=a.get("region"), place=a.get("place"),
        country_iso=a.get("countryIso2Code"), country_desc=a.get("countryDescription"),
        remarks=remarks, logical_id=a.get("logicalId"),
    )


def record_from_xml(elem: etree._Element) -> EuRecord | None:
    """A `sanctionEntity` element as an EuRecord; None when it has no reference at all."""
    a = elem.attrib
    ref = clean(a.get("logicalId")) or clean(a.get("euReferenceNumber"))
    if ref is None:
        return None
    rec = EuRecord(
        ref=ref, eu_ref=a.get("euReferenceNumber"), un_id=clean(a.get("unitedNationId")),
        designation_date=a.get("designationDate"),
        designation_details=a.get("designationDetails"),
    )
    for index, c in enumerate(elem):
        tag = local(c.tag)
        if tag == "remark":
            if clean(c.text):
                rec.remarks.append(c.text or "")
        elif tag == "regulation":
            rec.programmes.append(c.get("programme") or "")
            rec.regulation_dates.append(c.get("publicationDate") or "")
            rec.urls.append(child_text(c, "publicationUrl") or "")
        elif tag == "subjectType":
            rec.subject = c.get("code") or c.get("classificationCode")
        elif tag == "nameAlias":
            rec.names[_key(c.get("logicalId"), index)] = _xml_name(c)
        elif tag == "birthdate":
            rec.births[_key(c.get("logicalId"), index)] = _xml_birth(c)
        elif tag == "identification":
            rec.idents[_key(c.get("logicalId"), index)] = _xml_ident(c)
        elif tag == "address":
            rec.addresses[_key(c.get("logicalId"), index)] = _xml_address(c)
        elif tag == "citizenship":
            rec.citizenships[_key(c.get("logicalId"), index)] = (
                c.get("countryIso2Code"), c.get("countryDescription"))
    return rec


def parse_xml(ctx: Context, files: Mapping[str, Path]) -> Iterator[EntityProxy]:
    """Every `sanctionEntity` of the FSF XML export as entities."""
    path = files["main"]
    root, attrs = xml_root_attrs(path, ctx.file)
    if root != "export":
        raise ctx.fail(f"root element is <{root}>, not the EU FSF <export>")
    published = iso_date(clean(attrs.get("generationDate")))
    if published:
        ctx.published = published
    count = 0
    for elem in iter_xml(path, {"sanctionEntity"}, ctx.file):
        rec = record_from_xml(elem)
        if rec is None:
            ctx.warn(f"#{count + 1}", "sanctionEntity without logicalId or euReferenceNumber; "
                     "skipped")
            continue
        if not valid_ref(ctx, rec.ref):
            continue
        count += 1
        yield from build_entities(ctx, rec)
    if count == 0:
        raise ctx.fail("holds no designated party: no <sanctionEntity> record")

"""ISO 20022 pacs.008 (FI to FI customer credit transfer), any version, read into Payments.

Every `FIToFICstmrCdtTrf` of the document is one message (a business-message envelope
may wrap an AppHdr and the Document); every `CdtTrfTxInf` in it is one transfer. Parties
read per transfer: Dbtr, Cdtr, UltmtDbtr, UltmtCdtr, InitgPty (customers), DbtrAgt,
CdtrAgt, IntrmyAgt1-3, InstgAgt, InstdAgt, PrvsInstgAgt1-3 (banks), and the invoicer
and invoicee of structured remittance information; each with its name, postal address
(country from Ctry, else from CtryOfRes, else the last AdrLine), BIC (BICFI, AnyBIC, or
the BIC/BICOrBEI of older versions), other identifiers and birth date. Free text: RmtInf
Ustrd, the text of RmtInf Strd, and instructions for the agents.

Parsing is safe as the list parsers are (`watchlist.sources.files`): no DTD, no entity
resolution, no network, and a document declaring a DOCTYPE is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from watchlist.fieldlimits import length_problem
from watchlist.sources.files import _parser_kwargs, local
from watchlist.sources.xml_prolog import MAX_PROLOG, prolog_problem
from watchlist.text.payments.codes import (
    address_country,
    bic_country,
    bic_identifiers,
    bic_problem,
    is_country,
)
from watchlist.text.payments.model import (
    FreeText,
    Party,
    Payment,
    PaymentError,
    birth_date_problem,
)

__all__ = ["NAMESPACE_PREFIX", "iter_pacs008", "parse_pacs008"]

FORMAT = "pacs008"
NAMESPACE_PREFIX = "urn:iso:std:iso:20022:tech:xsd:pacs.008."
MESSAGE = "FIToFICstmrCdtTrf"
#: Customer parties of a transfer, and their roles.
CUSTOMERS = {"UltmtDbtr": "ultimate debtor", "InitgPty": "initiating party",
             "Dbtr": "debtor", "Cdtr": "creditor", "UltmtCdtr": "ultimate creditor"}
#: Agents (banks) of a transfer, and their roles.
AGENTS = {"PrvsInstgAgt1": "previous instructing agent 1",
          "PrvsInstgAgt2": "previous instructing agent 2",
          "PrvsInstgAgt3": "previous instructing agent 3",
          "InstgAgt": "instructing agent", "InstdAgt": "instructed agent",
          "IntrmyAgt1": "intermediary agent 1", "IntrmyAgt2": "intermediary agent 2",
          "IntrmyAgt3": "intermediary agent 3", "DbtrAgt": "debtor agent",
          "CdtrAgt": "creditor agent"}
BIC_TAGS = ("BICFI", "BIC", "AnyBIC", "BICOrBEI")
#: Identifier schemes worth comparing with the lists (ISO 20022 external code sets):
#: passport, national identity, alien registration, driver's licence, social security and
#: tax numbers; certificate of incorporation, registration (COID, SIREN, SIRET) and DUNS
#: numbers. Bank-internal numbers (customer, employer) would only count against a match.
LISTED_SCHEMES = {"CCPT", "NIDN", "ARNU", "DRLC", "SOSE", "TXID", "CINC", "COID", "SREN",
                  "SRET", "DUNS"}
#: Elements of structured remittance information that hold no words worth scanning.
_NOT_TEXT = re.compile(r"(?:Dt|DtTm|Amt|Cd|Tp|Ccy|Nb(?:Of)?Txs|Rate|Sgn)$")
#: The largest document read (a pacs.008 is a few kB; a batch a few MB).
MAX_BYTES = 50 * 1024 * 1024


def _children(elem: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in elem if local(c.tag) == name]


def _child(elem: etree._Element | None, *path: str) -> etree._Element | None:
    for name in path:
        if elem is None:
            return None
        found = _children(elem, name)
        elem = found[0] if found else None
    return elem


def _text(elem: etree._Element | None, *path: str) -> str | None:
    found = _child(elem, *path) if path else elem
    if found is None:
        return None
    value = re.sub(r"\s+", " ", "".join(found.itertext())).strip()
    return value or None


def _parse_xml(data: bytes | str, source: str) -> etree._Element:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if isinstance(data, str) and raw.lstrip().startswith(b"<?xml"):
        # A str was decoded already: drop the declaration's encoding so lxml reads UTF-8.
        raw = re.sub(rb"^\s*<\?xml[^>]*\?>", b"", raw, count=1)
    if len(raw) > MAX_BYTES:
        raise PaymentError(source, None, f"is {len(raw):,} bytes; at most {MAX_BYTES:,} are "
                           "read")
    problem = prolog_problem(raw[:MAX_PROLOG], whole=len(raw) <= MAX_PROLOG)
    if problem is not None:
        raise PaymentError(source, None, problem)
    parser = etree.XMLParser(**_parser_kwargs())
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        raise PaymentError(source, None, f"is not well-formed XML ({exc})") from None
    except ValueError as exc:
        raise PaymentError(source, None, f"cannot be read as XML ({exc})") from None
    if root is None:
        raise PaymentError(source, None, "holds no XML element")
    return root


def _path(elem: etree._Element, top: etree._Element) -> str:
    """/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[2]/Cdtr: local names, with positions where
    an element has siblings of the same name."""
    parts = []
    node: etree._Element | None = elem
    while node is not None:
        name = local(node.tag)
        parent = node.getparent()
        if parent is not None:
            same = [c for c in parent if local(c.tag) == name]
            if len(same) > 1:
                name = f"{name}[{same.index(node) + 1}]"
        parts.append(name)
        if node is top:
            break
        node = parent
    return "/" + "/".join(reversed(parts))


def _where(path: str) -> str:
    """A path as the `field` of an error: from the transaction on."""
    marker = path.find("CdtTrfTxInf")
    return path[marker:] if marker >= 0 else path.lstrip("/")


def _bic(elem: etree._Element | None, root: etree._Element, source: str) -> str | None:
    if elem is None:
        return None
    for tag in BIC_TAGS:
        found = _child(elem, tag)
        value = _text(found)
        if found is not None and value:
            problem = bic_problem(value, iso=True)
            if problem:
                raise PaymentError(source, _where(_path(found, root)), problem)
            return value
    return None


def _country(elem: etree._Element | None, root: etree._Element, source: str) -> str | None:
    value = _text(elem)
    if elem is None or value is None:
        return None
    if not is_country(value) or not value.isupper():
        raise PaymentError(source, _where(_path(elem, root)), f"{value!r} is not an ISO "
                           "country code (two capital letters)")
    return value.lower()


def _address(party: Party, elem: etree._Element, root: etree._Element, source: str) -> None:
    adr = _child(elem, "PstlAdr")
    if adr is not None:
        structured = [_text(adr, tag) for tag in ("Dept", "SubDept", "StrtNm", "BldgNb",
                                                  "BldgNm", "Flr", "PstBx", "Room", "PstCd",
                                                  "TwnNm", "TwnLctnNm", "DstrctNm",
                                                  "CtrySubDvsn")]
        lines = [t for t in (_text(a) for a in _children(adr, "AdrLine")) if t]
        party.address = [t for t in structured if t] + lines
        country = _country(_child(adr, "Ctry"), root, source)
        if country is None and lines:
            country = address_country(lines)
        if country:
            party.country, party.country_from = country, "address"
    if party.country is None:
        residence = _country(_child(elem, "CtryOfRes"), root, source)
        if residence:
            party.country, party.country_from = residence, "residence"


def _identifiers(party: Party, ident: etree._Element, root: etree._Element,
                 source: str) -> None:
    org = _child(ident, "OrgId")
    person = _child(ident, "PrvtId")
    if org is not None:
        party.kind = "organization"
        bic = _bic(org, root, source)
        if bic:
            party.bic = bic
            party.identifiers.extend(bic_identifiers(bic))
        lei = _text(org, "LEI")
        if lei:
            party.identifiers.append(lei)
    if person is not None:
        party.kind = "person"
        birth = _child(person, "DtAndPlcOfBirth", "BirthDt")
        value = _text(birth)
        if birth is not None and value:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise PaymentError(source, _where(_path(birth, root)), f"birth date {value!r} "
                                   "is not an ISO date (YYYY-MM-DD)")
            problem = birth_date_problem(value)
            if problem:
                raise PaymentError(source, _where(_path(birth, root)), f"birth date {value!r} "
                                   f"is not a real date ({problem})")
            party.birth_date = value
    for holder in (org, person):
        if holder is None:
            continue
        for other in _children(holder, "Othr"):
            number = _text(other, "Id")
            scheme = _text(other, "SchmeNm", "Cd") or ""
            if number and scheme in LISTED_SCHEMES:
                party.identifiers.append(number)


def _name(elem: etree._Element, path: str, source: str) -> str | None:
    """The party's Nm, or a PaymentError when it is too long to screen."""
    name = _text(elem, "Nm")
    too_long = name and length_problem("Nm", name, "name")
    if too_long:
        raise PaymentError(source, _where(path), too_long)
    return name


def _customer(elem: etree._Element, tag: str, root: etree._Element, source: str,
              transaction: str | None) -> Party:
    path = _path(elem, root)
    party = Party(role=CUSTOMERS.get(tag, tag), field=tag, path=path, transaction=transaction)
    party.name = _name(elem, path, source)
    party.names = [party.name] if party.name else []
    _address(party, elem, root, source)
    ident = _child(elem, "Id")
    if ident is not None:
        _identifiers(party, ident, root, source)
    return party


def _agent(elem: etree._Element, tag: str, root: etree._Element, source: str,
           transaction: str | None) -> Party:
    path = _path(elem, root)
    party = Party(role=AGENTS.get(tag, tag), field=tag, path=path, kind="bank",
                  transaction=transaction)
    fin = _child(elem, "FinInstnId")
    if fin is None:
        raise PaymentError(source, _where(path), "has no FinInstnId (financial institution "
                           "identification)")
    party.bic = _bic(fin, root, source)
    if party.bic:
        party.identifiers.extend(bic_identifiers(party.bic))
    lei = _text(fin, "LEI")
    if lei:
        party.identifiers.append(lei)
    party.name = _name(fin, path, source)
    party.names = [party.name] if party.name else []
    _address(party, fin, root, source)
    if party.country is None and party.bic:
        party.country, party.country_from = bic_country(party.bic), "bic"
    member = _text(fin, "ClrSysMmbId", "MmbId")
    if member:
        party.account = member
    if not party.names and not party.bic and not member and not _child(fin, "Othr"):
        raise PaymentError(source, _where(path), "names no institution: no BIC, no Nm and no "
                           "clearing system member id")
    return party


def _texts(tx: etree._Element, root: etree._Element, transaction: str | None,
           source: str) -> tuple[list[FreeText], list[Party]]:
    texts: list[FreeText] = []
    parties: list[Party] = []
    rmt = _child(tx, "RmtInf")
    if rmt is not None:
        for node in _children(rmt, "Ustrd"):
            if node.text and node.text.strip():
                path = _path(node, root)
                texts.append(FreeText(field="RmtInf/Ustrd", path=path, text=node.text,
                                      transaction=transaction))
        for strd in _children(rmt, "Strd"):
            for role_tag, role in (("Invcr", "invoicer"), ("Invcee", "invoicee")):
                for node in _children(strd, role_tag):
                    party = _customer(node, role_tag, root, source, transaction)
                    party.role = role
                    parties.append(party)
            for node in strd.iter():
                if not isinstance(node.tag, str) or len(node):
                    continue
                name = local(node.tag)
                if _NOT_TEXT.search(name) or any(local(a.tag) in ("Invcr", "Invcee")
                                                 for a in node.iterancestors()):
                    continue
                if node.text and re.search(r"[^\W\d_]", node.text):
                    texts.append(FreeText(field="RmtInf" + _path(node, strd),
                                          path=_path(node, root), text=node.text,
                                          transaction=transaction))
    for tag in ("InstrForCdtrAgt", "InstrForNxtAgt"):
        for instr in _children(tx, tag):
            node = _child(instr, "InstrInf")
            if node is not None and node.text and node.text.strip():
                texts.append(FreeText(field=f"{tag}/InstrInf", path=_path(node, root),
                                      text=node.text, transaction=transaction))
    return texts, parties


def _amount(elem: etree._Element | None, root: etree._Element,
            source: str) -> dict[str, str]:
    if elem is None:
        return {}
    value = _text(elem) or ""
    currency = elem.get("Ccy") or ""
    where = _where(_path(elem, root))
    if not re.fullmatch(r"\d{1,18}(?:\.\d{1,5})?", value):
        raise PaymentError(source, where, f"amount {value!r} is not a decimal amount")
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise PaymentError(source, where, f"currency {currency!r} (attribute Ccy) is not a "
                           "3-letter ISO 4217 code")
    return {"amount": value, "currency": currency}


def _message(msg: etree._Element, root: etree._Element, source: str) -> Payment:
    header = _child(msg, "GrpHdr")
    if header is None:
        raise PaymentError(source, _where(_path(msg, root)) + "/GrpHdr", "is missing")
    reference = _text(header, "MsgId")
    if not reference:
        raise PaymentError(source, "GrpHdr/MsgId", "is missing or empty: the message has no "
                           "reference")
    details: dict[str, object] = {"created": _text(header, "CreDtTm"),
                                  "settlement_method": _text(header, "SttlmInf", "SttlmMtd")}
    parties: list[Party] = []
    for tag in ("InstgAgt", "InstdAgt"):  # in the group header in versions before 08
        for node in _children(header, tag):
            parties.append(_agent(node, tag, root, source, None))
    transactions = []
    texts: list[FreeText] = []
    txs = _children(msg, "CdtTrfTxInf")
    if not txs:
        raise PaymentError(source, "CdtTrfTxInf", "is missing: the message holds no transfer")
    for tx in txs:
        pmt = _child(tx, "PmtId")
        end_to_end = _text(pmt, "EndToEndId")
        if not end_to_end:
            raise PaymentError(source, _where(_path(tx, root)) + "/PmtId/EndToEndId",
                               "is missing or empty")
        info: dict[str, object] = {"end_to_end_id": end_to_end}
        for key, tag in (("instruction_id", "InstrId"), ("transaction_id", "TxId"),
                         ("uetr", "UETR")):
            value = _text(pmt, tag)
            if value:
                info[key] = value
        info.update(_amount(_child(tx, "IntrBkSttlmAmt"), root, source))
        date_value = _text(tx, "IntrBkSttlmDt")
        if date_value:
            info["settlement_date"] = date_value
        for child in tx:
            tag = local(child.tag)
            if tag in CUSTOMERS:
                parties.append(_customer(child, tag, root, source, end_to_end))
            elif tag in AGENTS:
                parties.append(_agent(child, tag, root, source, end_to_end))
        found_texts, found_parties = _texts(tx, root, end_to_end, source)
        texts.extend(found_texts)
        parties.extend(found_parties)
        transactions.append(info)
    for role in ("Dbtr", "Cdtr"):
        if not any(p.field == role for p in parties):
            raise PaymentError(source, f"CdtTrfTxInf/{role}", "is missing: a pacs.008 names "
                               "its debtor and creditor")
    return Payment(format=FORMAT, reference=reference, source=source, parties=parties,
                   texts=texts, transactions=transactions,
                   details={k: v for k, v in details.items() if v})


def iter_pacs008(data: bytes | str, source: str = FORMAT) -> Iterator[Payment]:
    """Every pacs.008 message of an XML document; raises PaymentError for a document that
    is not one (malformed, hostile, another message type)."""
    root = _parse_xml(data, source)
    namespaces = {n for n in (etree.QName(e).namespace for e in root.iter()
                              if isinstance(e.tag, str)) if n}
    messages = [e for e in root.iter() if isinstance(e.tag, str) and local(e.tag) == MESSAGE]
    if not messages:
        kinds = sorted(n.rsplit(":", 1)[-1] for n in namespaces
                       if n.startswith("urn:iso:std:iso:20022:tech:xsd:"))
        seen = f" (it is {', '.join(kinds)})" if kinds else ""
        raise PaymentError(source, None, f"is not a pacs.008 message: no {MESSAGE} element"
                           f"{seen}")
    for n, msg in enumerate(messages, 1):
        namespace = etree.QName(msg).namespace
        label = f"{source} message {n}" if len(messages) > 1 else source
        if namespace and not namespace.startswith(NAMESPACE_PREFIX):
            raise PaymentError(label, MESSAGE, f"namespace {namespace!r} is not a pacs.008 "
                               "namespace")
        yield _message(msg, root, label)


def parse_pacs008(data: bytes | str, source: str = FORMAT) -> list[Payment]:
    """The pacs.008 messages of an XML document (usually one)."""
    return list(iter_pacs008(data, source))

"""ISO 20022 pacs.008: every transfer's parties and free text, any version; hostile or
malformed XML refused with the element named."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from watchlist.text.payments import PaymentError, read_payments
from watchlist.text.payments.pacs008 import parse_pacs008

PAYMENTS = FIXTURES / "payments"
V08 = (PAYMENTS / "pacs008_v08_listed.xml").read_text(encoding="utf-8")
V02 = (PAYMENTS / "pacs008_v02_clean.xml").read_text(encoding="utf-8")
TX1 = "/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[1]"
TX2 = "/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[2]"


def one(text: str | bytes, source: str = "p.xml"):
    payments = parse_pacs008(text, source)
    assert len(payments) == 1
    return payments[0]


def test_every_transfer_gives_its_parties_with_role_path_and_reference() -> None:
    payment = one(V08)
    assert payment.format == "pacs008" and payment.reference == "RZB20240601-0042"
    assert payment.end_to_end_ids == ["E2E-POTASH-2024-17", "E2E-SEEDS-2024-18"]
    assert [(p.field, p.role, p.path, p.transaction) for p in payment.parties] == [
        ("InstgAgt", "instructing agent", f"{TX1}/InstgAgt", "E2E-POTASH-2024-17"),
        ("InstdAgt", "instructed agent", f"{TX1}/InstdAgt", "E2E-POTASH-2024-17"),
        ("UltmtDbtr", "ultimate debtor", f"{TX1}/UltmtDbtr", "E2E-POTASH-2024-17"),
        ("Dbtr", "debtor", f"{TX1}/Dbtr", "E2E-POTASH-2024-17"),
        ("DbtrAgt", "debtor agent", f"{TX1}/DbtrAgt", "E2E-POTASH-2024-17"),
        ("CdtrAgt", "creditor agent", f"{TX1}/CdtrAgt", "E2E-POTASH-2024-17"),
        ("Cdtr", "creditor", f"{TX1}/Cdtr", "E2E-POTASH-2024-17"),
        ("Dbtr", "debtor", f"{TX2}/Dbtr", "E2E-SEEDS-2024-18"),
        ("DbtrAgt", "debtor agent", f"{TX2}/DbtrAgt", "E2E-SEEDS-2024-18"),
        ("CdtrAgt", "creditor agent", f"{TX2}/CdtrAgt", "E2E-SEEDS-2024-18"),
        ("Cdtr", "creditor", f"{TX2}/Cdtr", "E2E-SEEDS-2024-18")]
    assert payment.transactions[0] == {
        "end_to_end_id": "E2E-POTASH-2024-17", "instruction_id": "RZB-I-0042-1",
        "uetr": "0e1f6a2c-5a8d-4b6e-9c3f-6d2a1b0c9e81", "amount": "250000.00",
        "currency": "EUR", "settlement_date": "2024-06-03"}


def test_party_details_name_address_country_bic_ids_and_birth_date() -> None:
    parties = {(p.field, p.transaction): p for p in one(V08).parties}
    ultimate = parties["UltmtDbtr", "E2E-POTASH-2024-17"]
    assert (ultimate.name, ultimate.kind, ultimate.birth_date) == ("Aleksandr Lukashenko",
                                                                  "person", "1954-08-30")
    creditor = parties["Cdtr", "E2E-POTASH-2024-17"]
    assert (creditor.name, creditor.kind, creditor.country, creditor.country_from) == (
        "BELARUSKALI OAO", "organization", "by", "address")
    assert creditor.address == ["Korzh Str.", "Soligorsk"]
    assert creditor.identifiers == ["600122610"]
    agent = parties["CdtrAgt", "E2E-POTASH-2024-17"]
    assert (agent.name, agent.bic, agent.kind, agent.country, agent.country_from) == (
        "Belinvestbank", "BLBBBY2X", "bank", "by", "bic")
    debtor = parties["Dbtr", "E2E-POTASH-2024-17"]
    assert debtor.address == ["Wagramer Strasse", "19", "1220", "Wien"]
    assert (debtor.country, debtor.kind) == ("at", "unknown")
    seeds = parties["Cdtr", "E2E-SEEDS-2024-18"]
    assert (seeds.country, seeds.country_from) == ("at", "address")  # from the AdrLine


def test_free_text_of_unstructured_and_structured_remittance() -> None:
    assert [(t.field, t.path, t.text, t.transaction) for t in one(V08).texts] == [
        ("RmtInf/Ustrd", f"{TX1}/RmtInf/Ustrd", "Potash fertilizer, contract 77/2021, lot 4",
         "E2E-POTASH-2024-17"),
        ("RmtInf/Strd/RfrdDocInf/Nb", f"{TX2}/RmtInf/Strd/RfrdDocInf/Nb", "RE-2024-0611",
         "E2E-SEEDS-2024-18"),
        ("RmtInf/Strd/AddtlRmtInf", f"{TX2}/RmtInf/Strd/AddtlRmtInf",
         "Seed order also for Absolutbank staff garden", "E2E-SEEDS-2024-18")]


def test_invoicer_and_instructions_are_read() -> None:
    text = V08.replace("<AddtlRmtInf>", "<Invcr><Nm>Belaruskali Trading</Nm></Invcr>"
                       "<AddtlRmtInf>").replace(
        "<RmtInf>\n        <Ustrd>", "<InstrForCdtrAgt><InstrInf>Call Mr Ivanov"
        "</InstrInf></InstrForCdtrAgt><RmtInf>\n        <Ustrd>")
    payment = one(text)
    invoicer = [p for p in payment.parties if p.role == "invoicer"]
    assert [(p.name, p.path) for p in invoicer] == [("Belaruskali Trading",
                                                      f"{TX2}/RmtInf/Strd/Invcr")]
    assert ("InstrForCdtrAgt/InstrInf", "Call Mr Ivanov") in [(t.field, t.text)
                                                              for t in payment.texts]


def test_version_02_with_bic_in_the_group_header() -> None:
    payment = one(V02)
    assert payment.reference == "SEPA-20240410-7781"
    parties = {p.field: p for p in payment.parties if p.transaction}
    header = [(p.field, p.bic, p.path) for p in payment.parties if p.transaction is None]
    assert header == [("InstgAgt", "INGBNL2A", "/Document/FIToFICstmrCdtTrf/GrpHdr/InstgAgt"),
                      ("InstdAgt", "DEUTDEFF", "/Document/FIToFICstmrCdtTrf/GrpHdr/InstdAgt")]
    assert parties["Dbtr"].bic == "GOUDNL21" and parties["Dbtr"].identifiers == ["GOUDNL21"]
    assert parties["Dbtr"].country == "nl"
    assert parties["CdtrAgt"].bic == "DEUTDEFF"


@pytest.mark.parametrize("version", ["001.02", "001.08", "001.10", "001.12"])
def test_any_version_namespace_is_read(version: str) -> None:
    text = V08.replace("pacs.008.001.08", f"pacs.008.{version}")
    assert one(text).reference == "RZB20240601-0042"


def test_no_namespace_and_business_message_envelope() -> None:
    plain = V08.replace(' xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"', "")
    assert one(plain).reference == "RZB20240601-0042"
    body = V08.split("?>", 1)[1]
    envelope = ('<?xml version="1.0"?><BizMsgEnvlp><AppHdr xmlns="urn:iso:std:iso:20022:tech'
                ':xsd:head.001.001.02"><BizMsgIdr>RZB20240601-0042</BizMsgIdr></AppHdr>'
                + body + "</BizMsgEnvlp>")
    payment = one(envelope)
    assert payment.parties[0].path == f"{TX1.replace('/Document', '/BizMsgEnvlp/Document')}" \
                                      "/InstgAgt"


def test_bytes_with_declared_encoding_and_str_read_alike() -> None:
    latin = V02.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').replace(
        "Muehlenwerke", "Mühlenwerke")
    from_bytes = one(latin.encode("iso-8859-1"))
    from_text = one(latin)
    assert [p.name for p in from_bytes.parties] == [p.name for p in from_text.parties]
    assert "Mühlenwerke Rheinland GmbH" in [p.name for p in from_text.parties]


BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"><FIToFICstmrCdtTrf>
<GrpHdr><MsgId>&lol2;</MsgId></GrpHdr></FIToFICstmrCdtTrf></Document>"""
XXE = """<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document><FIToFICstmrCdtTrf><GrpHdr><MsgId>&xxe;</MsgId></GrpHdr></FIToFICstmrCdtTrf>
</Document>"""


@pytest.mark.parametrize("text", [BOMB, XXE])
def test_doctype_and_entities_are_refused(text: str) -> None:
    with pytest.raises(PaymentError) as caught:
        parse_pacs008(text, "evil.xml")
    assert str(caught.value).startswith("evil.xml: declares a DOCTYPE")


def swap(old: str, new: str, text: str = V08) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


@pytest.mark.parametrize("text, field, problem", [
    (swap("<Ctry>BY</Ctry>", "<Ctry>Belarus</Ctry>"), "CdtTrfTxInf[1]/Cdtr/PstlAdr/Ctry",
     "'Belarus' is not an ISO country code"),
    (swap("<BICFI>BLBBBY2X</BICFI>\n", "<BICFI>BLBBBY2</BICFI>\n"),
     "CdtTrfTxInf[1]/CdtrAgt/FinInstnId/BICFI", "has 7 characters"),
    (swap("<BirthDt>1954-08-30", "<BirthDt>30.08.1954"),
     "CdtTrfTxInf[1]/UltmtDbtr/Id/PrvtId/DtAndPlcOfBirth/BirthDt", "is not an ISO date"),
    (swap("<BirthDt>1954-08-30", "<BirthDt>1954-02-30"),
     "CdtTrfTxInf[1]/UltmtDbtr/Id/PrvtId/DtAndPlcOfBirth/BirthDt", "is not a real date"),
    (swap("<BirthDt>1954-08-30", "<BirthDt>9954-08-30"),
     "CdtTrfTxInf[1]/UltmtDbtr/Id/PrvtId/DtAndPlcOfBirth/BirthDt", "year 9954 is not between"),
    (swap("<MsgId>RZB20240601-0042</MsgId>", ""), "GrpHdr/MsgId", "is missing"),
    (swap("<EndToEndId>E2E-SEEDS-2024-18</EndToEndId>", ""),
     "CdtTrfTxInf[2]/PmtId/EndToEndId", "is missing"),
    (swap('Ccy="EUR">4100.00', 'Ccy="EUR">4,100.00'), "CdtTrfTxInf[2]/IntrBkSttlmAmt",
     "amount '4,100.00' is not a decimal amount"),
    (swap('Ccy="EUR">4100.00', 'Ccy="euro">4100.00'), "CdtTrfTxInf[2]/IntrBkSttlmAmt",
     "currency 'euro'"),
    (swap("<CdtrAgt><FinInstnId><BICFI>BKAUATWW</BICFI></FinInstnId></CdtrAgt>",
          "<CdtrAgt><Nm>x</Nm></CdtrAgt>"), "CdtTrfTxInf[2]/CdtrAgt", "has no FinInstnId"),
    (swap("<CdtrAgt><FinInstnId><BICFI>BKAUATWW</BICFI></FinInstnId></CdtrAgt>",
          "<CdtrAgt><FinInstnId/></CdtrAgt>"), "CdtTrfTxInf[2]/CdtrAgt", "names no institution"),
    (V08.replace("<Cdtr>", "<Cdtx>").replace("</Cdtr>", "</Cdtx>"), "CdtTrfTxInf/Cdtr",
     "is missing"),
    (swap("pacs.008.001.08", "pacs.009.001.08"), "FIToFICstmrCdtTrf", "is not a pacs.008"),
])
def test_malformed_elements_are_named(text: str, field: str, problem: str) -> None:
    with pytest.raises(PaymentError) as caught:
        parse_pacs008(text, "p.xml")
    assert caught.value.field == field, str(caught.value)
    assert problem in caught.value.problem, str(caught.value)


@pytest.mark.parametrize("text, problem", [
    (V08[: len(V08) // 2], "is not well-formed XML"),
    ('<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09">'
     "<CstmrCdtTrfInitn/></Document>", "is not a pacs.008 message: no FIToFICstmrCdtTrf "
     "element (it is pain.001.001.09)"),
    ("<html><body>Gateway timeout</body></html>", "is not a pacs.008 message"),
])
def test_documents_that_are_no_pacs008_are_named(text: str, problem: str) -> None:
    items = list(read_payments(text.encode(), "in.xml"))
    assert len(items) == 1 and isinstance(items[0], PaymentError)
    assert items[0].field is None and problem in items[0].problem, str(items[0])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(V08)), st.integers(0, 8),
                          st.sampled_from(["", "<", ">", "/", "&", "<Nm>", "</Cdtr>", "BY",
                                           "x", "\x00", "é", "<!DOCTYPE a>"])),
                min_size=1, max_size=4))
def test_mutated_documents_raise_only_payment_errors(edits: list[tuple[int, int, str]]
                                                    ) -> None:
    text = V08
    for at, cut, insert in edits:
        text = text[:at] + insert + text[at + cut:]
    for data in (text, text.encode("utf-8", "surrogatepass")):
        try:
            parse_pacs008(data, "m.xml")
        except PaymentError:
            pass

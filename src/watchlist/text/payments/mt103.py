"""SWIFT MT103 (single customer credit transfer): the text of block 4, or whole messages
with their {1:}{2:}{3:}{4:...-}{5:} blocks, read into a `Payment`.

Fields read: 20 (reference), 23B, 32A, 33B, 50A/50F/50K (ordering customer), 52A/52D
(ordering institution), 53a to 57a (correspondents, intermediary, account with
institution), 59/59A/59F (beneficiary), 70 (remittance information), 71A, 72 (sender to
receiver information), 77B (regulatory reporting); other MT103 fields are kept as text.
The sender and receiver of a full message (blocks 1 and 2) are parties too.

This module holds the MT103's rules: which fields it may carry, which it must, and what
each means. The MT text itself (messages, blocks, headers, tagged fields) is read by
`mt_format`, field values are checked by `mt_values` (lines of 35 characters, amounts,
dates, BICs) and party fields by `mt_parties` (the numbered lines of options F too); a
message that breaks them raises `PaymentError` naming the field. SWIFT's character set
is not enforced: a name with characters FIN would refuse is still screened.
"""

from __future__ import annotations

from collections.abc import Iterator

from watchlist.text.payments.codes import bic_country, bic_identifiers
from watchlist.text.payments.model import FreeText, Party, Payment, PaymentError
from watchlist.text.payments.mt_format import (
    Field,
    block4_of,
    format_block4,
    read_fields,
    read_header,
    split_messages,
)
from watchlist.text.payments.mt_parties import ROLES, read_party
from watchlist.text.payments.mt_values import (
    check_lines,
    currency_amount,
    single_line,
    swift_date,
)

__all__ = ["Field", "format_block4", "parse_block4", "parse_mt103", "split_messages"]

FORMAT = "mt103"

#: Every field an MT103 (including STP and REMIT) may carry: tag -> (mandatory group,
#: repeatable). Tags of one group are the options of one field (50A, 50F, 50K).
FIELDS: dict[str, tuple[str, bool]] = {
    "20": ("20", False), "13C": ("13C", True), "23B": ("23B", False), "23E": ("23E", True),
    "26T": ("26T", False), "32A": ("32A", False), "33B": ("33B", False), "36": ("36", False),
    "50A": ("50a", False), "50F": ("50a", False), "50K": ("50a", False),
    "51A": ("51A", False), "52A": ("52a", False), "52D": ("52a", False),
    "53A": ("53a", False), "53B": ("53a", False), "53D": ("53a", False),
    "54A": ("54a", False), "54B": ("54a", False), "54D": ("54a", False),
    "55A": ("55a", False), "55B": ("55a", False), "55D": ("55a", False),
    "56A": ("56a", False), "56C": ("56a", False), "56D": ("56a", False),
    "57A": ("57a", False), "57B": ("57a", False), "57C": ("57a", False), "57D": ("57a", False),
    "59": ("59a", False), "59A": ("59a", False), "59F": ("59a", False),
    "70": ("70", False), "71A": ("71A", False), "71F": ("71F", True), "71G": ("71G", False),
    "72": ("72", False), "77B": ("77B", False), "77T": ("77T", False),
}  # fmt: skip
MANDATORY = ("20", "23B", "32A", "50a", "59a", "71A")
#: Free-text fields scanned for listed names.
TEXT_FIELDS = {"70": "remittance information", "72": "sender to receiver information",
               "77B": "regulatory reporting"}
#: Lines of 35 characters each field may have (name and address, narrative).
NARRATIVE_LINES = {"70": 4, "72": 6, "77B": 3}
BANK_OPERATION_CODES = ("CRED", "CRTS", "SPAY", "SPRI", "SSTD")
CHARGES = ("BEN", "OUR", "SHA")
#: The fields of block 3 (the user header) kept among the payment's details.
USER_HEADER = {"121": "uetr", "119": "validation", "108": "mur"}


def parse_block4(text: str, source: str = FORMAT) -> list[Field]:
    """The fields of MT103 block 4 text (`:20:REF` lines and their continuation lines), in
    order.

    Unknown tags, text before the first tag and a non-repeatable field given twice are
    errors naming the field."""
    return read_fields(text, source, FIELDS, "MT103")


def _header_parties(source: str, blocks: dict[str, str]) -> tuple[list[Party], dict[str, str]]:
    """The sender and receiver of blocks 1 and 2, and the header details."""
    header = read_header(source, blocks, "103")
    details = {"direction": header.direction, "message_type": header.message_type}
    parties = [Party(role=role, field=f"block {block}", path=f"{{{block}:}}", kind="bank",
                     bic=bic, identifiers=bic_identifiers(bic), country=bic_country(bic),
                     country_from="bic")
               for role, bic, block in (("sender", header.sender, header.sender_block),
                                        ("receiver", header.receiver, header.receiver_block))]
    for key, value in header.user:
        if key in USER_HEADER:
            details[USER_HEADER[key]] = value
    return parties, details


def _check_reference(source: str, value: str) -> str:
    ref = single_line(source, "20", value).strip()
    if not ref:
        raise PaymentError(source, "20", "the sender's reference is empty")
    if len(ref) > 16:
        raise PaymentError(source, "20", f"reference {ref!r} has {len(ref)} characters; at "
                           "most 16")
    if ref.startswith("/") or ref.endswith("/") or "//" in ref:
        raise PaymentError(source, "20", f"reference {ref!r} must not start or end with '/' "
                           "or contain '//'")
    return ref


def _payment_details(source: str, fields: list[Field]) -> tuple[str, dict[str, object]]:
    details: dict[str, object] = {}
    reference = ""
    for f in fields:
        if f.tag == "20":
            reference = _check_reference(source, f.value)
        elif f.tag == "23B":
            code = single_line(source, f.tag, f.value).strip()
            if code not in BANK_OPERATION_CODES:
                raise PaymentError(source, f.tag, f"bank operation code {code!r} is not one "
                                   f"of {', '.join(BANK_OPERATION_CODES)}")
            details["bank_operation_code"] = code
        elif f.tag == "32A":
            text = single_line(source, f.tag, f.value).strip()
            if len(text) < 11:
                raise PaymentError(source, f.tag, f"{text!r} is not a value date, currency and "
                                   "amount (YYMMDDCCCAMOUNT, e.g. 240115EUR12500,00)")
            details["value_date"] = swift_date(source, f.tag, text[:6])
            details.update(currency_amount(source, f.tag, text[6:]))
        elif f.tag == "33B":
            instructed = currency_amount(source, f.tag, single_line(source, f.tag, f.value))
            details["instructed"] = instructed
        elif f.tag == "71A":
            code = single_line(source, f.tag, f.value).strip()
            if code not in CHARGES:
                raise PaymentError(source, f.tag, f"details of charges {code!r} is not one of "
                                   f"{', '.join(CHARGES)}")
            details["charges"] = code
        elif f.tag in ("71F", "71G"):
            currency_amount(source, f.tag, single_line(source, f.tag, f.value))
        elif f.tag in NARRATIVE_LINES:
            check_lines(source, f.tag, f.lines, NARRATIVE_LINES[f.tag], what="text")
    return reference, details


def parse_mt103(text: str, source: str = FORMAT) -> Payment:
    """One MT103 (a full message, or the text of its block 4) as a Payment.

    Raises PaymentError naming the field for anything malformed or missing."""
    if not isinstance(text, str):
        raise PaymentError(source, None, "is not text")
    body, blocks = block4_of(text, source, "MT103")
    parties: list[Party] = []
    header_details: dict[str, str] = {}
    if blocks:
        header, header_details = _header_parties(source, blocks)
        parties.extend(header)
    fields = parse_block4(body, source)
    present = {FIELDS[f.tag][0] for f in fields}
    missing = [m for m in MANDATORY if m not in present]
    if missing:
        raise PaymentError(source, missing[0], "is missing; an MT103 needs fields "
                           f"{', '.join(MANDATORY)}")
    reference, details = _payment_details(source, fields)
    details.update(header_details)
    texts: list[FreeText] = []
    for f in fields:
        if f.tag[:2] in ROLES:
            parties.append(read_party(source, f))
        elif f.tag in TEXT_FIELDS:
            texts.append(FreeText(field=f.tag, path=f"{{4:}}/:{f.tag}:", text=f.value))
    transaction: dict[str, object] = {"reference": reference, **{k: details[k] for k in
                                               ("value_date", "currency", "amount")
                                               if k in details}}
    if details.get("uetr"):
        transaction["uetr"] = details["uetr"]
    return Payment(format=FORMAT, reference=reference, source=source, parties=parties,
                   texts=texts, transactions=[transaction], details=details)


def iter_mt103(text: str, source: str = FORMAT) -> Iterator[Payment | PaymentError]:
    """Each message of a file: its Payment, or the PaymentError that stopped it (the
    source named with the message's number when the file holds several)."""
    messages = split_messages(text)
    if not messages:
        yield PaymentError(source, None, "holds no message")
        return
    for n, message in enumerate(messages, 1):
        label = f"{source} message {n}" if len(messages) > 1 else source
        try:
            yield parse_mt103(message, label)
        except PaymentError as exc:
            yield exc

"""SWIFT MT103 (single customer credit transfer): the text of block 4, or whole messages
with their {1:}{2:}{3:}{4:...-}{5:} blocks, read into a `Payment`.

Fields read: 20 (reference), 23B, 32A, 33B, 50A/50F/50K (ordering customer), 52A/52D
(ordering institution), 53a to 57a (correspondents, intermediary, account with
institution), 59/59A/59F (beneficiary), 70 (remittance information), 71A, 72 (sender to
receiver information), 77B (regulatory reporting); other MT103 fields are kept as text.
The sender and receiver of a full message (blocks 1 and 2) are parties too.

Formats are checked as the SWIFT network checks them (lines of 35 characters, the number
of lines, amounts, dates, BICs, the numbered lines of options F); a message that breaks
them raises `PaymentError` naming the field. SWIFT's character set is not enforced: a
name with characters FIN would refuse is still screened.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

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

#: The role of the party each field names.
ROLES = {
    "50": "ordering customer", "51": "sending institution", "52": "ordering institution",
    "53": "sender's correspondent", "54": "receiver's correspondent",
    "55": "third reimbursement institution", "56": "intermediary institution",
    "57": "account with institution", "59": "beneficiary customer",
}
#: Free-text fields scanned for listed names.
TEXT_FIELDS = {"70": "remittance information", "72": "sender to receiver information",
               "77B": "regulatory reporting"}
#: Lines of 35 characters each field may have (name and address, narrative).
NARRATIVE_LINES = {"70": 4, "72": 6, "77B": 3}
BANK_OPERATION_CODES = ("CRED", "CRTS", "SPAY", "SPRI", "SSTD")
CHARGES = ("BEN", "OUR", "SHA")
#: 50F party identifier codes, and those whose number is worth comparing with the lists.
PARTY_ID_CODES = ("ARNU", "CCPT", "CUST", "DRLC", "EMPL", "NIDN", "SOSE", "TXID")
LISTED_ID_CODES = ("ARNU", "CCPT", "DRLC", "NIDN", "SOSE", "TXID")
PERSON_ID_CODES = ("ARNU", "CCPT", "DRLC", "NIDN", "SOSE")
#: A name this long may run on over the next line of an unstructured field.
WRAPPED_NAME = 30

_BLOCK_HEAD = re.compile(r"\{([1-5S]):")
_BLOCK4_END = re.compile(r"\r?\n-\}")
_TAG_LINE = re.compile(r"^:(\d{2}[A-Z]?):(.*)$")
_AMOUNT = re.compile(r"^(\d+),(\d*)$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class Field:
    """One field of block 4: its tag, its value (lines joined by newlines) and the line of
    block 4 it starts on."""

    tag: str
    value: str
    line: int = 0

    @property
    def lines(self) -> list[str]:
        return self.value.split("\n")


# -- splitting files and messages ---------------------------------------------------------


def split_messages(text: str) -> list[str]:
    """The messages of a file: split at each `{1:` block, or at `$` lines (a common
    separator in batch files); a file of block-4 text alone is one message."""
    text = text.lstrip("\ufeff")
    parts = [p for p in re.split(r"(?m)^\s*\$\s*$|\$(?=\s*\{1:)", text) if p.strip()]
    messages: list[str] = []
    for part in parts:
        starts = [m.start() for m in re.finditer(r"\{1:", part)]
        if len(starts) <= 1:
            messages.append(part.strip())
            continue
        if part[:starts[0]].strip():
            messages.append(part[:starts[0]].strip())
        for a, b in zip(starts, [*starts[1:], len(part)], strict=True):
            messages.append(part[a:b].strip())
    return messages


def _blocks(text: str, source: str) -> dict[str, str]:
    """The blocks {n:...} of a full message by number; block 4 up to its `-}`."""
    blocks: dict[str, str] = {}
    pos = 0
    length = len(text)
    while pos < length:
        while pos < length and text[pos].isspace():
            pos += 1
        if pos >= length:
            break
        head = _BLOCK_HEAD.match(text, pos)
        if head is None:
            raise PaymentError(source, None, f"expected a block such as {{4: at character "
                               f"{pos + 1}, found {text[pos:pos + 12]!r}")
        number = head.group(1)
        if number in blocks:
            raise PaymentError(source, None, f"block {{{number}:}} appears twice")
        start = head.end()
        if number == "4":
            end = _BLOCK4_END.search(text, start)
            if end is None:
                raise PaymentError(source, None, "block 4 does not end with a line '-}' (the "
                                   "message is truncated?)")
            blocks[number] = text[start:end.start()]
            pos = end.end()
            continue
        depth, i = 1, start
        while i < length and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        if depth:
            raise PaymentError(source, None, f"block {{{number}:}} is not closed with '}}' "
                               "(the message is truncated?)")
        blocks[number] = text[start:i - 1]
        pos = i
    return blocks


# -- block 4 -------------------------------------------------------------------------------


def parse_block4(text: str, source: str = FORMAT) -> list[Field]:
    """The fields of block 4 text (`:20:REF` lines and their continuation lines), in order.

    Unknown tags, text before the first tag and a non-repeatable field given twice are
    errors naming the field."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    if lines and lines[-1].strip() == "-":
        lines.pop()
    fields: list[Field] = []
    tag: str | None = None
    value: list[str] = []
    first = 0
    for number, line in enumerate(lines, 1):
        match = _TAG_LINE.match(line)
        if match:
            if tag is not None:
                fields.append(Field(tag, "\n".join(value), first))
            tag, value, first = match.group(1), [match.group(2)], number
            if tag not in FIELDS:
                raise PaymentError(source, tag, f"is not a field of an MT103 (line {number})")
            continue
        if tag is None:
            if not line.strip():
                continue
            raise PaymentError(source, None, f"block 4 must start with a field tag such as "
                               f":20:, found {line[:40]!r}")
        value.append(line)
    if tag is not None:
        fields.append(Field(tag, "\n".join(value), first))
    seen: dict[str, str] = {}
    for f in fields:
        group, repeatable = FIELDS[f.tag]
        if group in seen and not repeatable:
            other = seen[group]
            again = "appears twice" if other == f.tag else f"is given as well as {other}"
            raise PaymentError(source, f.tag, f"{again}; the field may appear once")
        seen[group] = f.tag
    return fields


def format_block4(fields: list[Field]) -> str:
    """Block 4 text of these fields (CRLF lines, ending with `-`): what `parse_block4` reads."""
    return "".join(f":{f.tag}:{f.value.replace(chr(10), chr(13) + chr(10))}\r\n"
                   for f in fields) + "-"


# -- field values --------------------------------------------------------------------------


def _check_lines(source: str, tag: str, lines: list[str], most: int, width: int = 35,
                 what: str = "name and address") -> None:
    if len(lines) > most:
        raise PaymentError(source, tag, f"has {len(lines)} lines of {what}; at most {most}")
    for n, line in enumerate(lines, 1):
        if len(line) > width:
            raise PaymentError(source, tag, f"line {n} has {len(line)} characters; at most "
                               f"{width} ({line[:40]!r})")
        if not line.strip():
            raise PaymentError(source, tag, f"line {n} is empty")


def swift_date(source: str, tag: str, text: str) -> str:
    """A YYMMDD date as ISO (years 80-99 are 19xx, as SWIFT's window has it)."""
    if not re.fullmatch(r"\d{6}", text):
        raise PaymentError(source, tag, f"date {text!r} is not YYMMDD")
    year = int(text[:2])
    try:
        day = date(1900 + year if year >= 80 else 2000 + year, int(text[2:4]), int(text[4:6]))
    except ValueError:
        raise PaymentError(source, tag, f"date {text!r} is not a real date (YYMMDD)") from None
    return day.isoformat()


def swift_amount(source: str, tag: str, text: str) -> str:
    """A SWIFT amount (digits, one decimal comma, 15 characters at most) as a decimal string."""
    match = _AMOUNT.match(text)
    if match is None or len(text) > 15:
        raise PaymentError(source, tag, f"amount {text!r} is not a SWIFT amount (digits with "
                           "one decimal comma, e.g. 12500,00; at most 15 characters)")
    whole, cents = match.groups()
    return f"{int(whole)}.{cents}" if cents else str(int(whole))


def _currency(source: str, tag: str, text: str) -> str:
    if not _CURRENCY.match(text):
        raise PaymentError(source, tag, f"currency {text!r} is not a 3-letter ISO 4217 code")
    return text


def _currency_amount(source: str, tag: str, value: str) -> dict[str, str]:
    text = value.strip()
    if len(text) < 5:
        raise PaymentError(source, tag, f"{text!r} is not a currency and an amount")
    return {"currency": _currency(source, tag, text[:3]),
            "amount": swift_amount(source, tag, text[3:])}


def _single_line(source: str, tag: str, value: str) -> str:
    if "\n" in value:
        raise PaymentError(source, tag, "must be one line")
    return value


def _party_id_line(lines: list[str]) -> tuple[str | None, list[str]]:
    """The optional first line [/1!a][/34x] (an account, or /C/ or /D/ and an account):
    the account, and the other lines."""
    if lines and lines[0].startswith("/"):
        line = lines[0]
        account = re.sub(r"^/[CD]/", "", line).lstrip("/")
        return account or line, lines[1:]
    return None, lines


def _bic(source: str, tag: str, text: str) -> str:
    value = text.strip()
    problem = bic_problem(value)
    if problem:
        raise PaymentError(source, tag, problem)
    return value


def _check_account(source: str, tag: str, line: str | None) -> None:
    if line is not None and len(line) > 37:
        raise PaymentError(source, tag, f"account line has {len(line)} characters; at most "
                           "37 (/1!a/34x)")


def _name_lines(party: Party, lines: list[str]) -> None:
    """Name and address lines of an unstructured field: the first line is the name; a
    long first line may run on over the second, so both are screened."""
    party.name = lines[0].strip()
    party.names = [party.name]
    if len(lines) > 1 and len(lines[0]) >= WRAPPED_NAME:
        party.names.append(f"{lines[0].strip()} {lines[1].strip()}")
    party.address = [line.strip() for line in lines[1:]]
    country = address_country(party.address)
    if country:
        party.country, party.country_from = country, "address"


def _option_a(source: str, tag: str, party: Party, lines: list[str]) -> None:
    account, rest = _party_id_line(lines)
    _check_account(source, tag, lines[0] if account else None)
    if len(rest) != 1:
        raise PaymentError(source, tag, f"option A holds an optional /account line and one "
                           f"BIC line; found {len(rest)} lines after the account")
    party.account = account
    party.bic = _bic(source, tag, rest[0])
    party.identifiers = bic_identifiers(party.bic)
    party.country, party.country_from = bic_country(party.bic), "bic"


def _option_name(source: str, tag: str, party: Party, lines: list[str]) -> None:
    account, rest = _party_id_line(lines)
    _check_account(source, tag, lines[0] if account else None)
    if not rest:
        raise PaymentError(source, tag, "has no name (only an account line)")
    _check_lines(source, tag, rest, 4)
    party.account = account
    _name_lines(party, rest)


def _numbered(source: str, tag: str, lines: list[str], allowed: str) -> list[tuple[int, str]]:
    """Lines `n/details` of options F, checked: first 1, numbers in order, known numbers."""
    out: list[tuple[int, str]] = []
    for n, line in enumerate(lines, 1):
        match = re.fullmatch(r"(\d)/(.*)", line)
        if match is None:
            raise PaymentError(source, tag, f"line {line!r} is not a numbered line such as "
                               "'1/NAME' (option F)")
        number = int(match.group(1))
        if str(number) not in allowed:
            raise PaymentError(source, tag, f"line number {number} is not one of "
                               f"{', '.join(allowed)} (option F)")
        if not match.group(2).strip():
            raise PaymentError(source, tag, f"line {n} ({number}/) is empty")
        if out and number < out[-1][0]:
            raise PaymentError(source, tag, f"line numbers must be in order: {number}/ after "
                               f"{out[-1][0]}/")
        out.append((number, match.group(2)))
    if not out or out[0][0] != 1:
        raise PaymentError(source, tag, "the first numbered line must be 1/ (the name)")
    numbers = {n for n, _ in out}
    if 2 in numbers and 3 not in numbers:
        raise PaymentError(source, tag, "line 2/ (address) needs a line 3/ (country and town)")
    return out


def _structured(source: str, tag: str, party: Party, numbered: list[tuple[int, str]]) -> None:
    """Name, address, country, birth date and identifiers of the lines of options F."""
    names: list[str] = []
    town: list[str] = []
    for number, text in numbered:
        if number == 1:
            names.append(text.strip())
        elif number == 2:
            party.address.append(text.strip())
        elif number == 3:
            if not town:
                code, _, rest = text.partition("/")
                if not is_country(code):
                    raise PaymentError(source, tag, f"line 3/ must start with an ISO country "
                                       f"code: {code!r} is not one")
                party.country, party.country_from = code.lower(), "address"
                town.append(rest.strip())
            else:
                town.append(text.strip())
        elif number == 4:
            if not re.fullmatch(r"\d{8}", text):
                raise PaymentError(source, tag, f"line 4/ (date of birth) {text!r} is not "
                                   "YYYYMMDD")
            born = f"{text[:4]}-{text[4:6]}-{text[6:]}"
            problem = birth_date_problem(born)
            if problem:
                raise PaymentError(source, tag, f"line 4/ (date of birth) {text!r} is not a "
                                   f"real date ({problem})")
            party.birth_date = born
            party.kind = "person"
        elif number == 5:
            code = text.partition("/")[0]
            if not is_country(code):
                raise PaymentError(source, tag, f"line 5/ (place of birth) must start with "
                                   f"an ISO country code: {code!r} is not one")
            party.kind = "person"
        elif number == 7:
            code, _, value = text.partition("/")
            if not is_country(code) or not value.strip():
                raise PaymentError(source, tag, f"line 7/ (national identity number) must "
                                   f"be CC/NUMBER: {text!r}")
            party.identifiers.append(value.strip())
            party.kind = "person"
    party.name = " ".join(names)
    party.names = [party.name]
    town_text = " ".join(t for t in town if t)
    if town_text:
        party.address.append(town_text)


def _option_50f(source: str, tag: str, party: Party, lines: list[str]) -> None:
    if len(lines) < 2:
        raise PaymentError(source, tag, "option F needs a party identifier line and numbered "
                           "name and address lines")
    _check_lines(source, tag, lines[1:], 4)
    first = lines[0]
    if first.startswith("/"):
        _check_account(source, tag, first)
        party.account = first[1:]
    else:
        match = re.fullmatch(r"([A-Z]{4})/([A-Z]{2})/(.+)", first)
        if match is None or match.group(1) not in PARTY_ID_CODES:
            raise PaymentError(source, tag, f"party identifier {first!r} is neither /ACCOUNT "
                               f"nor CODE/CC/IDENTIFIER with a code of "
                               f"{', '.join(PARTY_ID_CODES)}")
        code, country, value = match.groups()
        if not is_country(country):
            raise PaymentError(source, tag, f"party identifier: {country!r} is not an ISO "
                               "country code")
        if code in LISTED_ID_CODES:
            number = value.rsplit("/", 1)[-1].strip() if code in ("DRLC",) else value.strip()
            party.identifiers.append(number)
        if code in PERSON_ID_CODES:
            party.kind = "person"
    _structured(source, tag, party, _numbered(source, tag, lines[1:], "12345678"))


def _option_59f(source: str, tag: str, party: Party, lines: list[str]) -> None:
    account, rest = _party_id_line(lines)
    _check_account(source, tag, lines[0] if account else None)
    if not rest:
        raise PaymentError(source, tag, "has no numbered name line (option F)")
    _check_lines(source, tag, rest, 4)
    party.account = account
    _structured(source, tag, party, _numbered(source, tag, rest, "123"))


def _party(source: str, f: Field) -> Party:
    """The party a 50a-59a field names (with no name for an account or location alone)."""
    number, option = f.tag[:2], f.tag[2:]
    institution = number not in ("50", "59")
    party = Party(role=ROLES[number], field=f.tag, path=f"{{4:}}/:{f.tag}:",
                  kind="bank" if institution else "unknown")
    lines = f.lines
    if not f.value.strip():
        raise PaymentError(source, f.tag, "is empty")
    if option == "A":
        _option_a(source, f.tag, party, lines)
        if not institution:
            party.kind = "organization"
    elif option in ("D", "K", ""):
        _option_name(source, f.tag, party, lines)
    elif option == "F" and number == "50":
        _option_50f(source, f.tag, party, lines)
    elif option == "F":
        _option_59f(source, f.tag, party, lines)
    elif option == "B":  # [/1!a][/34x] then [35x] location: no name to screen
        account, rest = _party_id_line(lines)
        _check_lines(source, f.tag, rest, 1, what="location")
        party.account, party.address = account, rest
        return party
    elif option == "C":  # /34x: an account only
        if len(lines) != 1 or not lines[0].startswith("/"):
            raise PaymentError(source, f.tag, "option C holds one line /ACCOUNT")
        party.account = _party_id_line(lines)[0]
        return party
    return party


# -- whole messages ------------------------------------------------------------------------


def _lt_bic(source: str, block: str, lt: str) -> str:
    """The BIC of a logical terminal address (BIC8, terminal letter, branch)."""
    bic = lt[:8] + ("" if lt[9:12] == "XXX" else lt[9:12])
    problem = bic_problem(bic)
    if problem:
        raise PaymentError(source, f"block {block}", f"address {lt!r}: {problem}")
    return bic


def _header_parties(source: str, blocks: dict[str, str]) -> tuple[list[Party], dict[str, str]]:
    """The sender and receiver of blocks 1 and 2, and the header details."""
    details: dict[str, str] = {}
    parties: list[Party] = []
    basic = blocks.get("1")
    if basic is None:
        raise PaymentError(source, "block 1", "is missing (a full message starts with {1:)")
    match = re.fullmatch(r"\s*([FAL])(\d{2})([A-Z0-9]{12})(\d{4})?(\d{6})?\s*", basic)
    if match is None:
        raise PaymentError(source, "block 1", f"{basic[:40]!r} is not a basic header "
                           "(F01 + 12-character terminal address + session + sequence)")
    block1_bic = _lt_bic(source, "1", match.group(3))
    app = blocks.get("2")
    if app is None:
        raise PaymentError(source, "block 2", "is missing: the message type is not known")
    app = app.strip()
    io = app[:1]
    message_type = app[1:4]
    if io not in ("I", "O") or not message_type.isdigit():
        raise PaymentError(source, "block 2", f"{app[:20]!r} is not an application header "
                           "(I or O, then the message type)")
    if message_type != "103":
        raise PaymentError(source, "block 2", f"the message is an MT{message_type}, not an "
                           "MT103")
    if io == "I":
        lt = app[4:16]
        if not re.fullmatch(r"[A-Z0-9]{12}", lt):
            raise PaymentError(source, "block 2", f"receiver address {lt!r} is not 12 "
                               "characters")
        sender, receiver = block1_bic, _lt_bic(source, "2", lt)
    else:
        mir = app[8:36]
        if not re.fullmatch(r"\d{6}[A-Z0-9]{12}\d{10}", mir):
            raise PaymentError(source, "block 2", f"output header {app[:40]!r} has no valid "
                               "message input reference")
        sender, receiver = _lt_bic(source, "2", mir[6:18]), block1_bic
    details.update({"direction": "input" if io == "I" else "output",
                    "message_type": message_type})
    for role, bic, block in (("sender", sender, "1" if io == "I" else "2"),
                             ("receiver", receiver, "2" if io == "I" else "1")):
        parties.append(Party(role=role, field=f"block {block}", path=f"{{{block}:}}",
                             kind="bank", bic=bic, identifiers=bic_identifiers(bic),
                             country=bic_country(bic), country_from="bic"))
    user = blocks.get("3") or ""
    for key, value in re.findall(r"\{(\d{3}):([^{}]*)\}", user):
        if key == "121":
            details["uetr"] = value
        elif key == "119":
            details["validation"] = value
        elif key == "108":
            details["mur"] = value
    return parties, details


def _check_reference(source: str, value: str) -> str:
    ref = _single_line(source, "20", value).strip()
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
            code = _single_line(source, f.tag, f.value).strip()
            if code not in BANK_OPERATION_CODES:
                raise PaymentError(source, f.tag, f"bank operation code {code!r} is not one "
                                   f"of {', '.join(BANK_OPERATION_CODES)}")
            details["bank_operation_code"] = code
        elif f.tag == "32A":
            text = _single_line(source, f.tag, f.value).strip()
            if len(text) < 11:
                raise PaymentError(source, f.tag, f"{text!r} is not a value date, currency and "
                                   "amount (YYMMDDCCCAMOUNT, e.g. 240115EUR12500,00)")
            details["value_date"] = swift_date(source, f.tag, text[:6])
            details.update(_currency_amount(source, f.tag, text[6:]))
        elif f.tag == "33B":
            instructed = _currency_amount(source, f.tag, _single_line(source, f.tag, f.value))
            details["instructed"] = instructed
        elif f.tag == "71A":
            code = _single_line(source, f.tag, f.value).strip()
            if code not in CHARGES:
                raise PaymentError(source, f.tag, f"details of charges {code!r} is not one of "
                                   f"{', '.join(CHARGES)}")
            details["charges"] = code
        elif f.tag in ("71F", "71G"):
            _currency_amount(source, f.tag, _single_line(source, f.tag, f.value))
        elif f.tag in NARRATIVE_LINES:
            _check_lines(source, f.tag, f.lines, NARRATIVE_LINES[f.tag], what="text")
    return reference, details


def _block4_of(text: str, source: str) -> tuple[str, dict[str, str]]:
    """The text of block 4 of a full message (or of block-4 text), and the blocks."""
    stripped = text.strip().lstrip("\ufeff")
    if stripped.startswith("{1:"):
        blocks = _blocks(stripped, source)
        if "4" not in blocks:
            raise PaymentError(source, "block 4", "is missing: the message has no text block")
        return blocks["4"], blocks
    if stripped.startswith("{4:"):
        return _blocks(stripped, source)["4"], {}
    if stripped.startswith(":"):
        return stripped, {}
    raise PaymentError(source, None, f"is not an MT103: it starts with {stripped[:20]!r}, "
                       "not {1: or a field tag such as :20:")


def parse_mt103(text: str, source: str = FORMAT) -> Payment:
    """One MT103 (a full message, or the text of its block 4) as a Payment.

    Raises PaymentError naming the field for anything malformed or missing."""
    if not isinstance(text, str):
        raise PaymentError(source, None, "is not text")
    body, blocks = _block4_of(text, source)
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
            parties.append(_party(source, f))
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

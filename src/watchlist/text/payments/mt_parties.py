"""MT party fields (50a to 59a): their options A, B, C, D, F and K read into a `Party`,
with its account, BIC, name and address, country, birth date and identifiers, checked as
the SWIFT network checks them."""

from __future__ import annotations

import re

from watchlist.text.payments.codes import (
    address_country,
    bic_country,
    bic_identifiers,
    is_country,
)
from watchlist.text.payments.model import Party, PaymentError, birth_date_problem
from watchlist.text.payments.mt_format import Field
from watchlist.text.payments.mt_values import check_lines, swift_bic

#: The role of the party each field names.
ROLES = {
    "50": "ordering customer", "51": "sending institution", "52": "ordering institution",
    "53": "sender's correspondent", "54": "receiver's correspondent",
    "55": "third reimbursement institution", "56": "intermediary institution",
    "57": "account with institution", "59": "beneficiary customer",
}
#: 50F party identifier codes, and those whose number is worth comparing with the lists.
PARTY_ID_CODES = ("ARNU", "CCPT", "CUST", "DRLC", "EMPL", "NIDN", "SOSE", "TXID")
LISTED_ID_CODES = ("ARNU", "CCPT", "DRLC", "NIDN", "SOSE", "TXID")
PERSON_ID_CODES = ("ARNU", "CCPT", "DRLC", "NIDN", "SOSE")
#: A name this long may run on over the next line of an unstructured field.
WRAPPED_NAME = 30


def _party_id_line(lines: list[str]) -> tuple[str | None, list[str]]:
    """The optional first line [/1!a][/34x] (an account, or /C/ or /D/ and an account):
    the account, and the other lines."""
    if lines and lines[0].startswith("/"):
        line = lines[0]
        account = re.sub(r"^/[CD]/", "", line).lstrip("/")
        return account or line, lines[1:]
    return None, lines


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
    party.bic = swift_bic(source, tag, rest[0])
    party.identifiers = bic_identifiers(party.bic)
    party.country, party.country_from = bic_country(party.bic), "bic"


def _option_name(source: str, tag: str, party: Party, lines: list[str]) -> None:
    account, rest = _party_id_line(lines)
    _check_account(source, tag, lines[0] if account else None)
    if not rest:
        raise PaymentError(source, tag, "has no name (only an account line)")
    check_lines(source, tag, rest, 4)
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
    check_lines(source, tag, lines[1:], 4)
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
    check_lines(source, tag, rest, 4)
    party.account = account
    _structured(source, tag, party, _numbered(source, tag, rest, "123"))


def read_party(source: str, f: Field) -> Party:
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
        check_lines(source, f.tag, rest, 1, what="location")
        party.account, party.address = account, rest
        return party
    elif option == "C":  # /34x: an account only
        if len(lines) != 1 or not lines[0].startswith("/"):
            raise PaymentError(source, f.tag, "option C holds one line /ACCOUNT")
        party.account = _party_id_line(lines)[0]
        return party
    return party

"""SWIFT MT field values checked as the network checks them: lines of 35 characters and
their number, YYMMDD dates, amounts with a decimal comma, currency codes and BICs; a value
that breaks them raises `PaymentError` naming the field."""

from __future__ import annotations

import re
from datetime import date

from watchlist.text.payments.codes import bic_problem
from watchlist.text.payments.model import PaymentError

_AMOUNT = re.compile(r"^(\d+),(\d*)$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def check_lines(source: str, tag: str, lines: list[str], most: int, width: int = 35,
                 what: str = "name and address") -> None:
    """Lines of text (`most` lines of `width` characters, none empty), as 4*35x is checked."""
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


def swift_currency(source: str, tag: str, text: str) -> str:
    """A currency code (3!a), checked."""
    if not _CURRENCY.match(text):
        raise PaymentError(source, tag, f"currency {text!r} is not a 3-letter ISO 4217 code")
    return text


def currency_amount(source: str, tag: str, value: str) -> dict[str, str]:
    """A currency and an amount (3!a15d), as {"currency", "amount"}."""
    text = value.strip()
    if len(text) < 5:
        raise PaymentError(source, tag, f"{text!r} is not a currency and an amount")
    return {"currency": swift_currency(source, tag, text[:3]),
            "amount": swift_amount(source, tag, text[3:])}


def single_line(source: str, tag: str, value: str) -> str:
    """The value of a one-line field; a value running over two lines is refused."""
    if "\n" in value:
        raise PaymentError(source, tag, "must be one line")
    return value


def swift_bic(source: str, tag: str, text: str) -> str:
    """A BIC (4!a2!a2!c[3!c]), checked."""
    value = text.strip()
    problem = bic_problem(value)
    if problem:
        raise PaymentError(source, tag, problem)
    return value

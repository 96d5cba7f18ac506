"""Payment messages (SWIFT MT103, ISO 20022 pacs.008): their parties screened, their free
text scanned.

```python
from watchlist.text.payments import read_payments, screen_payment
for item in read_payments(data, "incoming.fin"):      # Payments, or PaymentErrors
    result = screen_payment(screener, scanner, item)   # hits per party and per text
```
"""

from __future__ import annotations

from collections.abc import Iterator

from watchlist.text.payments.model import FORMATS, FreeText, Party, Payment, PaymentError

__all__ = ["FORMATS", "FreeText", "Party", "Payment", "PaymentError", "detect_format",
           "read_payments"]


def detect_format(data: bytes | str) -> str | None:
    """mt103 or pacs008, by content: XML is pacs.008, `{1:`, `{4:` or a field tag is MT."""
    text = data[:4096].decode("utf-8", "ignore") if isinstance(data, bytes) else data[:4096]
    text = text.lstrip("\ufeff \t\r\n$")
    if text.startswith("<"):
        return "pacs008"
    if text.startswith(("{1:", "{4:")) or (text[:1] == ":" and text[1:3].isdigit()):
        return "mt103"
    return None


def read_payments(data: bytes | str, source: str, format: str = "auto",
                  encoding: str | None = None) -> Iterator[Payment | PaymentError]:
    """Every message of a file or request body: a Payment, or the PaymentError naming what
    is wrong with it. A bad message does not stop the others of an MT file; an XML document
    is read whole, so a malformed one is one error. MT text is UTF-8 unless `encoding` (a
    codec name) says otherwise, never guessed; XML says its own encoding."""
    from watchlist.text.payments.mt103 import iter_mt103
    from watchlist.text.payments.pacs008 import iter_pacs008

    kind = detect_format(data) if format in ("auto", "", None) else format
    if kind not in FORMATS:
        if format not in ("auto", "", None):
            yield PaymentError(source, None, f"unknown format {format!r}; use mt103, pacs008 "
                               "or auto")
        else:
            yield PaymentError(source, None, "is neither an MT103 (starting {1:, {4: or :20:) "
                               "nor a pacs.008 (XML)")
        return
    if kind == "mt103":
        if isinstance(data, bytes):
            try:
                text = data.decode(encoding or "utf-8-sig")
            except UnicodeDecodeError as exc:
                yield PaymentError(source, None, _undecodable(data, exc, encoding))
                return
        else:
            text = data
        yield from iter_mt103(text, source)
        return
    try:
        yield from iter_pacs008(data, source)
    except PaymentError as exc:
        yield exc


def _undecodable(data: bytes, exc: UnicodeDecodeError, encoding: str | None) -> str:
    """What is wrong with MT text that does not decode: the byte, its offset and line."""
    from watchlist.screening.encoding import ENCODING_HINT, ENCODING_NAMES, BadByte

    bad = BadByte(data[exc.start], exc.start, data.count(b"\n", 0, exc.start) + 1)
    if encoding:
        return (f"not valid {ENCODING_NAMES.get(encoding, encoding)} text (--encoding "
                f"{encoding}): cannot decode {bad}")
    return (f"not valid UTF-8 text: cannot decode {bad}; SWIFT MT text is ASCII: save it "
            f"as UTF-8, or {ENCODING_HINT}")

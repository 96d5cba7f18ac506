"""How deep JSON text nests, measured without parsing it and without recursion.

Python's json module (and anything that recurses over parsed data) fails with a
RecursionError on JSON nested a few thousand levels deep. Untrusted JSON (an API request
body, a line of a batch file) is measured with `too_deep` first and refused when it nests
deeper than `MAX_DEPTH`: brackets inside strings are not counted, and the scan stops as soon
as the limit is passed, so a 1 MB body takes at most some tens of milliseconds.
"""

from __future__ import annotations

import re

#: The deepest nesting (arrays and objects) accepted in any JSON input. Real requests nest
#: 5 or 6 levels (a /match body: queries, a key, the example, properties, a list).
MAX_DEPTH = 400

# A JSON string, or an unterminated one running to the end (so a stray quote never makes
# the scan retry from every later quote: the pattern always matches at a quote).
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_OPENERS = (ord("["), ord("{"))


def _openers(data: bytes) -> int:
    return data.count(b"[") + data.count(b"{")


def too_deep(text: str | bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether JSON text nests arrays and objects more than `limit` levels deep.

    Malformed text is measured as far as it goes (the parser will then refuse it)."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if _openers(data) <= limit:  # cannot nest deeper than it has brackets
        return False
    brackets = _STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    if _openers(brackets) <= limit:
        return False
    depth = 0
    for byte in brackets:
        if byte in _OPENERS:
            depth += 1
            if depth > limit:
                return True
        elif depth:
            depth -= 1
    return False


def depth_error(where: str, limit: int = MAX_DEPTH) -> str:
    """The message for JSON at `where` nested too deep."""
    return f"{where}: JSON nested more than {limit} levels deep; at most {limit} are accepted"

"""Words of a text with their character offsets, and what separates each from the last.

A word is a run of letters, digits and combining marks, with inner apostrophes kept
("O'Brien") except an English possessive ("Lukashenko's": the word ends before the
apostrophe). A word broken over a line with a hyphen ("Lukashen-\\nko") is one word. The
gap before each word tells whether a name may run on across it: a space, a single line
break, a hyphen or the full stop of an initial ("A. Lukashenko") may; any other punctuation
or a blank line may not. Offsets are Python string indices into the text as given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["BREAK", "HYPHEN", "INITIAL", "LINE", "SPACE", "Token", "tokenize"]

#: Gaps between two words: a name may run on across all but BREAK.
SPACE, LINE, HYPHEN, INITIAL, BREAK = 0, 1, 2, 3, 4

#: Letters, digits and the combining marks of the scripts names are written in.
_MARKS = ("\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670"
          "\u06d6-\u06ed\u0900-\u0dff\u0e31-\u0e3a\u0e47-\u0e4e\u1ab0-\u1aff\u1dc0-\u1dff"
          "\u20d0-\u20ff\ufe20-\ufe2f\u200c\u200d")
_CHAR = rf"(?:[^\W_]|[{_MARKS}])"
_APOS = "'’ʼ"
_WORD = re.compile(rf"{_CHAR}+(?:[{_APOS}]{_CHAR}+)*")
_WRAP = re.compile(r"^[-\u00ad\u2010\u2011][ \t]*\r?\n[ \t]*$")
_HYPHENS = frozenset("-\u2010\u2011")
_SENTENCE_END = re.compile(r"[.!?…։።।]")
#: Abbreviations whose full stop ends no sentence.
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st gen col lt maj capt sgt adm gov sen rep rev jr sr no vs "
    "г гг им тов ул".split()
)


@dataclass(slots=True)
class Token:
    """One word: `start`/`end` offsets into the text, the text itself, the gap before it,
    whether it begins a sentence or ends in a possessive, and whether it is capitalised
    (starts with an upper-case letter, or is written in a script without case)."""

    start: int
    end: int
    text: str
    gap: int
    sentence_start: bool
    possessive: bool = False
    capitalised: bool = False

    @property
    def caseless(self) -> bool:
        first = self.text[0]
        return first.isalpha() and not first.isupper() and not first.islower()

    @property
    def all_caps(self) -> bool:
        return len(self.text) > 1 and self.text.isupper()

    @property
    def initial(self) -> bool:
        """A single letter (an initial when a full stop or a name follows)."""
        return len(self.text) == 1 and self.text.isalpha()


def _gap(between: str, previous: Token) -> tuple[int, bool]:
    """(kind of gap, whether a sentence starts after it) for the text between two words."""
    if not between or between.isspace():
        newlines = between.count("\n")
        if newlines >= 2:
            return BREAK, True
        return (LINE if newlines else SPACE), False
    stripped = between.strip()
    if stripped in _HYPHENS and not previous.possessive:
        return HYPHEN, False
    if stripped == "." and (previous.initial or previous.text.lower() in _ABBREVIATIONS):
        return INITIAL, False
    sentence = bool(_SENTENCE_END.search(between)) or between.count("\n") >= 2
    return BREAK, sentence


def tokenize(text: str) -> list[Token]:
    """The words of text, in order, with offsets, gaps and sentence starts."""
    tokens: list[Token] = []
    previous: Token | None = None
    for match in _WORD.finditer(text):
        start, end = match.span()
        word = match.group()
        if previous is None:
            gap, sentence = BREAK, True
        else:
            between = text[previous.end:start]
            if between == " ":
                gap, sentence = SPACE, False
            else:
                if previous.possessive:
                    between = between[2:]
                elif ("\n" in between and _WRAP.match(between) and word[0].islower()
                      and previous.text[-1].isalpha()):
                    previous.end = end  # a word hyphenated over a line break
                    previous.text += word
                    continue
                gap, sentence = _gap(between, previous)
                if previous.possessive:
                    gap = BREAK
        possessive = False
        if word[-1] in "sS" and len(word) > 2 and word[-2] in _APOS:
            end -= 2
            word = word[:-2]
            possessive = True
        first = word[0]
        previous = Token(start, end, word, gap, sentence, possessive,
                         first.isupper() or (first.isalpha() and not first.islower()))
        tokens.append(previous)
    return tokens

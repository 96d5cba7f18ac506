"""Phonetic keys per token, for candidate retrieval (not for scoring).

`phonetic_key` is rigour's Metaphone (Rust), so lukashenko/lukashenka -> LKXNK and
aleksandr/aliaksandr -> ALKSNTR. `skeleton_key` is a coarser consonant skeleton for names
that went through an abjad (Arabic, Persian, Urdu, Hebrew), whose Latin rendering has no
short vowels: muhammad and Arabic محمد (mhmd) both give "mhmd", putin and بوتين (bwtyn) "btn".
"""

from __future__ import annotations

import re
from functools import lru_cache

from rigour.text.phonetics import metaphone, soundex

from watchlist.names.normalize import name_tokens

__all__ = ["phonetic_key", "phonetic_keys", "skeleton_key", "soundex_key"]


def phonetic_key(token: str) -> str:
    """Metaphone of a normalised token; tokens with digits ("b737", "1980") are kept as is."""
    if not token.isalpha():
        return token
    return metaphone(token) or token.upper()


def phonetic_keys(text: str) -> list[str]:
    """Metaphone key of every normalised token of text, in order."""
    return [key for key in map(phonetic_key, name_tokens(text)) if key]


def soundex_key(token: str) -> str:
    """Soundex of a normalised token ("" for tokens without letters)."""
    return soundex(token) if any(c.isalpha() for c in token) else ""


#: Letters that abjads merge or lack: p/b, v/f, and vowels (incl. w/y used as vowels).
_SKELETON = str.maketrans({"p": "b", "v": "f", "q": "k", "c": "k", "z": "s"})
_VOWELS = re.compile(r"[aeiouyw]+")
_REPEATS = re.compile(r"(.)\1+")


@lru_cache(maxsize=1 << 16)
def skeleton_key(token: str) -> str:
    """Consonant skeleton of a normalised token: vowels gone, b/p and f/v merged."""
    if not token.isalpha():
        return token
    head = "f" if token[0] in "vw" else ""
    body = token[1:] if head else token
    skeleton = _REPEATS.sub(r"\1", _VOWELS.sub("", body.translate(_SKELETON)))
    return (head + skeleton) or token[:1]

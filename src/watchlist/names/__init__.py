"""Name normalisation, transliteration and name parts for screening.

Everything here is a pure function of its input (with caches), safe to call on millions of
names. The output alphabet of every normalised form and token is ASCII [a-z0-9].

* `normalize_text`, `name_tokens`: one canonical ASCII form of any text.
* `latin_forms`: every common Latin spelling of a name (Russian/Belarusian/Ukrainian
  conventions, pinyin, Greek, Arabic, ...); `detect_scripts`, `main_script`.
* `split_legal_form`: organisation core tokens and canonical legal forms (OOO = LLC).
* `strip_titles`, `split_titles`: honorifics and titles off person names.
* `person_parts`: given, family, patronymic, initials; `name_key`/`name_keys`: sorted-token
  keys so that token order never matters.
* `phonetic_key`, `skeleton_key`: per-token keys for candidate retrieval.
"""

from watchlist.names.normalize import clean_ascii, name_tokens, normalize_text
from watchlist.names.orgs import (
    LEGAL_FORMS,
    ORG_WEAK_WORDS,
    WEAK_WORD_WEIGHT,
    canonical_legal_form,
    is_legal_form,
    legal_form_spans,
    org_token_weight,
    split_legal_form,
)
from watchlist.names.parts import (
    PersonName,
    is_patronymic,
    name_key,
    name_keys,
    person_parts,
)
from watchlist.names.phonetic import phonetic_key, phonetic_keys, skeleton_key, soundex_key
from watchlist.names.scripts import detect_scripts, is_latin, latin_forms, main_script
from watchlist.names.titles import HONORIFICS, TITLES, is_title, split_titles, strip_titles

__all__ = [
    "HONORIFICS",
    "LEGAL_FORMS",
    "ORG_WEAK_WORDS",
    "TITLES",
    "WEAK_WORD_WEIGHT",
    "PersonName",
    "canonical_legal_form",
    "clean_ascii",
    "detect_scripts",
    "is_latin",
    "is_legal_form",
    "is_patronymic",
    "is_title",
    "latin_forms",
    "legal_form_spans",
    "main_script",
    "name_key",
    "name_keys",
    "name_tokens",
    "normalize_text",
    "org_token_weight",
    "person_parts",
    "phonetic_key",
    "phonetic_keys",
    "skeleton_key",
    "soundex_key",
    "split_legal_form",
    "split_titles",
    "strip_titles",
]

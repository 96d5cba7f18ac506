"""Transliteration primitives: any script to ASCII Latin, plus named national conventions.

The canonical rendering (`to_ascii`) is ICU's: BGN/PCGN for Russian, Belarusian and
Ukrainian Cyrillic (chosen by the letters of the whole name), UNGEGN for Greek, BGN for
Armenian and Georgian, Latin-ASCII for accented Latin, Any-Latin for the rest. Chinese and
Korean get name-aware handling (surname split off, given name joined: 习近平 -> "xi jinping").
rigour's `maybe_ascii` is not used per word: uncached it costs 50-100 us a word against ICU's
1-5 us, which matters at millions of names; it remains the last resort for odd characters.
`variant_renderings` adds the other conventions a name is commonly spelled with in Latin
(Russian ICAO passports, Belarusian and Ukrainian passport systems, scholarly ICU, ...).

Inputs to the functions here are expected casefolded (see `normalize.prepare`); outputs are
ASCII but not yet cleaned of punctuation (see `normalize.clean_ascii`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache, lru_cache

import icu
from rigour.text.scripts import text_scripts
from rigour.text.translit import maybe_ascii

__all__ = [
    "cyrillic_language",
    "to_ascii",
    "transliterator",
    "variant_renderings",
    "word_scripts",
]


#: Brahmic scripts whose ICU romanisation writes the inherent vowel of a final consonant.
BRAHMIC_SCRIPTS = frozenset(
    {"Devanagari", "Bengali", "Gurmukhi", "Gujarati", "Oriya", "Telugu", "Kannada", "Malayalam"}
)

#: Cache sizes: the canonical rendering is hit for every non-ASCII word; variants less often.
_WORD_CACHE = 1 << 16
_VARIANT_CACHE = 1 << 14


@cache
def transliterator(spec: str) -> icu.Transliterator:
    """A cached ICU transliterator for a (compound) ID such as "Any-Latin; Latin-ASCII"."""
    return icu.Transliterator.createInstance(spec)


def _icu(spec: str, text: str) -> str:
    """Run cached ICU transforms over text in turn ("A; B"), stopping once it is ASCII.

    Running the steps separately is 2-3x faster than one compound ICU transliterator.
    """
    for step in spec.split(";"):
        if text.isascii():
            break
        text = transliterator(step.strip()).transliterate(text)
    return text


@lru_cache(maxsize=_WORD_CACHE)
def word_scripts(word: str) -> frozenset[str]:
    """The real scripts (no Common/Inherited) of the letters and digits in a word."""
    return frozenset(text_scripts(word))


#: Latin letters without a decomposition that ICU Latin-ASCII leaves alone.
_EXTRA_LATIN = str.maketrans(
    {"ə": "a", "ʒ": "z", "ɔ": "o", "ɛ": "e", "ŋ": "ng", "ɲ": "ny", "ƴ": "y", "ɗ": "d",
     "ɓ": "b", "ƙ": "k", "ı": "i", "ʔ": "", "ǝ": "e", "ɨ": "i", "ʉ": "u", "ɑ": "a"}
)  # fmt: skip


@lru_cache(maxsize=4096)
def _char_ascii(char: str) -> str:
    """ASCII for one leftover character: a digit, its decomposition, rigour's guess, or ''."""
    decimal = unicodedata.decimal(char, None)
    if decimal is not None:
        return str(decimal)
    base = unicodedata.normalize("NFKD", char.translate(_EXTRA_LATIN))
    base = base.encode("ascii", "ignore").decode("ascii")
    if base:
        return base
    if unicodedata.category(char) in ("Mn", "Me", "Mc", "Lm", "Sk", "Cf"):
        return ""
    guess = maybe_ascii(char)
    return guess if guess.isascii() else " "


def _force_ascii(text: str) -> str:
    """Make text ASCII: map leftover digits and letters where possible, blank the rest."""
    if text.isascii():
        return text
    return "".join(c if c.isascii() else _char_ascii(c) for c in text)


def _drop_quotes(text: str) -> str:
    """Drop the quote marks ICU writes for soft/hard signs and ejectives (ʹ ʺ -> ' ")."""
    return text.replace('"', "").replace("'", "")


# --- Chinese -------------------------------------------------------------------------------

_HAN_RUN = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+)")

#: Two-character Chinese surnames (the common ones), so 欧阳修 -> "ouyang xiu".
CHINESE_COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 端木 "
    "歐陽 諸葛 東方 長孫 軒轅".split()
)


@lru_cache(maxsize=_WORD_CACHE)
def _pinyin(char: str, surname: bool = False) -> str:
    """Toneless pinyin of one Han character (the surname reading when asked)."""
    spec = "Han-Latin/Names; Latin-ASCII" if surname else "Han-Latin; Latin-ASCII"
    return _icu(spec, char).strip().replace(" ", "")


def _han_syllables(run: str) -> list[str]:
    """Toneless pinyin syllables of a run of Han characters."""
    return [_pinyin(char) for char in run]


def _han_surname_length(run: str) -> int:
    """How many leading characters of a Han run form a surname, 0 if it is not name-shaped."""
    if len(run) in (3, 4) and run[:2] in CHINESE_COMPOUND_SURNAMES:
        return 2
    if len(run) in (2, 3):
        return 1
    return 0


def _han_name(run: str) -> str:
    """Pinyin of a Han run: surname + joined given name for 2-4 char names, else syllables."""
    cut = _han_surname_length(run)
    if cut == 0:
        return " ".join(_han_syllables(run))
    surname = "".join(_pinyin(char, surname=(i == 0)) for i, char in enumerate(run[:cut]))
    return surname + " " + "".join(_han_syllables(run[cut:]))


def _han_text(word: str, render: Callable[[str], str]) -> str:
    """Render the Han runs of a word with `render`, the rest with ICU Any-Latin."""
    parts = []
    for i, piece in enumerate(_HAN_RUN.split(word)):
        if piece:
            parts.append(render(piece) if i % 2 else _icu("Any-Latin; Latin-ASCII", piece))
    return " ".join(parts)


# --- Korean --------------------------------------------------------------------------------

_HANGUL_RUN = re.compile(r"([\uac00-\ud7a3]+)")

#: Korean surnames written as two syllables.
KOREAN_COMPOUND_SURNAMES = frozenset("남궁 독고 선우 제갈 황보 사공 서문 동방".split())

#: Usual Latin spellings of common Korean surnames (Revised Romanization is the default).
KOREAN_SURNAME_SPELLINGS: dict[str, tuple[str, ...]] = {
    "김": ("kim",),
    "이": ("lee", "yi", "rhee"),
    "리": ("ri", "lee"),
    "박": ("park", "pak"),
    "최": ("choi", "choe"),
    "정": ("jung", "chung", "jong"),
    "강": ("kang",),
    "조": ("cho", "jo"),
    "윤": ("yoon", "yun"),
    "장": ("jang", "chang"),
    "임": ("lim",),
    "림": ("rim", "lim"),
    "한": ("han",),
    "오": ("oh",),
    "서": ("seo", "suh"),
    "신": ("shin",),
    "권": ("kwon",),
    "황": ("hwang",),
    "안": ("ahn",),
    "송": ("song",),
    "류": ("ryu", "yoo"),
    "유": ("yoo", "yu"),
    "홍": ("hong",),
    "전": ("jeon", "chon", "jon"),
    "고": ("ko",),
    "문": ("moon", "mun"),
    "손": ("son", "sohn"),
    "양": ("yang",),
    "배": ("bae", "pae"),
    "백": ("baek", "paek"),
    "허": ("heo", "hur"),
    "노": ("roh", "noh"),
    "로": ("ro",),
    "주": ("ju", "joo"),
    "현": ("hyon", "hyun"),
}


_RR_INITIALS = "g kk n d tt r m b pp s ss - j jj ch k t p h".split()
_RR_MEDIALS = "a ae ya yae eo e yeo ye o wa wae oe yo u wo we wi yu eu ui i".split()
_RR_FINALS = "- k k k n n n t l k m l l l p l m p p t t ng t t k t p t".split()


def _hangul_syllable(char: str) -> str:
    """Revised Romanization of one Hangul syllable as names write it (박 bak, 숙 suk)."""
    index = ord(char) - 0xAC00
    if not 0 <= index < 11172:
        return _icu("Any-Latin; Latin-ASCII", char)
    initial, medial, final = index // 588, (index % 588) // 28, index % 28
    return (_RR_INITIALS[initial] + _RR_MEDIALS[medial] + _RR_FINALS[final]).replace("-", "")


def _hangul_surname_length(run: str) -> int:
    """How many leading syllables of a Hangul run are a surname, 0 if not name-shaped."""
    if len(run) == 4 and run[:2] in KOREAN_COMPOUND_SURNAMES:
        return 2
    if len(run) == 3:
        return 1
    return 0


def _hangul_name(run: str) -> str:
    """Romanised Hangul run: surname + joined given name for 3-syllable names, else joined."""
    cut = _hangul_surname_length(run)
    syllables = [_hangul_syllable(char) for char in run]
    if cut == 0:
        return "".join(syllables)
    return "".join(syllables[:cut]) + " " + "".join(syllables[cut:])


def _hangul_syllables(run: str) -> str:
    """Romanised Hangul run with every syllable a separate token (Kim Jong Un style)."""
    return " ".join(_hangul_syllable(char) for char in run)


def _hangul_text(word: str, render: Callable[[str], str]) -> str:
    """Render the Hangul runs of a word with `render`, the rest with ICU Any-Latin."""
    parts = []
    for i, piece in enumerate(_HANGUL_RUN.split(word)):
        if piece:
            parts.append(render(piece) if i % 2 else _icu("Any-Latin; Latin-ASCII", piece))
    return " ".join(parts)


# --- canonical rendering -------------------------------------------------------------------


#: ICU chains for the canonical rendering of a word written in one script.
SCRIPT_SPECS = {
    "Latin": "Latin-ASCII",
    "Greek": "Greek-Latin/UNGEGN; Latin-ASCII",
    "Armenian": "Armenian-Latin/BGN; Latin-ASCII",
    "Georgian": "Georgian-Latin/BGN; Latin-ASCII",
}

#: The alphabets that decide which Cyrillic conventions apply to a name.
RUSSIAN_LETTERS = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюя")
BELARUSIAN_LETTERS = frozenset("абвгґдеёжзійклмнопрстуўфхцчшыьэюя")
UKRAINIAN_LETTERS = frozenset("абвгґдеєжзиіїйклмнопрстуфхцчшщьюя")

#: ICU BGN/PCGN romanisation per Cyrillic language; the canonical Cyrillic rendering.
CYRILLIC_SPECS = {
    "ru": "Russian-Latin/BGN",
    "be": "Belarusian-Latin/BGN",
    "uk": "Ukrainian-Latin/BGN",
}


def cyrillic_language(text: str) -> str | None:
    """The language ("ru", "be", "uk") whose alphabet has every Cyrillic letter of text."""
    letters = {c for c in text if "\u0400" <= c <= "\u04ff" and c.isalpha()}
    if not letters:
        return None
    for language, alphabet in (
        ("ru", RUSSIAN_LETTERS),
        ("be", BELARUSIAN_LETTERS),
        ("uk", UKRAINIAN_LETTERS),
    ):
        if letters <= alphabet:
            return language
    return None


#: Cyrillic and Greek letters that pass for Latin ones (casefolded), used only inside words
#: that mix them with Latin letters: "Рutin" with a Cyrillic Р is "putin", not "rutin".
CONFUSABLES = str.maketrans(
    {"а": "a", "в": "b", "е": "e", "ё": "e", "і": "i", "ї": "i", "ј": "j",
     "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t", "у": "y",
     "х": "x", "ѕ": "s", "һ": "h", "ӏ": "l", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ь": "b",
     "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "μ": "u", "ν": "v",
     "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ϲ": "c"}
)  # fmt: skip


@lru_cache(maxsize=_WORD_CACHE)
def to_ascii(word: str, cyrillic: str | None = "") -> str:
    """The canonical ASCII rendering of one casefolded word (any script).

    `cyrillic` names the language convention for Cyrillic ("ru", "be", "uk", None for
    generic ICU); the default "" picks it from the word's own letters.
    """
    if word.isascii():
        return word
    scripts = word_scripts(word)
    if "Latin" in scripts and scripts & {"Cyrillic", "Greek"}:
        word = word.translate(CONFUSABLES)
        scripts = word_scripts(word)
        if word.isascii():
            return word
    if "Han" in scripts and not scripts & {"Hiragana", "Katakana"}:
        out = _han_text(word, _han_name)
    elif "Hangul" in scripts:
        out = _hangul_text(word, _hangul_name)
    elif "Cyrillic" in scripts and scripts <= {"Cyrillic", "Latin"}:
        language = cyrillic_language(word) if cyrillic == "" else cyrillic
        spec = CYRILLIC_SPECS.get(language or "")
        return icu_bgn(spec, word) if spec else icu_any_latin(word)
    elif len(scripts) == 1 and next(iter(scripts)) in SCRIPT_SPECS:
        out = _icu(SCRIPT_SPECS[next(iter(scripts))], word.translate(_EXTRA_LATIN))
    else:
        out = _icu("Any-Latin; Latin-ASCII", word)
    return _drop_quotes(_force_ascii(out))


# --- national conventions ------------------------------------------------------------------

_COMMON = {
    "а": "a", "б": "b", "в": "v", "д": "d", "ж": "zh", "з": "z", "к": "k", "л": "l",
    "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ь": "",
}  # fmt: skip

#: Russian passports since 2013 (ICAO Doc 9303): Юлия -> iuliia, Щербаков -> shcherbakov.
RUSSIAN_ICAO = str.maketrans(
    _COMMON
    | {"г": "g", "е": "e", "ё": "e", "и": "i", "й": "i", "ъ": "ie", "ы": "y", "э": "e"}
    | {"ю": "iu", "я": "ia", "і": "i"}
)

#: Belarusian passports: Аляксандр -> aliaksandr, Рыгоравіч -> ryhoravich, Ціханоўская.
BELARUSIAN_PASSPORT = str.maketrans(
    _COMMON
    | {"г": "h", "ґ": "g", "е": "e", "ё": "io", "і": "i", "й": "i", "ў": "u", "ы": "y"}
    | {"э": "e", "ю": "iu", "я": "ia", "и": "i", "ъ": ""}
)

#: Ukrainian national system (2010, passports): Зеленський -> zelenskyi, Олександр.
UKRAINIAN_NATIONAL = str.maketrans(
    _COMMON
    | {"г": "h", "ґ": "g", "е": "e", "є": "ie", "и": "y", "і": "i", "ї": "i", "й": "i"}
    | {"ю": "iu", "я": "ia", "ъ": "", "ы": "y", "э": "e", "ё": "io"}
)

_BE_VOWELS = "аеёіоуўыэюяьъ"
_BE_SOFT_INITIAL = re.compile(rf"(?:^|(?<=[{_BE_VOWELS}]))[яюёе]")
_BE_SOFT = {"я": "ya", "ю": "yu", "ё": "yo", "е": "ye"}
_UK_SOFT_INITIAL = re.compile(r"^[єїйюя]")
_UK_SOFT = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}


def _cyrillic_leftovers(text: str) -> str:
    """Finish a partial Cyrillic transliteration with the canonical one."""
    return _force_ascii(_icu("Latin-ASCII; Any-Latin; Latin-ASCII", text))


@lru_cache(maxsize=_VARIANT_CACHE)
def russian_icao(word: str) -> str:
    """Russian passport (ICAO 9303) rendering of a casefolded Cyrillic word."""
    return _cyrillic_leftovers(word.translate(RUSSIAN_ICAO))


@lru_cache(maxsize=_VARIANT_CACHE)
def belarusian_passport(word: str) -> str:
    """Belarusian passport rendering: soft vowels are y- initially, -i- after consonants."""
    word = _BE_SOFT_INITIAL.sub(lambda m: _BE_SOFT[m.group(0)], word)
    return _cyrillic_leftovers(word.translate(BELARUSIAN_PASSPORT))


@lru_cache(maxsize=_VARIANT_CACHE)
def ukrainian_national(word: str) -> str:
    """Ukrainian national system (2010): є/ї/й/ю/я are ye/yi/y/yu/ya only word-initially."""
    word = _UK_SOFT_INITIAL.sub(lambda m: _UK_SOFT[m.group(0)], word)
    return _cyrillic_leftovers(word.translate(UKRAINIAN_NATIONAL))


@lru_cache(maxsize=_VARIANT_CACHE)
def icu_bgn(spec: str, word: str) -> str:
    """An ICU BGN/PCGN rendering; its disambiguating middle dots and apostrophes dropped."""
    out = _icu(spec + "; Latin-ASCII; Any-Latin; Latin-ASCII", word)
    return _drop_quotes(_force_ascii(out.replace("\u00b7", "")))


@lru_cache(maxsize=_WORD_CACHE)
def icu_any_latin(word: str) -> str:
    """The ICU Any-Latin rendering (scholarly, ISO 9-like for Cyrillic: Шевченко -> sevcenko)."""
    return _drop_quotes(_force_ascii(_icu("Any-Latin; Latin-ASCII", word)))


# --- other scripts -------------------------------------------------------------------------

_GREEK_DIGRAPHS = (("ου", "u"), ("ντ", "d"), ("γκ", "g"), ("γγ", "ng"))


@lru_cache(maxsize=_VARIANT_CACHE)
def greek_phonetic(word: str) -> str:
    """Greek as foreign names are spelled (Πούτιν -> putin, Ντόναλντ -> donald)."""
    bare = "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn")
    if bare.startswith("μπ"):
        bare = "b" + bare[2:]
    for digraph, latin in _GREEK_DIGRAPHS:
        bare = bare.replace(digraph, latin)
    return _force_ascii(_icu(SCRIPT_SPECS["Greek"], bare))  # not to_ascii: no confusables


_GEORGIAN_VOWELS = frozenset("აეიოუ")


@lru_cache(maxsize=_VARIANT_CACHE)
def georgian_stem(word: str) -> str:
    """Georgian without the nominative -i added to foreign names (პუტინი -> putin)."""
    if len(word) >= 4 and word.endswith("ი") and word[-2] not in _GEORGIAN_VOWELS:
        return to_ascii(word[:-1])
    return to_ascii(word)


@lru_cache(maxsize=_VARIANT_CACHE)
def brahmic_schwa_deleted(word: str) -> str:
    """Indic romanisation without the unwritten final inherent vowel (पुतिन -> putin)."""
    out = icu_any_latin(word)
    last = word[-1:]
    if out.endswith("a") and len(out) > 2 and unicodedata.category(last) == "Lo":
        return out[:-1]
    return out


_ARABIC_ARTICLE = re.compile(r"^ال(?=\w)")


@lru_cache(maxsize=_VARIANT_CACHE)
def arabic_variant(word: str) -> str:
    """Arabic with the article split off and final ta marbuta as -a (الأسامة -> al asama)."""
    word = _ARABIC_ARTICLE.sub("al ", word)
    if word.endswith("ة"):
        word = word[:-1] + "a"
    return icu_any_latin(word)


def _han_joined(run: str) -> str:
    """Pinyin of a Han run as one token (transcribed foreign names: 普京 -> pujing)."""
    return "".join(_han_syllables(run))


def _han_spaced(run: str) -> str:
    """Pinyin of a Han run with one token per character (xi jin ping)."""
    return " ".join(_han_syllables(run))


_GERMANIC = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "å": "aa", "ø": "oe", "æ": "ae"})


@lru_cache(maxsize=_VARIANT_CACHE)
def germanic_umlauts(word: str) -> str:
    """Latin with umlauts spelled out as German and Nordic do (müller -> mueller)."""
    return to_ascii(word.translate(_GERMANIC))


# --- variant orchestration -----------------------------------------------------------------

WordRenderer = Callable[[str], str]


def _cyrillic_renderers(letters: frozenset[str]) -> list[WordRenderer]:
    """The Cyrillic conventions whose alphabet covers all the given letters."""
    renderers: list[WordRenderer] = [icu_any_latin, russian_icao]
    if letters <= RUSSIAN_LETTERS:
        renderers.append(lambda w: icu_bgn("Russian-Latin/BGN", w))
    if letters <= BELARUSIAN_LETTERS:
        renderers += [lambda w: icu_bgn("Belarusian-Latin/BGN", w), belarusian_passport]
    if letters <= UKRAINIAN_LETTERS:
        renderers += [lambda w: icu_bgn("Ukrainian-Latin/BGN", w), ukrainian_national]
    return renderers


def _korean_word_variants(word: str) -> set[str]:
    """Romanisations of a Hangul word: per syllable, and with each usual surname spelling."""
    runs = _HANGUL_RUN.findall(word)
    if len(runs) != 1 or runs[0] != word:
        return {_hangul_text(word, _hangul_syllables)}
    if len(word) == 1:  # a surname written apart: 김 -> kim
        return {_hangul_syllable(word), *KOREAN_SURNAME_SPELLINGS.get(word, ())}
    syllables = [_hangul_syllable(char) for char in word]
    out = {" ".join(syllables)}
    if _hangul_surname_length(word) == 1:
        for spelling in KOREAN_SURNAME_SPELLINGS.get(word[0], ()):
            out.add(spelling + " " + "".join(syllables[1:]))
            out.add(spelling + " " + " ".join(syllables[1:]))
    return out


def _korean_variants(words: list[str]) -> set[str]:
    """Name renderings with the Hangul words varied one at a time, and all per syllable."""
    canonical = [to_ascii(word) for word in words]
    out = {" ".join(_hangul_text(w, _hangul_syllables) for w in words)}
    for i, word in enumerate(words):
        if "Hangul" not in word_scripts(word):
            continue
        for variant in _korean_word_variants(word):
            out.add(" ".join(canonical[:i] + [variant] + canonical[i + 1 :]))
    return out


def _for_script(script: str, render: WordRenderer, cyrillic: str | None) -> WordRenderer:
    """Apply `render` to words written in `script`, the canonical rendering to the others."""

    def apply(word: str) -> str:
        return render(word) if script in word_scripts(word) else to_ascii(word, cyrillic)

    return apply


def variant_renderings(words: list[str]) -> set[str]:
    """Alternative ASCII renderings (unclean) of a casefolded, whitespace-split name."""
    scripts: set[str] = set()
    for word in words:
        scripts |= word_scripts(word)
    language = cyrillic_language(" ".join(words)) if "Cyrillic" in scripts else None
    renderers: list[WordRenderer] = []

    def add(script: str, *renders: WordRenderer) -> None:
        renderers.extend(_for_script(script, render, language) for render in renders)

    if "Latin" in scripts and any(c in "äöüåøæ" for w in words for c in w):
        add("Latin", germanic_umlauts)
    if "Cyrillic" in scripts:
        letters = frozenset(c for w in words for c in w if c.isalpha() and not c.isascii())
        add("Cyrillic", *_cyrillic_renderers(letters))
    if "Greek" in scripts:
        add("Greek", greek_phonetic, icu_any_latin)
    if "Georgian" in scripts:
        add("Georgian", georgian_stem)
    if "Armenian" in scripts:
        add("Armenian", icu_any_latin)
    if "Arabic" in scripts:
        add("Arabic", arabic_variant)
    if scripts & BRAHMIC_SCRIPTS:
        renderers.append(brahmic_schwa_deleted)
    if "Han" in scripts:
        renderers += [
            lambda w: _han_text(w, _han_joined),
            lambda w: _han_text(w, _han_spaced),
        ]
    out = {" ".join(render(word) for word in words) for render in renderers}
    if "Hangul" in scripts:
        out |= _korean_variants(words)
    return out

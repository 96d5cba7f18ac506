"""Organisation legal forms in many languages, and the generic words that are weak evidence.

`split_legal_form("OOO Romashka")` and `split_legal_form("Romashka LLC")` both give
(["romashka"], ["llc"]); `split_legal_form("LTD")` gives ([], ["ltd"]), so a legal form on
its own can never make a match. Forms are found on normalised tokens by two matchers:

* our table (`LEGAL_FORMS`): the forms sanctions lists are full of, grouped so that the
  Russian, Ukrainian and English spellings of one form share a canonical name (OOO, ООО,
  "Obshchestvo s ogranichennoy otvetstvennostyu", LLC -> "llc"; ZAO/CJSC -> "cjsc"; ...);
  every Cyrillic alias is entered under all its Latin spellings (see `latin_forms`);
* rigour's org-type database (ISO 20275 and more, hundreds of forms) for the long tail,
  canonicalised to rigour's compare form.

Short forms (two letters or fewer, like "AS", "AT", "SA", "AG", "S.A.", and three or fewer
from rigour's database, which also has "keg", "sad", "sem") are also ordinary words or
initials, so they count only at the end of the name (after peeling other forms off it:
"Acme Holding AS Ltd"), or at its start for the few written first ("AO", "PT"); longer forms
count anywhere ("Gazprom Neft PJSC formerly Sibneft", "OOO Romashka"). A few rigour aliases
that are mostly words or numerals ("in", "is", "ii") are ignored (`RIGOUR_IGNORED`).

Weak words (`ORG_WEAK_WORDS`): "company", "trading", "international", "group", "holding",
"bank", ... are kept in the core tokens, because they do tell "Acme Trading" from "Acme
Shipping", but they are shared by thousands of listed entities, so the matcher should give
them `WEAK_WORD_WEIGHT` and never accept a match on weak words alone. "Co"/"Company" are
treated as weak words rather than legal forms for the same reason; "Bank" is weak because
nearly every Iranian, Syrian and Russian listed bank has it ("Bank Melli", "Bank Saderat").

Other names a name holds (`alternative_names`): a bracketed name at its end that is a name
("SGM-MOST OOO", "BMI", "also known as ...") rather than a qualifier ("Schweiz"), a quoted
short name inside a long official name ("ROSTEC"), and the acronym of a name of four to six
words ("MCST"), weak because initials are shared by many names.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from rigour.names import extract_org_types

from watchlist.names.normalize import name_tokens
from watchlist.names.scripts import latin_forms

__all__ = [
    "ACRONYM_SKIPPED",
    "LEGAL_FORMS",
    "ORG_WEAK_WORDS",
    "LEADING_SHORT_FORMS",
    "RIGOUR_IGNORED",
    "WEAK_WORD_WEIGHT",
    "acronym",
    "alternative_names",
    "bracketed_alternative",
    "canonical_legal_form",
    "is_acronym_form",
    "is_legal_form",
    "legal_form_spans",
    "org_token_weight",
    "quoted_names",
    "split_legal_form",
]

#: Canonical legal form -> its spellings (any script; normalised when the table is built).
LEGAL_FORMS: dict[str, tuple[str, ...]] = {
    "llc": (
        "LLC", "L.L.C.", "Limited Liability Company", "Limited Liability Co",
        "Ltd Liability Company", "OOO", "O.O.O.", "ООО",
        "Общество с ограниченной ответственностью", "TOV", "ТОВ",
        "Товариство з обмеженою відповідальністю", "Tovarystvo z obmezhenoyu vidpovidalnistyu",
        "TOO", "ТОО", "Товарищество с ограниченной ответственностью", "MChJ",
        "Mas'uliyati cheklangan jamiyat", "ТАА", "Таварыства з абмежаванай адказнасцю",
        "Cong Ty TNHH", "TNHH", "Công ty trách nhiệm hữu hạn", "有限责任公司", "有限責任公司",
    ),
    "cjsc": (
        "CJSC", "ZAO", "ЗАО", "Closed Joint Stock Company", "Closed Joint-Stock Company",
        "Закрытое акционерное общество", "ZAT", "ЗАТ", "Закрите акціонерне товариство",
    ),
    "ojsc": (
        "OJSC", "OAO", "ОАО", "Open Joint Stock Company", "Open Joint-Stock Company",
        "Открытое акционерное общество", "VAT", "ВАТ", "Відкрите акціонерне товариство",
        "ААТ", "Адкрытае акцыянернае таварыства",
    ),
    "pjsc": (
        "PJSC", "PAO", "ПАО", "Public Joint Stock Company", "Public Joint-Stock Company",
        "Публичное акционерное общество", "PAT", "ПАТ", "Публічне акціонерне товариство",
    ),
    "prjsc": (
        "PrJSC", "PrAT", "ПрАТ", "Private Joint Stock Company", "Private Joint-Stock Company",
        "Приватне акціонерне товариство",
    ),
    "jsc": (
        "JSC", "AO", "АО", "Joint Stock Company", "Joint-Stock Company",
        "Акционерное общество", "NAO", "НАО", "Непубличное акционерное общество", "АТ",
        "Акціонерне товариство", "АД", "Cong Ty Co Phan", "CTCP", "Công ty cổ phần",
        "股份有限公司", "股份公司",
    ),
    "fgup": (
        "FGUP", "ФГУП", "Federal State Unitary Enterprise",
        "Федеральное государственное унитарное предприятие", "GUP", "ГУП",
        "State Unitary Enterprise", "Государственное унитарное предприятие", "MUP", "МУП",
        "Муниципальное унитарное предприятие", "Державне підприємство",
    ),
    "ip": ("Индивидуальный предприниматель", "Individual Entrepreneur", "ФЛП"),
    "gmbh": ("GmbH", "Gesellschaft mit beschränkter Haftung", "Ges.m.b.H.", "mbH"),
    "ltd": (
        "Ltd", "Ltd.", "Limited", "Co Ltd", "Co., Ltd.", "Company Limited", "Pte Ltd",
        "Pvt Ltd", "Private Limited", "Pty Ltd", "(Pty) Ltd", "Proprietary Limited",
        "Ltda", "Limitada", "有限公司",
    ),
    "corp": ("Corp", "Corp.", "Corporation", "Corpn"),
    "inc": ("Inc", "Inc.", "Incorporated"),
    "sa": (
        "SA", "S.A.", "Société Anonyme", "Sociedad Anónima", "Sociedade Anónima",
        "Sociedade Anônima", "SA de CV", "S.A. de C.V.", "SAE", "S.A.E.", "SAL", "S.A.L.",
        "SAS", "S.A.S.", "SAU", "S.A.U.", "SAOG", "SAOC",
    ),
    "ag": ("AG", "Aktiengesellschaft"),
    "plc": ("PLC", "P.L.C.", "Public Limited Company"),
    "fze": ("FZE", "Free Zone Establishment", "FZ-E"),
    "fzco": ("FZCO", "FZC", "Free Zone Company", "FZ-LLC", "FZ LLC", "FZ-CO"),
    "llp": ("LLP", "L.L.P.", "Limited Liability Partnership"),
    "lp": ("LP", "L.P.", "Limited Partnership"),
    "bv": ("BV", "B.V.", "Besloten Vennootschap"),
    "nv": ("NV", "N.V.", "Naamloze Vennootschap"),
    "srl": (
        "SRL", "S.R.L.", "Società a responsabilità limitata",
        "Sociedad de Responsabilidad Limitada", "S. de R.L.", "S de RL",
    ),
    "spa": ("SpA", "S.p.A.", "Società per azioni"),
    "sarl": ("SARL", "S.A.R.L.", "Société à responsabilité limitée"),
    "kft": ("Kft", "Kft."),
    "spzoo": ("Sp. z o.o.", "Spółka z ograniczoną odpowiedzialnością"),
    "sro": ("s.r.o.", "spol. s r.o."),
    "doo": ("d.o.o.", "DOO", "ДОО"),
    "as": ("AS", "A/S", "A.S.", "A.Ş.", "Aksjeselskap", "Aktieselskab", "Anonim Şirketi"),
    "ab": ("AB", "Aktiebolag"),
    "oy": ("Oy", "Oyj", "Osakeyhtiö"),
    "bhd": ("Bhd", "Berhad", "Sdn Bhd", "Sdn. Bhd.", "Sendirian Berhad"),
    "pt": ("PT", "P.T.", "Perseroan Terbatas"),
    "kk": ("KK", "K.K.", "Kabushiki Kaisha", "株式会社"),
    "kg": ("KG", "Kommanditgesellschaft", "GmbH & Co. KG", "GmbH & Co KG", "AG & Co. KG"),
    "wll": ("WLL", "W.L.L."),
    "est": ("Est", "Est."),
}  # fmt: skip

#: Generic words of organisation names: weak evidence, weighted `WEAK_WORD_WEIGHT`.
ORG_WEAK_WORDS: frozenset[str] = frozenset(
    """
    co company companies trading trade traders international intl group grp holding holdings
    enterprise enterprises industries industry industrial services service general global
    import export imports exports commercial investment investments management development
    technology technologies tech solutions systems partners associates ventures capital
    resources shipping logistics transport bank banking financial finance national
    corporate agency firm establishment the and of for de la del des du di da el al
    """.split()
)

#: Short forms that are written before the name ("AO Kronshtadt", "PT Bank Mandiri").
LEADING_SHORT_FORMS = frozenset({"ao", "pt"})

#: rigour aliases that are far more often words or numerals in sanctioned names than forms.
RIGOUR_IGNORED = frozenset(
    "in is ii iii iv na ca im ll lc lt pe pr ps ep og od ky yu ku rs sd sf ay ei ik nl "
    "sad gag keg fie sem sti ong".split()
)

#: Weight the matcher should give a weak org word (a distinctive token weighs 1.0).
WEAK_WORD_WEIGHT = 0.2

Span = tuple[int, int, str]


@cache
def _table() -> tuple[dict[tuple[str, ...], str], int]:
    """Normalised token tuple -> canonical form, and the longest alias in tokens."""
    table: dict[tuple[str, ...], str] = {}
    for canonical, aliases in LEGAL_FORMS.items():
        for alias in (canonical, *aliases):
            for form in latin_forms(alias):
                tokens = tuple(form.split())
                table.setdefault(tokens, canonical)
                if len(tokens) > 1 and all(len(t) == 1 for t in tokens):
                    table.setdefault(("".join(tokens),), canonical)  # "s a" -> "sa" too
    return table, max(len(k) for k in table)


@cache
def _rigour_canonical(target: str) -> str:
    """Our canonical name for a rigour compare form (rigour's own when we have none)."""
    tokens = tuple(name_tokens(target))
    table, _ = _table()
    return table.get(tokens) or table.get(("".join(tokens),)) or "".join(tokens)


def _table_spans(tokens: list[str]) -> list[Span]:
    """Legal forms from our table, longest match first, left to right."""
    table, longest = _table()
    spans = []
    i = 0
    while i < len(tokens):
        for size in range(min(longest, len(tokens) - i), 0, -1):
            canonical = table.get(tuple(tokens[i : i + size]))
            if canonical is not None:
                spans.append((i, i + size, canonical))
                i += size
                break
        else:
            i += 1
    return spans


def _rigour_spans(tokens: list[str], taken: set[int]) -> list[Span]:
    """Legal forms rigour's database finds among the tokens our table left alone."""
    text = " ".join(tokens)
    starts, ends, offset = {}, {}, 0
    for index, token in enumerate(tokens):
        starts[offset] = index
        ends[offset + len(token)] = index + 1
        offset += len(token) + 1
    spans = []
    cursor = 0
    for matched, target in extract_org_types(text):
        pos = text.find(matched, cursor)
        while pos != -1 and (pos not in starts or pos + len(matched) not in ends):
            pos = text.find(matched, pos + 1)
        if pos == -1:
            continue
        cursor = pos + len(matched)
        start, end = starts[pos], ends[pos + len(matched)]
        if matched in RIGOUR_IGNORED or taken.intersection(range(start, end)):
            continue
        spans.append((start, end, _rigour_canonical(target)))
    return spans


def _is_short(tokens: list[str], span: Span, limit: int) -> bool:
    """True for forms of `limit` letters or fewer, which are ordinary words too ("as")."""
    return sum(len(t) for t in tokens[span[0] : span[1]]) <= limit


def _may_lead(tokens: list[str], span: Span, short: set[Span]) -> bool:
    """True when a form may be peeled off the start of a name."""
    return span not in short or " ".join(tokens[span[0] : span[1]]) in LEADING_SHORT_FORMS


def legal_form_spans(tokens: list[str]) -> list[Span]:
    """(start, end, canonical) of each legal form among normalised tokens, in order."""
    if not tokens:
        return []
    ours = _table_spans(tokens)
    taken = {i for start, end, _ in ours for i in range(start, end)}
    theirs = _rigour_spans(tokens, taken)
    short = {span for span in ours if _is_short(tokens, span, 2)}
    short |= {span for span in theirs if _is_short(tokens, span, 3)}
    found = ours + theirs
    by_start = {span[0]: span for span in found}
    by_end = {span[1]: span for span in found}
    accepted = {span for span in found if span not in short}
    left, right = 0, len(tokens)
    while left < right:  # peel forms off both ends; short forms count only there
        first = by_start.get(left)
        if first and first[1] <= right and _may_lead(tokens, first, short):
            accepted.add(first)
            left = first[1]
        elif right in by_end and by_end[right][0] >= left:
            accepted.add(by_end[right])
            right = by_end[right][0]
        else:
            break
    return sorted(accepted)


def split_legal_form(name: str) -> tuple[list[str], list[str]]:
    """(core tokens, canonical legal forms) of an organisation name."""
    tokens = name_tokens(name)
    spans = legal_form_spans(tokens)
    removed = {i for start, end, _ in spans for i in range(start, end)}
    core = [token for i, token in enumerate(tokens) if i not in removed]
    return core, [canonical for _, _, canonical in spans]


def is_legal_form(text: str) -> bool:
    """True when the whole text is legal forms ("LTD", "S.A.", "ООО", "Co., Ltd.")."""
    core, forms = split_legal_form(text)
    return bool(forms) and not core


@lru_cache(maxsize=1 << 16)
def org_token_weight(token: str) -> float:
    """Evidence weight of a normalised org-name token: 0 legal form, low weak word, else 1."""
    if token in ORG_WEAK_WORDS:
        return WEAK_WORD_WEIGHT
    if is_legal_form(token):
        return 0.0
    return 1.0


def canonical_legal_form(text: str) -> str | None:
    """The canonical name of a legal form ("Limited Liability Company" -> "llc"), or None."""
    tokens = tuple(name_tokens(text))
    table, _ = _table()
    if tokens in table:
        return table[tokens]
    core, forms = split_legal_form(text)
    return forms[0] if len(forms) == 1 and not core else None


#: Words an acronym leaves out ("Moscow Center of SPARC Technologies" -> MCST).
ACRONYM_SKIPPED = frozenset(
    "of the and for de la del des du di da el al und der fur et y e".split())
#: Acronyms are made of this many name words: fewer give ambiguous letters (the scorer
#: already reads two or three initials), more are seldom abbreviated.
ACRONYM_WORDS = (4, 6)
#: Words before an alternative name in brackets: "(a.k.a. ...)", "(formerly ...)".
_ALIAS_MARKER = re.compile(
    r"^(?:a\.?\s?k\.?\s?a\.?|f\.?\s?k\.?\s?a\.?|formerly|also known as|previously|former"
    r"|ex|now)\b[\s:.,-]*", re.IGNORECASE)
_LIST_SEPARATOR = re.compile(r"\s*[,;]\s*")

_END_BRACKET = re.compile(r"^(?P<outer>.*?\S)\s*[(\[](?P<inner>[^()\[\]]+)[)\]][\s.,;]*$")
_BRACKETS = re.compile(r"[(\[][^()\[\]]*[)\]]")
_QUOTED = re.compile(r'"([^"]+)"|«([^«»]+)»|“([^“”]+)”|„([^„“”]+)[“”]')


def _abbreviates(short: str, tokens: list[str]) -> bool:
    """Whether `short` (one token) is made of letters of `tokens` in order, starting with
    the first one's initial ("sgm" of "stroygazmontazh", "bmi" of "bank melli iran")."""
    text = "".join(tokens)
    if len(short) < 2 or not short.isalpha() or not text or short[0] != text[0]:
        return False
    position = 0
    for char in short:
        position = text.find(char, position)
        if position < 0:
            return False
        position += 1
    return True


def bracketed_alternative(name: str) -> list[str]:
    """[name outside, name(s) inside] when a name ends with other names of the same party in
    brackets: one with its legal form ("STROYGAZMONTAZH-MOST OOO (SGM-MOST OOO)"), an
    abbreviation of the name ("BANK MELLI IRAN (BMI)"), or names marked "also known as",
    "formerly" (each name of a list written with commas); [] for a qualifier ("Deutsche
    Bank (Schweiz) AG", "XYZ Trading Ltd (Cyprus)")."""
    m = _END_BRACKET.match(name)
    if m is None:
        return []
    outer, inner = m.group("outer").strip(), m.group("inner").strip()
    outer_core, _ = split_legal_form(outer)
    if not name_tokens(inner) or not outer_core:
        return []
    marker = _ALIAS_MARKER.match(inner)
    if marker is not None and marker.end() < len(inner):
        rest = inner[marker.end():].strip()
        parts = [p for p in _LIST_SEPARATOR.split(rest) if name_tokens(p)]
        return [outer, rest, *(parts if len(parts) > 1 else [])]
    core, forms = split_legal_form(inner)
    if core and forms:
        return [outer, inner]
    if len(core) == 1 and _abbreviates(core[0], outer_core):
        return [outer, inner]
    return []


def quoted_names(name: str) -> list[str]:
    """Short names written in quotes inside an organisation's long official name
    ('STATE CORPORATION ... "ROSTEC"' -> ["ROSTEC"]); only when the words outside the quotes
    say it is an organisation (a legal form or a generic word such as "corporation")."""
    if name.count('"') > 2 and name.count('"') % 2:  # 'AO "NII "Neptun"': the inner one
        found = [name.rsplit('"', 2)[1]]
    else:
        found = [next(g for g in m.groups() if g) for m in _QUOTED.finditer(name)]
    if not found:
        return []
    outside = name_tokens(_QUOTED.sub(" ", name.replace(f'"{found[-1]}"', " ")))
    core, forms = split_legal_form(" ".join(outside))
    if not core or not (forms or any(_generic(t) for t in core)):
        return []
    out = []
    for quoted in found:
        tokens = name_tokens(quoted)
        if tokens and not any(_generic(t) or is_legal_form(t) for t in tokens):
            out.append(quoted.strip())
    return out


def _generic(token: str) -> bool:
    return token in ORG_WEAK_WORDS or token in _ORG_WORDS


#: Words saying a name is an organisation's, besides legal forms and the weak words.
_ORG_WORDS = frozenset(
    """corporation corp state federal concern association union plant factory institute
    bureau center centre committee ministry authority fund foundation organization
    organisation enterprise unitary science scientific research production design
    institut zavod zavodom nii npo nauchno issledovatelskiy issledovatelskii kontsern
    pidpryiemstvo pidpriemstvo predpriyatie obedinenie obyedinenie kombinat byuro
    naukovo vyrobnyche nauchnoproizvodstvennoe imeni named after""".split()
)


_NUMBER = re.compile(r"^(?:\d+|[ivxl]{1,4})$")


@lru_cache(maxsize=1 << 14)
def acronym(name: str) -> str | None:
    """The acronym of an organisation name of four to six words, with its legal forms
    ("JSC Moscow Center of SPARC Technologies" -> "MCST JSC"); None for other names. Words
    in brackets or quotes are left out (a qualifier, another name)."""
    if not name.isascii() or "/" in name:
        return None  # no initials of a name in another script, nor of two names
    name = _QUOTED.sub(" ", _BRACKETS.sub(" ", name))
    core, _ = split_legal_form(name)
    words = [t for t in core if t not in ACRONYM_SKIPPED]
    low, high = ACRONYM_WORDS
    if not low <= len(words) <= high or any(_NUMBER.match(w) or len(w) < 2 for w in words):
        return None  # "Capital Trust II": the number tells such names apart; "A.B.C. Co"
    tokens = name_tokens(name)
    spans = legal_form_spans(tokens)
    legal = [" ".join(tokens[start:end]) for start, end, _ in spans]
    return " ".join(["".join(w[0] for w in words), *legal])


def is_acronym_form(tokens: tuple[str, ...], original: str) -> bool:
    """Whether name tokens are the acronym made of a longer name (`acronym`), not a name
    written so: two such acronyms agreeing say nothing ("China State Construction
    Engineering Corporation", "China State Construction Equipment Corporation")."""
    if len(tokens) != 1 or len(original) <= len(tokens[0]) + 4:
        return False
    made = acronym(original)
    return made is not None and made.split()[0] == tokens[0]


def alternative_names(name: str) -> list[tuple[str, bool]]:
    """The other names an organisation's name holds, each with whether it is weak: the two
    names of "X (Y)" (strong; weak when Y is one word and no legal form, an abbreviation:
    "FESCO" is a name, but one letter away from "Tesco"), the quoted short name of a long
    official name (strong), the acronym of a name of four to six words (weak: initials are
    shared by many names)."""
    out: list[tuple[str, bool]] = []
    split = bracketed_alternative(name)
    for k, part in enumerate(split):
        core, forms = split_legal_form(part)
        out.append((part, k > 0 and len(core) == 1 and not forms))
    out.extend((short, False) for short in quoted_names(name))
    for full in split or [name]:
        short = acronym(full)
        if short is not None:
            out.append((short, True))
    return out

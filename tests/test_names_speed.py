"""A loose guard on throughput: normalising names must stay in the microseconds."""

from __future__ import annotations

import random
import time

from watchlist.names import latin_forms, normalize_text

WORDS = {
    "latin": "John Smith Maria García Müller Łukasz O'Brien Al-Assad Bashar Trading LLC".split(),
    "cyrillic": "Владимир Путин Александр Лукашэнка Аляксандр Юлия Тимошенко ООО Ромашка".split(),
    "arabic": "محمد عبد الله أسامة بن لادن صدام حسين بشار الأسد".split(),
    "greek": "Βλαντίμιρ Πούτιν Αλέξης Τσίπρας".split(),
}


def mixed_names(count: int) -> list[str]:
    """Distinct names, 70% Latin, the rest Cyrillic, Arabic, Greek and Chinese."""
    rnd = random.Random(7)
    kinds = ["latin"] * 7 + ["cyrillic"] * 2 + ["arabic", "greek"]
    names = []
    for i in range(count):
        kind = rnd.choice(kinds + ["chinese"])
        if kind == "chinese":
            names.append("".join(rnd.choice("习近平毛泽东李克强王岐山") for _ in range(3)))
        else:
            words = [rnd.choice(WORDS[kind]) for _ in range(rnd.randint(2, 4))]
            names.append(" ".join(words) + f" {i}")
    return names


def test_normalising_20k_mixed_script_names_takes_well_under_two_seconds() -> None:
    names = mixed_names(20_000)
    normalize_text.cache_clear()
    start = time.perf_counter()
    for name in names:
        normalize_text(name)
    assert time.perf_counter() - start < 2.0  # measured ~0.15 s


def test_latin_forms_of_20k_mixed_script_names_takes_well_under_five_seconds() -> None:
    names = mixed_names(20_000)
    start = time.perf_counter()
    for name in names:
        latin_forms(name)
    assert time.perf_counter() - start < 5.0  # measured ~0.4 s

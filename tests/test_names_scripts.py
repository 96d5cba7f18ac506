"""latin_forms: the Latin spellings of a name in any script, under each common convention."""

from __future__ import annotations

from conftest import shared_file
from watchlist.names import (
    detect_scripts,
    is_latin,
    latin_forms,
    main_script,
    name_key,
    name_keys,
    normalize_text,
    skeleton_key,
)


def tokens_of(forms: set[str]) -> set[str]:
    """Every token of every form."""
    return {token for form in forms for token in form.split()}


def test_belarusian_cyrillic_gives_lukashenka() -> None:
    forms = latin_forms("Лукашэнка Аляксандр Рыгоравіч")
    assert "lukashenka aliaksandr ryhoravich" in forms  # Belarusian passport
    assert "lukashenka alyaksandr ryhoravich" in forms  # BGN/PCGN


def test_russian_cyrillic_gives_lukashenko_aleksandr() -> None:
    forms = latin_forms("Лукашенко Александр Григорьевич")
    assert "lukashenko aleksandr grigoryevich" in forms  # BGN/PCGN
    assert "lukashenko aleksandr grigorevich" in forms  # ICAO passport
    assert "lukasenko aleksandr grigorevic" in forms  # ICU scholarly (Czech/Croat style)


def test_ukrainian_cyrillic_gives_national_and_bgn_spellings() -> None:
    forms = latin_forms("Зеленський Володимир Олександрович")
    assert "zelenskyi volodymyr oleksandrovych" in forms  # national system 2010
    assert "zelenskyy volodymyr oleksandrovych" in forms  # BGN/PCGN
    assert "oleksandr" in tokens_of(latin_forms("Олександр Лукашенко"))


def test_russian_passport_spelling_of_soft_vowels() -> None:
    assert "iuliia timoshenko" in latin_forms("Юлия Тимошенко")
    assert "yuliya timoshenko" in latin_forms("Юлия Тимошенко")


def test_belarusian_soft_vowel_after_a_vowel_is_y() -> None:
    assert "sviatlana tsikhanouskaya" in latin_forms("Святлана Ціханоўская")


def test_lukashenko_spellings_share_keys_whatever_the_order() -> None:
    latin = name_key("Aliaksandr Lukashenka")
    assert name_key("LUKASHENKA, Aliaksandr") == latin
    assert latin in name_keys("Лукашэнка Аляксандр")
    assert name_key("Alyaksandr Lukashenka") in name_keys("Аляксандр Лукашэнка")
    assert name_key("Lukashenko Aleksandr") in name_keys("Александр Лукашенко")
    belarusian = name_keys("Лукашэнка Аляксандр Рыгоравіч")
    assert name_keys("Alyaksandr Ryhoravich Lukashenka") & belarusian


def test_chinese_gives_pinyin_without_tones_in_name_order() -> None:
    assert "xi jinping" in latin_forms("习近平")
    assert "xi jin ping" in latin_forms("习近平")
    assert "ouyang xiu" in latin_forms("欧阳修")
    assert name_key("Xi Jinping") in name_keys("习近平")


def test_greek_gives_modern_and_foreign_name_spellings() -> None:
    forms = latin_forms("Βλαντίμιρ Πούτιν")
    assert "vladimir putin" in forms
    assert "vlantimir poutin" in forms
    assert "alexis tsipras" in latin_forms("Αλέξης Τσίπρας")


def test_armenian_and_georgian_romanise() -> None:
    assert latin_forms("Վլադիմիր Պուտին") == {"vladimir putin"}
    assert "vladimer putin" in latin_forms("ვლადიმერ პუტინი")  # nominative -i dropped


def test_hindi_final_schwa_is_dropped_in_a_variant() -> None:
    assert "vladimir putin" in latin_forms("व्लादिमीर पुतिन")


def test_korean_gives_usual_surname_spellings() -> None:
    forms = latin_forms("김정은")
    assert "gim jeongeun" in forms
    assert "kim jeong eun" in forms
    assert "park geunhye" in latin_forms("박근혜")  # Revised Romanization finals: bak, not bag
    assert "choe ryonghae" in latin_forms("최룡해")


def test_japanese_iteration_mark_does_not_break_transliteration() -> None:
    assert normalize_text("佐々木") == "zuo mu"
    assert normalize_text("ウラジーミル・プーチン") == "urajimiru puchin"


def test_arabic_and_hebrew_romanise_to_ascii_consonant_skeletons() -> None:
    arabic = latin_forms("محمد")
    assert arabic == {"mhmd"}
    assert skeleton_key("muhammad") == skeleton_key("mhmd")
    assert "al asd bshar" in latin_forms("الأسد بشار")
    assert latin_forms("בנימין נתניהו") == {"bnymyn ntnyhw"}


def test_latin_umlauts_also_spelled_out() -> None:
    assert latin_forms("Müller") == {"muller", "mueller"}
    assert latin_forms("John Smith") == {"john smith"}


def test_scripts_are_detected() -> None:
    assert detect_scripts("Путин Putin") == {"Cyrillic", "Latin"}
    assert detect_scripts("习近平") == {"Han"}
    assert detect_scripts("123 !") == set()
    assert main_script("Путин Vladimir Vladimirovich") == "Latin"
    assert main_script("فلاديمير بوتين") == "Arabic"
    assert is_latin("Łódź") and not is_latin("Łódź Путин")


def test_putin_in_eighty_languages_mostly_shares_a_latin_token() -> None:
    path = shared_file("matching/nomenklatura/putin_names.txt")
    names = [line.strip() for line in path.read_text("utf-8").splitlines() if line.strip()]
    target = {"vladimir", "putin"}
    skeletons = {skeleton_key(token) for token in target}
    shared = skeleton_shared = 0
    for name in names:
        tokens = tokens_of(latin_forms(name))
        shared += bool(tokens & target)
        skeleton_shared += bool({skeleton_key(t) for t in tokens} & skeletons)
    print(f"putin: {shared}/{len(names)} share a token, {skeleton_shared} a consonant skeleton")
    assert len(names) >= 70
    assert shared >= 0.7 * len(names)  # measured 60/81
    assert skeleton_shared >= 0.85 * len(names)  # measured 74/81

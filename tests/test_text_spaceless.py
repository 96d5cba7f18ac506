"""Finding names written in scripts without spaces (Chinese, Japanese, Thai)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from watchlist.text.spaceless import MIN_LETTERS, find_names, is_spaceless, name_keys


def test_listed_chinese_name_keys_drop_separators_brackets_and_legal_form() -> None:
    assert name_keys("華信船務(香港)有限公司") == {
        "华信船务香港有限公司", "华信船务香港", "华信船务有限公司", "华信船务"}
    assert name_keys("阿不都·哈克") == {"阿不都哈克"}


def test_names_in_spaced_scripts_and_two_letter_names_have_no_keys() -> None:
    assert name_keys("Aleksandr LUKASHENKO") == set()
    assert name_keys("ЛУКАШЕНКО Александр") == set()
    assert name_keys("王毅") == set()
    assert not is_spaceless("Лукашенко") and is_spaceless("金正恩") and is_spaceless("ทักษิณ")


def test_longest_name_wins_and_matches_do_not_overlap() -> None:
    keys = {"华信船务": 1, "华信船务有限公司": 2, "船务有限": 3}
    assert find_names("他说华信船务有限公司和华信船务", keys, [len(k) for k in keys]) == [
        (2, 10, "华信船务有限公司"), (11, 15, "华信船务")]


HAN = st.text(alphabet=st.sampled_from("华信船务有限公司長安海連技術金正恩的了是"), max_size=40)


@given(HAN, st.lists(st.text(alphabet=st.sampled_from("华信船务有限公司金正恩"),
                              min_size=MIN_LETTERS, max_size=8), max_size=5))
def test_found_names_are_keys_in_order_and_apart(text: str, names: list[str]) -> None:
    keys = dict.fromkeys(names, 0)
    found = find_names(text, keys, [len(k) for k in keys])
    last = 0
    for start, end, key in found:
        assert last <= start < end <= len(text)
        assert key in keys and end - start == len(key)
        last = end

import pytest

from returnees.names import alias_key, name_key


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Абдуллаев", "Abdullaev"),
        ("Абдуллаев", "Abdullayev"),
        ("Жумабаев", "Jumabaev"),
        ("Жумабаев", "Zhumabaev"),
        ("Юсупова", "Iusupova"),
        ("Хамидов", "Hamidov"),
        ("Өмүрбеков", "Omurbekov"),
        ("Үсөнов", "Usonov"),
        ("Ильич", "Ilich"),
        ("  TIMUR  ", "timur"),
    ],
)
def test_spellings_of_one_name_share_a_key(one, other):
    assert name_key(one) == name_key(other)


def test_key_keeps_word_boundaries_and_drops_punctuation():
    assert name_key("Abdullaev-Karimov", "  Timur ") == "abdulaev karimov timur"


def test_key_of_nothing_is_empty():
    assert name_key("", "  ", "---") == ""


def test_alias_key_joins_aliases_and_skips_empty_ones():
    assert alias_key(["Абу Мухаммад", "", "Umm Aisha"]) == "abu muhamad | um aisha"

import datetime

import pytest

from intake.selectors import possible_duplicates
from intake.services import PossibleDuplicates, returnee_register
from tests.factories import PersonDetailsFactory

BORN = datetime.date(1990, 4, 12)


def check(user, **kwargs):
    kwargs.setdefault("birth_date", BORN)
    return possible_duplicates(user=user, **kwargs)


def test_cyrillic_record_is_found_from_a_latin_spelling(cast, register):
    case = register(given_name="Тимур", family_name="Абдуллаев", birth_date=BORN)

    report = check(cast.colleague, given_name="Timur", family_name="Abdullayev")

    assert [m.case_id for m in report.visible] == [case.pk]
    assert report.visible[0].agency_name == "Bishkek Social Services"
    assert report.other_agencies == []


def test_latin_record_is_found_from_a_cyrillic_spelling(cast, register):
    case = register(given_name="Zhyldyz", family_name="Jumabaeva", birth_date=BORN)

    report = check(cast.social_worker, given_name="Жылдыз", family_name="Жумабаева")

    assert [m.case_id for m in report.visible] == [case.pk]


def test_alias_matches(cast, register):
    case = register(
        given_name="Rustam", family_name="Karimov", aliases=["Абу Юсуф"], birth_date=BORN
    )

    report = check(cast.social_worker, given_name="Abu", family_name="Yusuf")

    assert [m.case_id for m in report.visible] == [case.pk]


def test_another_agency_learns_only_the_agency_name(cast, register):
    register(given_name="Тимур", family_name="Абдуллаев", birth_date=BORN)

    report = check(cast.outsider, given_name="Timur", family_name="Abdullaev")

    assert report.visible == []
    assert report.other_agencies == ["Bishkek Social Services"]


def test_approximate_age_matches_a_birth_year_nearby(cast, register):
    age = datetime.date.today().year - BORN.year
    case = register(
        given_name="Aigerim", family_name="Sadykova", birth_date=None, approximate_age=age
    )

    report = check(cast.social_worker, given_name="Айгерим", family_name="Садыкова")

    assert [m.case_id for m in report.visible] == [case.pk]


@pytest.mark.parametrize(
    ("given", "family", "born"),
    [
        ("Timur", "Abdullaev", datetime.date(1960, 1, 1)),  # same name, another generation
        ("Bakyt", "Toktogulov", BORN),  # another person born the same day
        ("Timur", "Abdullaev", datetime.date(1992, 9, 30)),  # both exact, no typo apart
    ],
)
def test_different_people_are_not_reported(cast, register, given, family, born):
    register(given_name="Тимур", family_name="Абдуллаев", birth_date=BORN)

    assert not check(cast.social_worker, given_name=given, family_name=family, birth_date=born)


@pytest.mark.parametrize(
    "born", [datetime.date(1990, 9, 30), datetime.date(1991, 4, 12)], ids=["same-year", "year-typo"]
)
def test_same_name_with_a_mistyped_birth_date_is_reported(cast, register, born):
    register(given_name="Тимур", family_name="Абдуллаев", birth_date=BORN)

    assert check(cast.social_worker, given_name="Timur", family_name="Abdullaev", birth_date=born)


def test_register_stops_on_a_likely_duplicate_until_acknowledged(cast, register):
    register(given_name="Тимур", family_name="Абдуллаев", birth_date=BORN)
    person = PersonDetailsFactory(given_name="Timur", family_name="Abdullaev", birth_date=BORN)

    with pytest.raises(PossibleDuplicates) as excinfo:
        returnee_register(actor=cast.outsider, person=person, lead_agency=cast.agency_b)
    assert excinfo.value.report.other_agencies == ["Bishkek Social Services"]

    case = returnee_register(
        actor=cast.outsider, person=person, lead_agency=cast.agency_b, acknowledge_duplicates=True
    )
    assert case.lead_agency == cast.agency_b

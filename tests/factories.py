"""Plain test data. State changes still go through the real services."""

import datetime

import factory

from intake.services import PersonDetails

_SYLLABLES = ["ka", "ru", "bek", "tol", "mun", "zar", "gul", "dor", "sin", "pex", "lum", "vot"]


class PersonDetailsFactory(factory.Factory):
    class Meta:
        model = PersonDetails

    given_name = factory.Iterator(["Timur", "Azamat", "Bakyt", "Nurlan", "Ermek", "Kanat"])
    family_name = factory.Sequence(
        lambda n: "".join(_SYLLABLES[n // 12**i % 12] for i in range(3)).title() + "ov"
    )
    patronymic = "Rustamovich"
    aliases = factory.LazyFunction(list)
    # Consecutive people are born about ten years apart (within 1975–1999), so
    # the duplicate check never pairs two factory people by accident.
    birth_date = factory.Sequence(
        lambda n: datetime.date(1975, 1, 1) + datetime.timedelta(days=(n * 3797) % 9000)
    )
    approximate_age = None
    sex = "male"
    citizenship_status = "citizen"
    region = "bishkek"
    district = "Leninsky"
    address = "Chui st. 12"
    phone = "+996 555 123456"
    languages = factory.LazyFunction(lambda: ["ky", "ru"])
    conflict_zone = "syria"
    departure_date = datetime.date(2014, 5, 1)
    return_date = datetime.date(2019, 3, 15)
    return_route = "state_repatriation"
    legal_status = "none"
    needs = factory.LazyFunction(lambda: ["housing", "documents"])


def intake_post_data(person: PersonDetails | None = None, **overrides) -> dict:
    """Form data for the intake page, from a PersonDetails."""
    person = person or PersonDetailsFactory()
    data = {
        field: getattr(person, field)
        for field in PersonDetails.__dataclass_fields__
        if field not in ("aliases", "languages", "needs")
    }
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["aliases"] = "\n".join(person.aliases)
    data["languages"] = list(person.languages)
    data["needs"] = list(person.needs)
    data.update(overrides)
    return data


def intake_json(person: PersonDetails | None = None, **overrides) -> dict:
    """JSON body for the register API, from a PersonDetails."""
    person = person or PersonDetailsFactory()
    data = {
        field: (value.isoformat() if isinstance(value, datetime.date) else value)
        for field, value in person.__dict__.items()
    }
    data.update(overrides)
    return data

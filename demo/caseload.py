"""A realistic demo caseload: Central Asian names in Latin and Cyrillic script.

Used by `manage.py seed_demo` and the benchmark. Bulk by design: 100,000
people are written with a handful of multi-row INSERTs per thousand rows, and
case grants go through the same `case_team_grant` the intake service uses.
"""

import datetime
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from casework.grants import LEAD_PERMISSIONS
from casework.models import (
    INDICATORS,
    PATHWAY_FOR_CATEGORY,
    Case,
    Flag,
    FlagCategory,
    FlagEvent,
    FlagSource,
    Goal,
    GoalDomain,
    GoalStatus,
    Note,
    NoteKind,
    NoteVisibility,
    RiskCategory,
    Severity,
    TriageAssessment,
    TriageDecision,
)
from casework.services import case_team_grant
from returnees.models import (
    CitizenshipStatus,
    ConflictZone,
    LegalStatus,
    Need,
    Region,
    Returnee,
    ReturnRoute,
    Sex,
)
from returnees.names import alias_key, name_key

MALE_GIVEN = [
    ("Timur", "Тимур"),
    ("Azamat", "Азамат"),
    ("Bakyt", "Бакыт"),
    ("Nurlan", "Нурлан"),
    ("Ermek", "Эрмек"),
    ("Rustam", "Рустам"),
    ("Jamshid", "Жамшид"),
    ("Aibek", "Айбек"),
    ("Kanat", "Канат"),
    ("Ulan", "Улан"),
    ("Daniyar", "Данияр"),
    ("Farrukh", "Фаррух"),
    ("Bekzat", "Бекзат"),
    ("Ilyas", "Ильяс"),
    ("Murat", "Мурат"),
    ("Sanjar", "Санжар"),
    ("Adilet", "Адилет"),
    ("Ruslan", "Руслан"),
    ("Alisher", "Алишер"),
    ("Emil", "Эмиль"),
]
FEMALE_GIVEN = [
    ("Aigerim", "Айгерим"),
    ("Nurzhan", "Нуржан"),
    ("Aida", "Аида"),
    ("Gulnara", "Гульнара"),
    ("Dilnoza", "Дилноза"),
    ("Zarina", "Зарина"),
    ("Asel", "Асель"),
    ("Madina", "Мадина"),
    ("Cholpon", "Чолпон"),
    ("Aizhan", "Айжан"),
    ("Kanykei", "Каныкей"),
    ("Saltanat", "Салтанат"),
    ("Malika", "Малика"),
    ("Elmira", "Эльмира"),
    ("Nigora", "Нигора"),
    ("Begimai", "Бегимай"),
    ("Meerim", "Мээрим"),
    ("Feruza", "Феруза"),
    ("Aliya", "Алия"),
    ("Jibek", "Жибек"),
]
# (Latin, Cyrillic) stems; male and female forms add -ov/-ova or -ev/-eva.
FAMILY_STEMS = [
    ("Abdullaev", "Абдуллаев"),
    ("Asanov", "Асанов"),
    ("Usenov", "Усенов"),
    ("Toktogulov", "Токтогулов"),
    ("Mamatov", "Маматов"),
    ("Karimov", "Каримов"),
    ("Sultanov", "Султанов"),
    ("Ismailov", "Исмаилов"),
    ("Jumabaev", "Жумабаев"),
    ("Kadyrov", "Кадыров"),
    ("Nazarov", "Назаров"),
    ("Tashiev", "Ташиев"),
    ("Omurbekov", "Омурбеков"),
    ("Rakhimov", "Рахимов"),
    ("Yusupov", "Юсупов"),
    ("Sadykov", "Садыков"),
    ("Bekmuratov", "Бекмуратов"),
    ("Alimov", "Алимов"),
    ("Ergeshov", "Эргешов"),
    ("Khamidov", "Хамидов"),
    ("Zhaparov", "Жапаров"),
    ("Mirzaev", "Мирзаев"),
    ("Turdubaev", "Турдубаев"),
    ("Niyazov", "Ниязов"),
]
PATRONYMIC_ROOTS = [
    ("Rustam", "Рустам"),
    ("Bakyt", "Бакыт"),
    ("Karim", "Карим"),
    ("Murat", "Мурат"),
    ("Anvar", "Анвар"),
    ("Talant", "Талант"),
    ("Askar", "Аскар"),
    ("Kubat", "Кубат"),
]
DISTRICTS = {
    Region.BISHKEK: ["Leninsky", "Oktyabrsky", "Pervomaisky", "Sverdlovsky"],
    Region.OSH_CITY: ["Amir-Timur", "Turan", "Manas", "Kerme-Too"],
    Region.CHUY: ["Alamudun", "Sokuluk", "Moskovsky"],
    Region.OSH: ["Kara-Suu", "Aravan", "Nookat", "Uzgen"],
    Region.JALAL_ABAD: ["Suzak", "Bazar-Korgon", "Nooken"],
    Region.BATKEN: ["Leilek", "Kadamjay"],
}
STREETS = ["Chui", "Manas", "Lenin", "Kurmanjan Datka", "Masaliev", "Frunze", "Toktogul", "Isanov"]


@dataclass(frozen=True)
class DemoAgencies:
    """Where the generated cases go: one lead agency per half of the country."""

    north: object  # Agency for Bishkek, Chuy
    south: object  # Agency for Osh, Jalal-Abad, Batken
    north_workers: list
    south_workers: list
    north_manager: object
    south_manager: object


NORTH = [Region.BISHKEK, Region.CHUY]
SOUTH = [Region.OSH_CITY, Region.OSH, Region.JALAL_ABAD, Region.BATKEN]


def _family_name(stem: tuple[str, str], sex: str, cyrillic: bool) -> str:
    name = stem[1] if cyrillic else stem[0]
    return name + ("а" if cyrillic else "a") if sex == Sex.FEMALE else name


def _patronymic(root: tuple[str, str], sex: str, cyrillic: bool) -> str:
    if cyrillic:
        return root[1] + ("овна" if sex == Sex.FEMALE else "ович")
    return root[0] + ("ovna" if sex == Sex.FEMALE else "ovich")


def _date_between(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randrange(max((end - start).days, 1)))


def _person(rng: random.Random, *, sex: str, adult: bool, today: datetime.date) -> dict:
    cyrillic = rng.random() < 0.5
    given = rng.choice(FEMALE_GIVEN if sex == Sex.FEMALE else MALE_GIVEN)[1 if cyrillic else 0]
    stem = rng.choice(FAMILY_STEMS)
    family = _family_name(stem, sex, cyrillic)
    region = rng.choice(NORTH if rng.random() < 0.5 else SOUTH)
    if adult:
        birth = _date_between(rng, datetime.date(1968, 1, 1), datetime.date(2004, 12, 31))
        departure = _date_between(rng, datetime.date(2013, 1, 1), datetime.date(2016, 12, 31))
    else:
        birth = _date_between(rng, datetime.date(2012, 1, 1), datetime.date(2021, 12, 31))
        departure = None
    returned = _date_between(rng, max(datetime.date(2018, 1, 1), birth), today)
    exact_birth = adult or rng.random() < 0.6
    aliases = []
    if adult and rng.random() < 0.2:
        aliases.append(
            rng.choice(["Abu ", "Umm "]) + rng.choice(["Muhammad", "Abdullah", "Aisha", "Yusuf"])
        )
    return {
        "given_name": given,
        "family_name": family,
        "patronymic": _patronymic(rng.choice(PATRONYMIC_ROOTS), sex, cyrillic) if adult else "",
        "aliases": aliases,
        "birth_date": birth if exact_birth else None,
        "approximate_age": None if exact_birth else max(today.year - birth.year, 0),
        "sex": sex,
        "citizenship_status": rng.choices(list(CitizenshipStatus.values), weights=[80, 6, 10, 4])[
            0
        ],
        "region": region,
        "district": rng.choice(DISTRICTS[region]),
        "address": f"{rng.choice(STREETS)} st. {rng.randint(1, 250)}" if adult else "",
        "phone": f"+996 {rng.choice(['555', '700', '772', '505'])} {rng.randint(100000, 999999)}"
        if adult
        else "",
        "languages": rng.sample(["ky", "ru", "uz"], k=rng.randint(1, 2))
        + (["ar"] if rng.random() < 0.2 else []),
        "conflict_zone": rng.choices(list(ConflictZone.values), weights=[70, 20, 8, 2])[0],
        "departure_date": departure,
        "return_date": returned,
        "return_route": rng.choices(list(ReturnRoute.values), weights=[70, 15, 15])[0],
        "legal_status": (
            rng.choices(list(LegalStatus.values), weights=[45, 20, 8, 6, 8, 8, 5])[0]
            if adult
            else LegalStatus.NONE
        ),
        "needs": rng.sample(list(Need.values), k=rng.randint(1, 4)),
    }


def _returnee(data: dict, *, parent_id=None, actor=None) -> Returnee:
    return Returnee(
        **data,
        parent_id=parent_id,
        name_key=name_key(data["given_name"], data["family_name"]),
        alias_key=alias_key(data["aliases"]),
        created_by=actor,
    )


CATEGORY_WEIGHTS = {
    RiskCategory.NON_VIOLENT: 60,
    RiskCategory.UNSETTLED: 30,
    RiskCategory.VIOLENT: 10,
}
RATIONALES = [
    "Engaged at every visit; family supportive; no contact with the network reported.",
    "Ambivalent about the past; irregular attendance; family reports new contacts.",
    "Stated intent to return; prior combat role; monitoring advised.",
]
NOTE_TEXTS = [
    "Home visit: housing conditions adequate, discussed documents.",
    "Phone call: appointment at the employment centre confirmed.",
    "Counselling session attended; sleeping better.",
    "Family meeting: mother worried about old friends visiting.",
]


def _triage_fields(rng: random.Random, case: Case, today: datetime.date) -> None:
    """85% of demo cases are triaged; reviews are spread around today (some overdue)."""
    if rng.random() < 0.85:
        category = rng.choices(list(CATEGORY_WEIGHTS), weights=CATEGORY_WEIGHTS.values())[0]
        case.category = category
        case.pathway = PATHWAY_FOR_CATEGORY[category]
    case.next_review_on = today + datetime.timedelta(days=rng.randint(-20, 60))


def _casework(rng, cases: list[Case], agencies: "DemoAgencies", today) -> None:
    """Triage history, a plan goal, a note and a few flags for the new cases, in bulk."""
    now = timezone.now()
    assessments, goals, notes, flags = [], [], [], []
    for case in cases:
        worker = case.assigned_worker
        if case.category:
            level = {"violent": "high", "unsettled": "moderate"}.get(case.category, "low")
            assessments.append(
                TriageAssessment(
                    case=case,
                    category=case.category,
                    rationale=RATIONALES[
                        ["non_violent", "unsettled", "violent"].index(case.category)
                    ],
                    assessor=worker,
                    assessed_at=now - datetime.timedelta(days=rng.randint(5, 200)),
                    needs_approval=case.category == RiskCategory.VIOLENT,
                    **{name: level for name, _label in INDICATORS},
                )
            )
        goals.append(
            Goal(
                case=case,
                domain=rng.choice(GoalDomain.values),
                description=rng.choice(
                    [
                        "Stable housing",
                        "Job placement",
                        "School enrolment",
                        "Identity documents",
                        "Weekly counselling",
                    ]
                ),
                owner_agency=case.lead_agency,
                target_date=today + datetime.timedelta(days=rng.randint(10, 180)),
                status=rng.choice(
                    [GoalStatus.PLANNED, GoalStatus.IN_PROGRESS, GoalStatus.ACHIEVED]
                ),
                created_by=worker,
            )
        )
        notes.append(
            Note(
                case=case,
                kind=rng.choice(NoteKind.values),
                occurred_at=now - datetime.timedelta(days=rng.randint(1, 60)),
                text=rng.choice(NOTE_TEXTS),
                visibility=rng.choice(NoteVisibility.values),
                author=worker,
            )
        )
        if rng.random() < 0.06:
            flags.append(
                Flag(
                    case=case,
                    category=rng.choice(FlagCategory.values),
                    severity=rng.choices(Severity.values, weights=[50, 40, 10])[0],
                    source=rng.choice(FlagSource.values),
                    description="Reported during a routine contact.",
                    raised_by=worker,
                    raised_at=now - datetime.timedelta(days=rng.randint(0, 30)),
                )
            )
    TriageAssessment.objects.bulk_create(assessments)
    managers = {
        agencies.north.pk: agencies.north_manager,
        agencies.south.pk: agencies.south_manager,
    }
    TriageDecision.objects.bulk_create(
        [
            TriageDecision(
                assessment=a,
                approved=True,
                comment="Corroborated by the police liaison.",
                decided_by=managers[a.case.lead_agency_id],
            )
            for a in assessments
            if a.needs_approval
        ]
    )
    Goal.objects.bulk_create(goals)
    Note.objects.bulk_create(notes)
    Flag.objects.bulk_create(flags)
    FlagEvent.objects.bulk_create(
        [
            FlagEvent(flag=f, case=f.case, status=f.status, actor=f.raised_by, at=f.raised_at)
            for f in flags
        ]
    )


def seed_caseload(
    *,
    agencies: DemoAgencies,
    returnees: int,
    seed: int = 2026,
    batch: int = 2000,
    actor=None,
    progress=None,
) -> int:
    """Create about `returnees` people (adults and their children) with open cases.

    Returns the number of people created.
    """
    rng = random.Random(seed)
    today = datetime.date.today()
    created = 0
    while created < returnees:
        size = min(batch, returnees - created)
        with transaction.atomic():
            adults = []
            while len(adults) < max(1, int(size * 0.8)) and len(adults) < size:
                sex = Sex.FEMALE if rng.random() < 0.55 else Sex.MALE
                adults.append(
                    _returnee(_person(rng, sex=sex, adult=True, today=today), actor=actor)
                )
            Returnee.objects.bulk_create(adults)
            children = []
            mothers = [a for a in adults if a.sex == Sex.FEMALE]
            while len(adults) + len(children) < size and mothers:
                mother = rng.choice(mothers)
                child = _person(rng, sex=rng.choice(Sex.values), adult=False, today=today)
                child.update(
                    family_name=mother.family_name
                    if child["sex"] == Sex.FEMALE
                    else mother.family_name.removesuffix("а").removesuffix("a"),
                    region=mother.region,
                    district=mother.district,
                    return_date=mother.return_date,
                    conflict_zone=mother.conflict_zone,
                    return_route=mother.return_route,
                )
                child["birth_date"] = child["birth_date"] and min(
                    child["birth_date"], mother.return_date
                )
                children.append(_returnee(child, parent_id=mother.pk, actor=actor))
            Returnee.objects.bulk_create(children)
            people = adults + children
            by_lead: dict[int, list[Case]] = {}
            cases = []
            for person in people:
                north = person.region in NORTH
                lead = agencies.north if north else agencies.south
                workers = agencies.north_workers if north else agencies.south_workers
                case = Case(
                    returnee_id=person.pk,
                    lead_agency=lead,
                    assigned_worker=rng.choice(workers),
                    opened_on=person.return_date + datetime.timedelta(days=rng.randint(0, 20)),
                )
                case.opened_on = min(case.opened_on, today)
                _triage_fields(rng, case, today)
                cases.append(case)
                by_lead.setdefault(lead.pk, []).append(case)
            Case.objects.bulk_create(cases)
            _casework(rng, cases, agencies, today)
            for lead in (agencies.north, agencies.south):
                case_team_grant(
                    cases=by_lead.get(lead.pk, []),
                    group=lead.group,
                    codenames=sorted(LEAD_PERMISSIONS),
                )
            by_worker: dict[int, list[Case]] = {}
            for case in cases:
                by_worker.setdefault(case.assigned_worker_id, []).append(case)
            for worker in agencies.north_workers + agencies.south_workers:
                if worker.pk in by_worker:
                    case_team_grant(cases=by_worker[worker.pk], user=worker)
        created += len(people)
        if progress:
            progress(created)
    _demo_tasks(agencies, today)
    return created


DEMO_TASKS = [
    ("Call about the housing application", 3),
    ("Book the next home visit", 7),
    ("Collect the school enrolment papers", 14),
]


def _demo_tasks(agencies: "DemoAgencies", today: datetime.date) -> None:
    """A few tasks on each worker's first open cases, through the tasks service: one of
    their own, one for their team (added by the program manager). No one is notified:
    each worker owns what they add."""
    from tasks.services import task_add

    teams = [
        (agencies.north_workers, agencies.north_manager),
        (agencies.south_workers, agencies.south_manager),
    ]
    with transaction.atomic():
        for workers, manager in teams:
            for worker in workers:
                cases = Case.objects.filter(assigned_worker=worker, status="open").order_by("pk")
                for case, (title, days) in zip(cases[:3], DEMO_TASKS, strict=False):
                    due_on = today + datetime.timedelta(days=days)
                    task_add(actor=worker, case=case, title=title, due_on=due_on, owner=worker)
                    task_add(
                        actor=manager, case=case, title="Team review of the plan", due_on=due_on
                    )

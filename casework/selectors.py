from django.db.models import Q, QuerySet

from casework.access import cases_for_user
from casework.models import Case, case_id_from_reference
from returnees.names import name_key


def caseload(user) -> QuerySet[Case]:
    """The cases a user may see, with what a caseload row shows, newest first."""
    return (
        cases_for_user(user)
        .select_related("returnee", "lead_agency", "assigned_worker")
        .order_by("-opened_on", "-pk")
    )


def case_search(queryset: QuerySet[Case], text: str) -> QuerySet[Case]:
    """Filter by case reference or by name in either script (trigram-indexed)."""
    text = text.strip()
    if not text:
        return queryset
    condition = Q()
    if (case_id := case_id_from_reference(text)) is not None:
        condition |= Q(pk=case_id)
    key = name_key(text)
    if key:
        condition |= Q(returnee__name_key__contains=key) | Q(returnee__alias_key__contains=key)
    if not condition:
        return queryset.none()
    return queryset.filter(condition)


def dependents_visible_to(user, case: Case) -> QuerySet[Case]:
    """Cases of the person's dependents, only those the user may see."""
    return (
        cases_for_user(user)
        .filter(returnee__parent_id=case.returnee_id)
        .select_related("returnee")
        .order_by("returnee__birth_date", "pk")
    )


def parent_case_visible_to(user, case: Case) -> Case | None:
    if case.returnee.parent_id is None:
        return None
    return (
        cases_for_user(user)
        .filter(returnee_id=case.returnee.parent_id)
        .select_related("returnee")
        .first()
    )

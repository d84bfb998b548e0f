"""The permission funnel for cases.

Every read of a case goes through here. A case the user may not see and a case
that does not exist give the same 404, so no response reveals that a record
exists. Global (model-level) permissions never widen object access: only rows
in the direct-FK guardian tables do, granted to the user or one of their groups.
"""

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from casework.models import Case, CaseGroupObjectPermission, CaseUserObjectPermission

VIEW = "view_case"
CHANGE = "change_case"


def case_access_condition(user, codename: str = VIEW, *, case_ref: str = "pk") -> Exists:
    """An SQL condition true for cases on which `user` holds `casework.<codename>`.

    `case_ref` names the case id in the outer query, so querysets of other models
    (returnees, notes…) can be filtered by their case's permissions too.
    """
    by_user = CaseUserObjectPermission.objects.filter(
        content_object=OuterRef(case_ref),
        user=user,
        permission__codename=codename,
        permission__content_type__app_label="casework",
    )
    by_group = CaseGroupObjectPermission.objects.filter(
        content_object=OuterRef(case_ref),
        group__user=user,
        permission__codename=codename,
        permission__content_type__app_label="casework",
    )
    return Exists(by_user) | Exists(by_group)


def cases_for_user(user, codename: str = VIEW) -> QuerySet[Case]:
    if not (user.is_authenticated and user.is_active):
        return Case.objects.none()
    return Case.objects.filter(case_access_condition(user, codename))


def case_for_user(user, case_id, codename: str = VIEW) -> Case:
    """The case, if the user holds the permission on it; otherwise Http404."""
    try:
        case_id = int(case_id)
    except (TypeError, ValueError):
        raise Http404 from None
    case = (
        cases_for_user(user, codename)
        .select_related("returnee", "lead_agency", "assigned_worker")
        # Whether the reader is on the case team decides what else they see of it.
        .annotate(viewer_on_team=case_access_condition(user, CHANGE))
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise Http404
    return case

from collections.abc import Sequence

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.access import CHANGE, VIEW
from casework.models import Case, CaseGroupObjectPermission, CaseUserObjectPermission

# What the lead agency and the assigned worker hold on a case they work.
CASE_TEAM_PERMISSIONS = (VIEW, CHANGE)


def _permissions(codenames: Sequence[str]) -> list[Permission]:
    return list(
        Permission.objects.filter(content_type__app_label="casework", codename__in=codenames)
    )


def case_team_grant(
    *,
    cases: Sequence[Case],
    group: Group | None = None,
    user=None,
    codenames: Sequence[str] = CASE_TEAM_PERMISSIONS,
) -> None:
    """Grant object permissions on `cases` to a group and/or a user, in bulk.

    Idempotent: an existing grant is left as it is.
    """
    permissions = _permissions(codenames)
    if group is not None:
        CaseGroupObjectPermission.objects.bulk_create(
            [
                CaseGroupObjectPermission(group=group, permission=p, content_object=c)
                for c in cases
                for p in permissions
            ],
            ignore_conflicts=True,
        )
    if user is not None:
        CaseUserObjectPermission.objects.bulk_create(
            [
                CaseUserObjectPermission(user=user, permission=p, content_object=c)
                for c in cases
                for p in permissions
            ],
            ignore_conflicts=True,
        )


@transaction.atomic
def case_open(*, actor, returnee, lead_agency, assigned_worker=None) -> Case:
    """Open the case of a newly registered returnee and give it to its team.

    The lead agency's group and the assigned worker receive the case-team
    permissions; nobody else can see the case until another relationship
    (assignment, an accepted referral, police jurisdiction) grants it.
    """
    if not actor.groups.filter(pk=lead_agency.group_id).exists():
        raise ValidationError({"lead_agency": _("You can only open cases for your own agency.")})
    if (
        assigned_worker is not None
        and not assigned_worker.groups.filter(pk=lead_agency.group_id).exists()
    ):
        raise ValidationError(
            {"assigned_worker": _("The assigned worker must be a member of the lead agency.")}
        )
    case = Case.objects.create(
        returnee=returnee,
        lead_agency=lead_agency,
        assigned_worker=assigned_worker,
        opened_on=timezone.localdate(),
    )
    case_team_grant(cases=[case], group=lead_agency.group, user=assigned_worker)
    return case

"""The object permissions an agency's group holds on a case, derived from its relationships.

`sync_case_grants(case, agency)` is the only code that writes agency grants
after intake. It computes what the agency should hold from every relationship
it has with the case, then inserts the missing rows and deletes the surplus
ones in `CaseGroupObjectPermission` for that one (case, group) — so ending one
relationship never takes away what another still justifies. User-level grants
(the assigned worker's) are not touched here.

The relationships:

- **Lead agency**: `view_case`, `change_case` and every scoped permission.
- **Relationships other apps own**, each registered with `@relationship`: an
  accepted or in-progress referral to the agency gives the permissions of its
  share scope (`referrals.grants`). Casework does not know referrals; the
  registry lets the rule stay one union computed here.
- **Police jurisdiction**: a police agency sees a case — `view_case` and
  `view_case_triage`, nothing more — when the returnee's region is in the
  agency's jurisdiction and the case is triaged *violent* or *unsettled*, or
  has a flag that is not resolved. Whether the case is open does not matter:
  an escalated or closed case stays visible to the police while the rule
  holds. A police agency sees any other case only through a referral (e.g. an
  accepted *police monitoring* referral, whatever the region). What police
  read of a visible case is narrowed further by `casework.selectors.CaseViewer`
  (no clinical or team notes, needs screen or family contacts).

Every sync locks the case row first, so two services changing the same case's
relationships are serialised and each computes from committed state.
"""

import logging
from collections.abc import Callable, Iterable

from django.contrib.auth.models import Permission
from django.db.models import Exists, OuterRef, Q

from agencies.models import Agency, AgencyKind
from casework.models import (
    Case,
    CaseGroupObjectPermission,
    Flag,
    FlagStatus,
    RiskCategory,
)

logger = logging.getLogger(__name__)

# The case team holds every permission a case object can carry: view, change, and
# each part of a case that can be shared (Case.Meta's view_case_* permissions).
LEAD_PERMISSIONS = frozenset(
    {
        "view_case",
        "change_case",
        *(codename for codename, _ in Case._meta.permissions if codename.startswith("view_case_")),
    }
)
POLICE_PERMISSIONS = frozenset({"view_case", "view_case_triage"})
POLICE_CATEGORIES = (RiskCategory.VIOLENT, RiskCategory.UNSETTLED)


Relationship = Callable[[Case, Agency], set[str]]
_RELATIONSHIPS: list[Relationship] = []


def relationship(rule: Relationship) -> Relationship:
    """Register the permissions one kind of relationship justifies (from the owning
    app's AppConfig.ready): `rule(case, agency)` returns codenames."""
    if rule not in _RELATIONSHIPS:
        _RELATIONSHIPS.append(rule)
    return rule


def police_condition() -> Q:
    """Cases the police rule applies to wherever they are: violent, unsettled or flagged."""
    open_flag = Flag.objects.filter(case=OuterRef("pk")).exclude(status=FlagStatus.RESOLVED)
    return Q(category__in=POLICE_CATEGORIES) | Q(Exists(open_flag))


def _police_rule_holds(case: Case, agency: Agency) -> bool:
    if agency.kind != AgencyKind.POLICE or case.returnee.region not in agency.jurisdiction:
        return False
    if case.category in POLICE_CATEGORIES:
        return True
    return case.flags.exclude(status=FlagStatus.RESOLVED).exists()


def wanted_codenames(case: Case, agency: Agency) -> set[str]:
    """Every permission the agency's relationships with the case justify."""
    wanted: set[str] = set()
    if case.lead_agency_id == agency.pk:
        wanted |= LEAD_PERMISSIONS
    if _police_rule_holds(case, agency):
        wanted |= POLICE_PERMISSIONS
    for rule in _RELATIONSHIPS:
        wanted |= rule(case, agency)
    return wanted


def sync_case_grants(case: Case, agency: Agency) -> tuple[int, int]:
    """Make the agency group's permissions on the case exactly what its relationships justify.

    Returns (added, removed). Call inside the transaction that changed the relationship.
    """
    case = Case.objects.select_for_update(of=("self",)).select_related("returnee").get(pk=case.pk)
    agency = Agency.objects.get(pk=agency.pk)
    wanted = wanted_codenames(case, agency)
    held = dict(
        CaseGroupObjectPermission.objects.filter(
            content_object=case, group_id=agency.group_id
        ).values_list("permission__codename", "pk")
    )
    missing = wanted - held.keys()
    surplus = [pk for codename, pk in held.items() if codename not in wanted]
    if missing:
        permissions = Permission.objects.filter(
            content_type__app_label="casework",
            content_type__model="case",
            codename__in=missing,
        )
        CaseGroupObjectPermission.objects.bulk_create(
            [
                CaseGroupObjectPermission(
                    group_id=agency.group_id, permission=p, content_object=case
                )
                for p in permissions
            ],
            ignore_conflicts=True,
        )
    if surplus:
        CaseGroupObjectPermission.objects.filter(pk__in=surplus).delete()
    if missing or surplus:
        logger.info(
            "case grants synced case_id=%s agency_id=%s added=%s removed=%s",
            case.pk,
            agency.pk,
            len(missing),
            len(surplus),
        )
    return len(missing), len(surplus)


def police_agencies_concerned(case: Case) -> Iterable[Agency]:
    """Police agencies whose jurisdiction covers the case, or that hold grants on it now."""
    holders = CaseGroupObjectPermission.objects.filter(content_object_id=case.pk).values("group")
    return Agency.objects.filter(kind=AgencyKind.POLICE).filter(
        Q(jurisdiction__contains=[case.returnee.region]) | Q(group__in=holders)
    )


def sync_police_grants(case: Case) -> None:
    """Re-apply the police rule to one case, for every police agency it may concern."""
    case = Case.objects.select_for_update(of=("self",)).select_related("returnee").get(pk=case.pk)
    for agency in police_agencies_concerned(case):
        sync_case_grants(case, agency)

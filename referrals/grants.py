"""What a referral gives the agency it is sent to: the case permissions of its share
scope while it is accepted or in progress (casework.grants computes the union)."""

from agencies.models import Agency
from casework.grants import relationship
from casework.models import Case
from referrals.models import ACTIVE_STATUSES, SCOPE_PERMISSIONS, Referral


@relationship
def referral_scopes(case: Case, agency: Agency) -> set[str]:
    scopes = Referral.objects.filter(
        case=case, to_agency=agency, status__in=ACTIVE_STATUSES
    ).values_list("share_scope", flat=True)
    return {SCOPE_PERMISSIONS[s] for scope in scopes for s in scope}

"""Browser pages for referrals, consent, lead transfers and the flags board.

Referrals and lead transfers are found through `referrals.access`, the same
funnel as the API's, on the side of them that takes the step, and each step
asks the role that step's lifecycle declares (referrals/lifecycles.py); new referrals,
consent and transfer offers through the case-part funnel (`case_part_for_user`,
the case's referrals part). The receiving side is shown the case's name only
while the referral is active and the case visible. Anything else is a 404.
"""

import datetime
from functools import partial

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from casework.access import case_part_for_user, case_viewer
from casework.parts import Part
from casework.views import form_action_page
from core.pages import page_of
from referrals import services
from referrals.access import lead_transfer_for_user, referral_for_user, with_case_visibility
from referrals.forms import (
    ConfirmForm,
    ConsentForm,
    InboxFilterForm,
    OutcomeForm,
    OutgoingFilterForm,
    ProgressForm,
    ReasonForm,
    ReferralForm,
    SendForm,
    TransferDeclineForm,
    TransferOfferForm,
)
from referrals.lifecycles import LEAD_TRANSFER, REFERRAL
from referrals.models import (
    ConsentGivenBy,
    Referral,
    ServiceType,
    ShareScope,
)
from referrals.selectors import (
    consent_covering,
    incoming_referrals,
    lead_transfers_offered_to,
    outgoing_referrals,
    overdue_responses,
)

LIST_PAGE_SIZE = 25
DEFAULT_ANSWER_DAYS = 14
METHODS = ["GET", "POST"]


def _posted(request):
    """The form data of a POST, even an empty one (a bare confirmation); None for a GET."""
    return request.POST if request.method == "POST" else None


def _case_url(case) -> str:
    return reverse("casework:case_detail", args=[case.pk])


# --- Lists --------------------------------------------------------------------------------


@login_required
@permission_required("referrals.view_referral", raise_exception=True)
@require_GET
def inbox(request):
    form = InboxFilterForm(request.GET)
    if form.is_valid():
        referrals = incoming_referrals(request.user, form.cleaned_data["status"] or None)
    else:
        referrals = Referral.objects.none()
    page, query = page_of(request, with_case_visibility(referrals, request.user), LIST_PAGE_SIZE)
    transfers = []
    if request.user.has_perm("referrals.change_leadtransfer"):
        transfers = list(lead_transfers_offered_to(request.user))
    return render(
        request,
        "referrals/inbox.html",
        {"form": form, "page": page, "query": query, "transfers": transfers},
    )


@login_required
# The same rule as the API's sent list: any holder of view_referral; the list is
# filtered to the user's agencies in SQL, so it is empty for a partner that sends none.
@permission_required("referrals.view_referral", raise_exception=True)
@require_GET
def outgoing(request):
    form = OutgoingFilterForm(request.GET)
    only_overdue = form.is_valid() and form.cleaned_data["overdue"]
    overdue = overdue_responses(request.user)
    referrals = overdue if only_overdue else outgoing_referrals(request.user)
    page, query = page_of(request, with_case_visibility(referrals, request.user), LIST_PAGE_SIZE)
    return render(
        request,
        "referrals/outgoing.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "only_overdue": only_overdue,
            "overdue_count": overdue.count(),
        },
    )


# --- The sending side, from the case -------------------------------------------------------


def _render_case_action(request, case, form, status, current=None, *, title, submit_label, **extra):
    context = {
        "case": case,
        "current": current,
        "viewer": case_viewer(request.user, case),
        "form": form,
        "title": title,
        "submit_label": submit_label,
        **extra,
    }
    return render(request, "referrals/case_action.html", context, status=status)


@login_required
@permission_required("referrals.add_referral", raise_exception=True)
@require_http_methods(METHODS)
def referral_new(request, case_id: int):
    case = case_part_for_user(request.user, case_id, Part.REFERRALS, write=True).case
    form = ReferralForm(
        _posted(request),
        case=case,
        initial={
            "response_deadline": timezone.localdate() + datetime.timedelta(days=DEFAULT_ANSWER_DAYS)
        },
    )
    return form_action_page(
        request,
        form,
        lambda d: services.referral_create(actor=request.user, case=case, **d),
        success=_("Referral saved as a draft. Check consent, then send it."),
        redirect_to=lambda referral: reverse(
            "referrals:referral_send", args=[case.pk, referral.pk]
        ),
        render=partial(
            _render_case_action,
            request,
            case,
            title=_("New referral"),
            submit_label=_("Save draft"),
        ),
    )


@login_required
@permission_required(REFERRAL["send"].permission, raise_exception=True)
@require_http_methods(METHODS)
def referral_send(request, case_id: int, referral_id: int):
    referral = _referral(request, referral_id, "send", case_id=case_id)
    case = referral.case
    consent = None
    sendable = REFERRAL.allows(referral, "send")
    if sendable:
        consent = consent_covering(
            case=case,
            agency=referral.to_agency,
            purpose=referral.service_type,
            scope=referral.share_scope,
        )
    may_override = request.user.has_perm("referrals.override_consent")
    form = SendForm(_posted(request), with_override=consent is None and may_override)
    return form_action_page(
        request,
        form,
        lambda d: services.referral_send(
            actor=request.user,
            referral=referral,
            consent_override_basis=d.get("consent_override_basis", ""),
        ),
        success=_("Referral sent to %(agency)s.") % {"agency": referral.to_agency.name},
        redirect_to=_case_url(case),
        render=partial(
            _render_case_action,
            request,
            case,
            title=_("Send the referral"),
            # Without covering consent or the override, sending would only be refused.
            submit_label=_("Send referral") if sendable and (consent or may_override) else None,
            referral=referral,
            consent_checked=sendable,
            consent=consent,
            may_override=may_override,
        ),
    )


def _sender_reason_page(request, case_id, referral_id, *, action, service, title, submit, success):
    referral = _referral(request, referral_id, action, case_id=case_id)
    case = referral.case
    form = ReasonForm(_posted(request))
    return form_action_page(
        request,
        form,
        lambda d: service(actor=request.user, referral=referral, reason=d["reason"]),
        success=success,
        redirect_to=_case_url(case),
        render=partial(
            _render_case_action, request, case, title=title, submit_label=submit, referral=referral
        ),
    )


@login_required
@permission_required(REFERRAL["cancel"].permission, raise_exception=True)
@require_http_methods(METHODS)
def referral_cancel(request, case_id: int, referral_id: int):
    return _sender_reason_page(
        request,
        case_id,
        referral_id,
        action="cancel",
        service=services.referral_cancel,
        title=_("Cancel the referral"),
        submit=_("Cancel referral"),
        success=_("Referral cancelled; the agency's access to the case has ended."),
    )


@login_required
@permission_required(REFERRAL["revoke"].permission, raise_exception=True)
@require_http_methods(METHODS)
def referral_revoke(request, case_id: int, referral_id: int):
    return _sender_reason_page(
        request,
        case_id,
        referral_id,
        action="revoke",
        service=services.referral_revoke,
        title=_("Revoke the referral"),
        submit=_("Revoke referral"),
        success=_("Referral revoked; the agency's access to the case has ended."),
    )


def _consent_initial(request, case) -> dict:
    """Defaults, and what a 'record consent' link from a draft referral pre-fills."""
    initial = {
        "scope": [ShareScope.IDENTITY.value],
        "decision": "given",
        "given_by": (
            ConsentGivenBy.PARENT_GUARDIAN if case.returnee.is_minor else ConsentGivenBy.PERSON
        ),
    }
    if (agency := request.GET.get("agency", "")).isdigit():
        initial["agency"] = int(agency)
    if (purpose := request.GET.get("purpose")) in ServiceType.values:
        initial["purpose"] = purpose
    if scope := [s for s in request.GET.getlist("scope") if s in ShareScope.values]:
        initial["scope"] = scope
    return initial


def _return_path(request) -> str:
    """The page to return to after the form (`next`, from the link or the form), when it is
    a path of this site; anything else — another host, a scheme, `//host`, control
    characters — is ignored."""
    target = (request.POST if request.method == "POST" else request.GET).get("next", "")
    if (
        target.startswith("/")
        and target.isprintable()
        and len(target) <= 2000
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts=None, require_https=request.is_secure()
        )
    ):
        return target
    return ""


@login_required
@permission_required("referrals.add_consentrecord", raise_exception=True)
@require_http_methods(METHODS)
def consent_new(request, case_id: int):
    case = case_part_for_user(request.user, case_id, Part.REFERRALS, write=True).case
    form = ConsentForm(_posted(request), case=case, initial=_consent_initial(request, case))
    # From a draft referral's consent check, back to that referral once consent is recorded.
    next_url = _return_path(request)
    return form_action_page(
        request,
        form,
        lambda d: services.consent_record(actor=request.user, case=case, **d),
        success=_("Consent recorded."),
        redirect_to=next_url or _case_url(case),
        render=partial(
            _render_case_action,
            request,
            case,
            title=_("Record consent"),
            submit_label=_("Record consent"),
            next_url=next_url,
        ),
    )


@login_required
@permission_required("referrals.add_leadtransfer", raise_exception=True)
@require_http_methods(METHODS)
def transfer_offer(request, case_id: int):
    case = case_part_for_user(request.user, case_id, Part.REFERRALS, write=True).case
    form = TransferOfferForm(_posted(request), case=case)
    return form_action_page(
        request,
        form,
        lambda d: services.lead_transfer_offer(actor=request.user, case=case, **d),
        success=_("Transfer offered. The case stays with your agency until it is accepted."),
        redirect_to=_case_url(case),
        render=partial(
            _render_case_action,
            request,
            case,
            title=_("Transfer the lead agency"),
            submit_label=_("Offer the transfer"),
        ),
    )


@login_required
@permission_required(LEAD_TRANSFER["cancel"].permission, raise_exception=True)
@require_http_methods(METHODS)
def transfer_withdraw(request, case_id: int, transfer_id: int):
    case = case_part_for_user(request.user, case_id, Part.REFERRALS, write=True).case
    transfer = lead_transfer_for_user(
        request.user, transfer_id, LEAD_TRANSFER["cancel"].side, case_id=case.pk
    )
    form = ConfirmForm(_posted(request))
    return form_action_page(
        request,
        form,
        lambda d: services.lead_transfer_cancel(actor=request.user, transfer=transfer),
        success=_("Transfer offer withdrawn."),
        redirect_to=_case_url(case),
        render=partial(
            _render_case_action,
            request,
            case,
            title=_("Withdraw the transfer offer"),
            submit_label=_("Withdraw offer"),
            transfer=transfer,
        ),
    )


# --- The receiving side ---------------------------------------------------------------------


def _referral(request, referral_id: int, action: str, *, case_id=None) -> Referral:
    """The referral, found on the side of it that takes `action`; otherwise Http404."""
    side = REFERRAL[action].side
    return referral_for_user(request.user, referral_id, side, case_id=case_id)


def _render_incoming(request, form, status, current=None, *, title, submit_label, **extra):
    context = {
        "form": form,
        "current": current,
        "title": title,
        "submit_label": submit_label,
        **extra,
    }
    return render(request, "referrals/incoming_action.html", context, status=status)


def _incoming_page(request, referral_id, *, step, form_class, action, title, submit, success):
    referral = _referral(request, referral_id, step)
    form = form_class(_posted(request))
    return form_action_page(
        request,
        form,
        lambda d: action(referral, d),
        success=success,
        redirect_to=reverse("referrals:inbox"),
        render=partial(
            _render_incoming, request, title=title, submit_label=submit, referral=referral
        ),
    )


@login_required
@permission_required(REFERRAL["accept"].permission, raise_exception=True)
@require_http_methods(METHODS)
def incoming_accept(request, referral_id: int):
    return _incoming_page(
        request,
        referral_id,
        step="accept",
        form_class=ConfirmForm,
        action=lambda r, d: services.referral_accept(actor=request.user, referral=r),
        title=_("Accept the referral"),
        submit=_("Accept"),
        success=_("Referral accepted. Your agency can now open the shared part of the case."),
    )


@login_required
@permission_required(REFERRAL["decline"].permission, raise_exception=True)
@require_http_methods(METHODS)
def incoming_decline(request, referral_id: int):
    return _incoming_page(
        request,
        referral_id,
        step="decline",
        form_class=ReasonForm,
        action=lambda r, d: services.referral_decline(
            actor=request.user, referral=r, reason=d["reason"]
        ),
        title=_("Decline the referral"),
        submit=_("Decline"),
        success=_("Referral declined."),
    )


@login_required
@permission_required(REFERRAL["progress"].permission, raise_exception=True)
@require_http_methods(METHODS)
def incoming_progress(request, referral_id: int):
    return _incoming_page(
        request,
        referral_id,
        step="progress",
        form_class=ProgressForm,
        action=lambda r, d: services.referral_progress(
            actor=request.user, referral=r, note=d["note"]
        ),
        title=_("Record progress"),
        submit=_("Save progress"),
        success=_("Progress recorded; the case worker sees it on the case timeline."),
    )


@login_required
@permission_required(REFERRAL["complete"].permission, raise_exception=True)
@require_http_methods(METHODS)
def incoming_complete(request, referral_id: int):
    return _incoming_page(
        request,
        referral_id,
        step="complete",
        form_class=OutcomeForm,
        action=lambda r, d: services.referral_complete(
            actor=request.user, referral=r, outcome=d["outcome"]
        ),
        title=_("Complete the referral"),
        submit=_("Complete"),
        success=_("Referral completed. Your agency's access to the case has ended."),
    )


@login_required
@permission_required(LEAD_TRANSFER["accept"].permission, raise_exception=True)
@require_http_methods(METHODS)
def transfer_accept(request, transfer_id: int):
    transfer = lead_transfer_for_user(
        request.user, transfer_id, LEAD_TRANSFER["accept"].side, waiting=True
    )
    form = ConfirmForm(_posted(request))
    return form_action_page(
        request,
        form,
        lambda d: services.lead_transfer_accept(actor=request.user, transfer=transfer),
        success=_("Your agency now leads this case. Assign a social worker."),
        redirect_to=reverse("casework:case_detail", args=[transfer.case_id]),
        render=partial(
            _render_incoming,
            request,
            title=_("Take the lead of the case"),
            submit_label=_("Accept the transfer"),
            transfer=transfer,
        ),
    )


@login_required
@permission_required(LEAD_TRANSFER["decline"].permission, raise_exception=True)
@require_http_methods(METHODS)
def transfer_decline(request, transfer_id: int):
    transfer = lead_transfer_for_user(
        request.user, transfer_id, LEAD_TRANSFER["decline"].side, waiting=True
    )
    form = TransferDeclineForm(_posted(request))
    return form_action_page(
        request,
        form,
        lambda d: services.lead_transfer_decline(
            actor=request.user, transfer=transfer, note=d["note"]
        ),
        success=_("Transfer declined."),
        redirect_to=reverse("referrals:inbox"),
        render=partial(
            _render_incoming,
            request,
            title=_("Decline the transfer"),
            submit_label=_("Decline the transfer"),
            transfer=transfer,
        ),
    )

"""The JSON API of referrals, consent, lead transfers and the flags board.

One view per operation, explicit input and output. Each view checks the role
(a model permission) first — 403, before anything is looked up — then loads
what it acts on, and everything it may not see is a 404, as if it did not exist:

- a case, through the case-part funnel (`case_part_for_user`: writing the
  case's referrals part, casework/parts.py);
- a referral through `referrals.access` on the side of it that takes the step:
  the sending case team's (drafts included) to send, cancel or revoke; the
  receiving agency's (once sent) to accept, decline, record progress or
  complete; either to read it;
- a lead transfer likewise: the offering agency's to cancel, the offered
  agency's to accept or decline.

The role and the side of each step come from its lifecycle's table
(referrals/lifecycles.py), and each step is one `TransitionApi` configured with
its action. So a step from the wrong side is a 404 before any input is read (a
sender never learns that `note` is required to record progress). From which
state a step is allowed (the same table), and what else it takes (consent, the
override permission, membership of the case's lead agency), is the services' to
decide: 400 and 403.
Until a referral is accepted the receiving agency holds no grant on the case,
so it reads the referral and the case reference only: the person's name is
shown to a reader who holds view_case on the case, and to no one else.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from agencies.models import Agency
from audit.services import audit_case_read
from casework.apis import CaseActionApi, PersonNameField, TransitionApi
from casework.models import LONG_TEXT_MAX
from casework.parts import Part
from core.api import PageNumberPagination, require_model_permission
from core.fields import (
    MultiLineSerializerField,
    OneLineSerializerField,
    PlausibleDateSerializerField,
)
from core.references import reference_for
from referrals import services
from referrals.access import lead_transfer_for_user, referral_for_user, with_case_visibility
from referrals.lifecycles import LEAD_TRANSFER, REFERRAL
from referrals.models import (
    ConsentDecision,
    ConsentGivenBy,
    ConsentRecord,
    LeadTransfer,
    Referral,
    ReferralEvent,
    ReferralStatus,
    ServiceType,
    ShareScope,
)
from referrals.selectors import (
    consents_of,
    incoming_referrals,
    lead_transfers_offered_to,
    outgoing_referrals,
    overdue_responses,
    referrals_of_case,
)

# --- Output ---------------------------------------------------------------------------


class AgencyRefOutput(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "name"]


class CaseRefMixin(serializers.Serializer):
    """The case a row is about: its id and reference always, the person's name only
    to a reader who may see the case (the row's `case_visible` annotation)."""

    case_id = serializers.IntegerField(read_only=True)
    case_reference = serializers.SerializerMethodField()
    person_name = serializers.SerializerMethodField(
        help_text=_("Null unless you may see the case (e.g. before a referral is accepted).")
    )

    def get_case_reference(self, obj) -> str:
        return reference_for(obj.case_id)

    def get_person_name(self, obj) -> str | None:
        return obj.case.returnee.full_name if obj.case_visible else None


class ReferralOutput(serializers.ModelSerializer):
    from_agency = AgencyRefOutput(read_only=True)
    to_agency = AgencyRefOutput(read_only=True)
    share_scope = serializers.ListField(
        child=serializers.ChoiceField(choices=ShareScope.choices), read_only=True
    )
    is_overdue = serializers.BooleanField(
        read_only=True, help_text=_("Sent, unanswered, and past its response deadline.")
    )

    class Meta:
        model = Referral
        fields = [
            "id",
            "from_agency",
            "to_agency",
            "service_type",
            "reason",
            "response_deadline",
            "share_scope",
            "status",
            "is_overdue",
            "created_at",
            "sent_at",
            "responded_at",
            "closed_at",
            "decline_reason",
            "cancel_reason",
            "revoke_reason",
            "outcome",
            "version",
        ]


class CaseReferralOutput(ReferralOutput):
    """A referral in its case's list, for the case team."""

    created_by = PersonNameField()
    consent_id = serializers.IntegerField(allow_null=True, read_only=True)

    class Meta(ReferralOutput.Meta):
        fields = [
            *ReferralOutput.Meta.fields,
            "created_by",
            "consent_id",
            "consent_override_basis",
        ]


class ReferralListOutput(CaseRefMixin, ReferralOutput):
    class Meta(ReferralOutput.Meta):
        fields = [
            "id",
            "case_id",
            "case_reference",
            "person_name",
            "from_agency",
            "to_agency",
            "service_type",
            "reason",
            "response_deadline",
            "share_scope",
            "status",
            "is_overdue",
            "created_at",
            "sent_at",
            "responded_at",
            "closed_at",
            "decline_reason",
            "cancel_reason",
            "revoke_reason",
            "outcome",
            "version",
        ]


class ReferralEventOutput(serializers.ModelSerializer):
    actor = PersonNameField()

    class Meta:
        model = ReferralEvent
        fields = ["id", "kind", "status", "note", "actor", "at"]


class ReferralDetailOutput(ReferralListOutput):
    """One referral and its history, oldest first."""

    created_by = PersonNameField()
    consent_id = serializers.IntegerField(
        allow_null=True, read_only=True, help_text=_("The consent record sending relied on.")
    )
    consent_override_basis = serializers.CharField(
        read_only=True, help_text=_("The legal basis recorded when sent without consent.")
    )
    events = ReferralEventOutput(many=True, read_only=True)

    class Meta(ReferralListOutput.Meta):
        fields = [
            *ReferralListOutput.Meta.fields,
            "created_by",
            "consent_id",
            "consent_override_basis",
            "events",
        ]


def referral_data(user, referral_id: int, *, audited: bool = False) -> dict:
    referral = referral_for_user(user, referral_id)
    if audited:
        # The referral carries case content (its reason, the person's name): a case read.
        audit_case_read(case_id=referral.case_id, obj=referral)
    return ReferralDetailOutput(referral).data


class ReferralConflictOutput(serializers.Serializer):
    detail = serializers.CharField()
    current = ReferralDetailOutput()


class ConsentOutput(serializers.ModelSerializer):
    agency = AgencyRefOutput(read_only=True)
    scope = serializers.ListField(
        child=serializers.ChoiceField(choices=ShareScope.choices), read_only=True
    )
    recorded_by = PersonNameField()

    class Meta:
        model = ConsentRecord
        fields = [
            "id",
            "agency",
            "purpose",
            "scope",
            "decision",
            "given_by",
            "guardian_name",
            "note",
            "recorded_by",
            "recorded_at",
        ]


class LeadTransferOutput(CaseRefMixin, serializers.ModelSerializer):
    from_agency = AgencyRefOutput(read_only=True)
    to_agency = AgencyRefOutput(read_only=True)
    offered_by = PersonNameField()
    decided_by = PersonNameField(allow_null=True)

    class Meta:
        model = LeadTransfer
        fields = [
            "id",
            "case_id",
            "case_reference",
            "person_name",
            "from_agency",
            "to_agency",
            "status",
            "note",
            "offered_by",
            "offered_at",
            "decided_by",
            "decided_at",
        ]


# --- Errors in the schema -------------------------------------------------------------

CASE_READ_ERRORS = {
    403: OpenApiResponse(description=_("Your role may not do this.")),
    404: OpenApiResponse(description=_("No such case, or not one you work on.")),
}
CASE_WRITE_ERRORS = {
    400: OpenApiResponse(description=_("Field errors, or a step the case's state refuses.")),
    **CASE_READ_ERRORS,
}
REFERRAL_READ_ERRORS = {
    403: OpenApiResponse(description=_("Your role may not do this.")),
    404: OpenApiResponse(description=_("No such referral, or not one your agency is party to.")),
}
REFERRAL_WRITE_ERRORS = {
    400: OpenApiResponse(description=_("Field errors, or a step the referral's state refuses.")),
    403: OpenApiResponse(
        description=_(
            "Your role may not take this step, or it needs what you lack (the consent-override "
            "permission, membership of the case's lead agency)."
        )
    ),
    404: OpenApiResponse(
        description=_("No such referral on the side that takes this step (sender or receiver).")
    ),
    409: OpenApiResponse(
        ReferralConflictOutput,
        description=_(
            "Someone else changed the referral since you read it, so nothing was saved. "
            "`current` holds the referral as it is now."
        ),
    ),
}
TRANSFER_ERRORS = {
    400: OpenApiResponse(description=_("The transfer was already answered, or no longer stands.")),
    403: OpenApiResponse(description=_("Your role may not do this.")),
    404: OpenApiResponse(
        description=_("No such transfer on the side that takes this step (offering or offered).")
    ),
}


# --- Referrals of a case, consent -----------------------------------------------------


class ReferralCreateInput(serializers.Serializer):
    to_agency = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.all(), help_text=_("Agency id.")
    )
    service_type = serializers.ChoiceField(choices=ServiceType.choices)
    reason = MultiLineSerializerField(max_length=LONG_TEXT_MAX)
    response_deadline = PlausibleDateSerializerField()
    share_scope = serializers.ListField(
        child=serializers.ChoiceField(choices=ShareScope.choices),
        required=False,
        default=list,
        help_text=_("What is shared once accepted; identity basics always are."),
    )


class CaseReferralsApi(CaseActionApi):
    """The referrals of a case, newest first; and a new draft (the case team's)."""

    required_permissions = {"GET": "referrals.view_referral", "POST": "referrals.add_referral"}

    @extend_schema(responses={200: CaseReferralOutput(many=True), **CASE_READ_ERRORS})
    def get(self, request, case_id: int):
        case = self.case_part(case_id, Part.REFERRALS).case
        return Response(CaseReferralOutput(referrals_of_case(case), many=True).data)

    @extend_schema(
        request=ReferralCreateInput, responses={201: ReferralDetailOutput, **CASE_WRITE_ERRORS}
    )
    def post(self, request, case_id: int):
        case = self.case_part(case_id, Part.REFERRALS, write=True).case
        serializer = ReferralCreateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        referral = services.referral_create(
            actor=request.user, case=case, **serializer.validated_data
        )
        return Response(referral_data(request.user, referral.pk), status=status.HTTP_201_CREATED)


class ConsentRecordInput(serializers.Serializer):
    agency = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.all(), help_text=_("Agency id.")
    )
    purpose = serializers.ChoiceField(choices=ServiceType.choices)
    scope = serializers.ListField(
        child=serializers.ChoiceField(choices=ShareScope.choices),
        required=False,
        default=list,
        help_text=_("What may be shared; identity basics always are."),
    )
    decision = serializers.ChoiceField(choices=ConsentDecision.choices)
    given_by = serializers.ChoiceField(choices=ConsentGivenBy.choices)
    guardian_name = OneLineSerializerField(
        max_length=200,
        allow_blank=True,
        default="",
        help_text=_("Required when a parent or guardian gives it."),
    )
    note = MultiLineSerializerField(max_length=LONG_TEXT_MAX, allow_blank=True, default="")


class CaseConsentsApi(CaseActionApi):
    """The consent records of a case, newest first; and a new one (a withdrawal is one too).

    A record that no longer covers a referral relying on consent cancels it.
    """

    required_permissions = {
        "GET": "referrals.view_consentrecord",
        "POST": "referrals.add_consentrecord",
    }

    @extend_schema(responses={200: ConsentOutput(many=True), **CASE_READ_ERRORS})
    def get(self, request, case_id: int):
        case = self.case_part(case_id, Part.REFERRALS).case
        return Response(ConsentOutput(consents_of(case), many=True).data)

    @extend_schema(request=ConsentRecordInput, responses={201: ConsentOutput, **CASE_WRITE_ERRORS})
    def post(self, request, case_id: int):
        case = self.case_part(case_id, Part.REFERRALS, write=True).case
        serializer = ConsentRecordInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = services.consent_record(actor=request.user, case=case, **serializer.validated_data)
        return Response(ConsentOutput(record).data, status=status.HTTP_201_CREATED)


# --- One referral ---------------------------------------------------------------------


class ReferralApi(CaseActionApi):
    """An operation on one referral; a stale `version` is a 409 with the referral now."""

    def conflict_data(self, current) -> dict:
        return referral_data(self.request.user, current.pk)


class VersionInput(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("The referral's `version` you last saw; refused with 409 if stale."),
    )


class ReferralDetailApi(ReferralApi):
    """One referral and its history, for the sending or the receiving agency."""

    required_permissions = {"GET": "referrals.view_referral"}

    @extend_schema(responses={200: ReferralDetailOutput, **REFERRAL_READ_ERRORS})
    def get(self, request, referral_id: int):
        return Response(referral_data(request.user, referral_id, audited=True))


class ReferralTransitionApi(ReferralApi, TransitionApi):
    """A step of a referral (referrals.lifecycles.REFERRAL); answers with the referral
    and its history. Without other input, a step takes the referral's `version`."""

    lifecycle = REFERRAL
    record_name = "referral"
    input = VersionInput
    output = ReferralDetailOutput
    errors = REFERRAL_WRITE_ERRORS

    def target(self, side, *, referral_id):
        return referral_for_user(self.request.user, referral_id, side)

    def answer(self, record, done) -> dict:
        return referral_data(self.request.user, record.pk)


class ReferralSendInput(VersionInput):
    consent_override_basis = MultiLineSerializerField(
        max_length=LONG_TEXT_MAX,
        allow_blank=True,
        default="",
        help_text=_(
            "Only without a consent covering the referral: the legal basis for sending "
            "anyway (needs the consent-override permission)."
        ),
    )


class ReferralSendApi(ReferralTransitionApi):
    """Send a draft: consent must cover it, or an override with its legal basis."""

    action = "send"
    service = staticmethod(services.referral_send)
    input = ReferralSendInput


class ReferralAcceptApi(ReferralTransitionApi):
    """The receiving agency takes the referral on, and sees the shared scope of the case."""

    action = "accept"
    service = staticmethod(services.referral_accept)


class ReasonInput(VersionInput):
    reason = MultiLineSerializerField(max_length=LONG_TEXT_MAX)


class ReferralDeclineApi(ReferralTransitionApi):
    """The receiving agency declines a sent referral, saying why."""

    action = "decline"
    service = staticmethod(services.referral_decline)
    input = ReasonInput


class ProgressInput(VersionInput):
    note = MultiLineSerializerField(max_length=LONG_TEXT_MAX)


class ReferralProgressApi(ReferralTransitionApi):
    """The receiving agency records progress; the case worker sees it on the timeline."""

    action = "progress"
    service = staticmethod(services.referral_progress)
    input = ProgressInput


class OutcomeInput(VersionInput):
    outcome = MultiLineSerializerField(max_length=LONG_TEXT_MAX)


class ReferralCompleteApi(ReferralTransitionApi):
    """The receiving agency records the outcome; its access to the case ends with it."""

    action = "complete"
    service = staticmethod(services.referral_complete)
    input = OutcomeInput


class ReferralCancelApi(ReferralTransitionApi):
    """The sending agency withdraws the referral; the receiver's access ends with it."""

    action = "cancel"
    service = staticmethod(services.referral_cancel)
    input = ReasonInput


class ReferralRevokeApi(ReferralTransitionApi):
    """A program manager of the case's lead agency ends the referral and its access."""

    action = "revoke"
    service = staticmethod(services.referral_revoke)
    input = ReasonInput


# --- Lists ----------------------------------------------------------------------------


class ReferralListApi(generics.ListAPIView):
    serializer_class = ReferralListOutput
    permission_classes = [require_model_permission("referrals.view_referral")]
    pagination_class = PageNumberPagination
    filter_backends = []
    query_serializer: type[serializers.Serializer]

    def query(self) -> dict:
        query = self.query_serializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return query.validated_data


class InboxQuery(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=ReferralStatus.choices, required=False, help_text=_("Only referrals in this state.")
    )


class ReferralInboxApi(ReferralListApi):
    """Referrals sent to the caller's agencies, newest first (drafts never)."""

    query_serializer = InboxQuery

    @extend_schema(parameters=[InboxQuery])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        user = self.request.user
        return with_case_visibility(incoming_referrals(user, self.query().get("status")), user)


class SentQuery(serializers.Serializer):
    overdue = serializers.BooleanField(
        default=False,
        help_text=_("Only sent referrals still unanswered after their deadline, oldest first."),
    )


class ReferralSentApi(ReferralListApi):
    """Referrals from the caller's agencies, drafts included, newest first."""

    query_serializer = SentQuery

    @extend_schema(parameters=[SentQuery])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        user = self.request.user
        referrals = overdue_responses(user) if self.query()["overdue"] else outgoing_referrals(user)
        return with_case_visibility(referrals, user)


# --- Lead agency transfer -------------------------------------------------------------


class LeadTransferOfferInput(serializers.Serializer):
    to_agency = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.all(), help_text=_("Agency id.")
    )
    note = MultiLineSerializerField(max_length=LONG_TEXT_MAX, allow_blank=True, default="")


class CaseLeadTransferApi(CaseActionApi):
    """A program manager of the lead agency offers the case's lead to another agency."""

    required_permissions = {"POST": "referrals.add_leadtransfer"}

    @extend_schema(
        request=LeadTransferOfferInput, responses={201: LeadTransferOutput, **CASE_WRITE_ERRORS}
    )
    def post(self, request, case_id: int):
        case = self.case_part(case_id, Part.REFERRALS, write=True).case
        serializer = LeadTransferOfferInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        transfer = services.lead_transfer_offer(
            actor=request.user, case=case, **serializer.validated_data
        )
        return Response(
            LeadTransferOutput(lead_transfer_for_user(request.user, transfer.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class LeadTransferTransitionApi(TransitionApi):
    """A step of a lead transfer (referrals.lifecycles.LEAD_TRANSFER); answers with
    the transfer as it is after the step."""

    lifecycle = LEAD_TRANSFER
    record_name = "transfer"
    output = LeadTransferOutput
    errors = TRANSFER_ERRORS

    def target(self, side, *, transfer_id):
        return lead_transfer_for_user(self.request.user, transfer_id, side)

    def answer(self, record, done) -> dict:
        return LeadTransferOutput(lead_transfer_for_user(self.request.user, record.pk)).data


class LeadTransferAcceptApi(LeadTransferTransitionApi):
    """A program manager of the offered agency takes the lead (the case is left unassigned)."""

    action = "accept"
    service = staticmethod(services.lead_transfer_accept)


class LeadTransferDeclineApi(LeadTransferTransitionApi):
    """A program manager of the offered agency declines the lead."""

    action = "decline"
    service = staticmethod(services.lead_transfer_decline)


class LeadTransferCancelApi(LeadTransferTransitionApi):
    """A program manager of the offering agency withdraws the offer."""

    action = "cancel"
    service = staticmethod(services.lead_transfer_cancel)


class LeadTransferOfferedListApi(generics.ListAPIView):
    """Lead transfers offered to the caller's agencies and waiting for their answer,
    oldest first (program managers): the referral inbox's "cases offered to your
    agency". Answer one at /api/lead-transfers/{transfer_id}/accept/ or …/decline/.
    The person's name is given only once the case is one you may see."""

    serializer_class = LeadTransferOutput
    # Who may answer an offer may list them (the inbox page asks the same).
    permission_classes = [require_model_permission(LEAD_TRANSFER["accept"].permission)]
    pagination_class = PageNumberPagination
    filter_backends = []

    def get_queryset(self):
        user = self.request.user
        return with_case_visibility(lead_transfers_offered_to(user), user).select_related(
            "case__returnee", "offered_by", "decided_by"
        )

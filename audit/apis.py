"""The audit trail's JSON API: the auditor's search (and, for casework's access-log API,
the one output of an event).

An event is shown as the pages show it (templates/audit/_events.html): who, when,
which action, which record by reference, from where, and for a change the names of
the fields it touched — never their values, never case content (docs/audit.md).
The search is validated by the page's own form (audit.forms.EventSearchForm), so a
search the page refuses is refused here too: a 400 with field errors.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers

from agencies.models import Agency
from audit import selectors
from audit.forms import EventSearchForm
from audit.models import AuditEvent
from audit.views import AUDITOR_PERMISSION, PAGE_SIZE
from core.api import PageNumberPagination, require_model_permission


class EventPagination(PageNumberPagination):
    page_size = PAGE_SIZE  # as the pages list them


class AuditEventOutput(serializers.ModelSerializer):
    """One event, as the auditor's pages show it. The agency's name comes from the
    `agencies` mapping in the context (one query per request, as the pages load it)."""

    action_label = serializers.CharField(source="get_action_display", read_only=True)
    tried_username = serializers.SerializerMethodField(
        help_text=_("The name tried in a failed sign-in, when the event has no actor.")
    )
    agency_name = serializers.SerializerMethodField(
        help_text=_("The name of the actor's agency when the event was written.")
    )
    case_reference = serializers.CharField(read_only=True)
    permission = serializers.SerializerMethodField(
        help_text=_("The permission granted or revoked, for those events.")
    )
    changed_fields = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text=_("Names of the fields a change touched; never their values."),
    )

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "action",
            "action_label",
            "actor_username",
            "tried_username",
            "agency_id",
            "agency_name",
            "case_id",
            "case_reference",
            "object_type",
            "object_id",
            "permission",
            "changed_fields",
            "ip_address",
            "method",
            "path",
        ]
        read_only_fields = fields

    def get_tried_username(self, event: AuditEvent) -> str:
        return "" if event.actor_username else str(event.detail.get("username") or "")

    def get_agency_name(self, event: AuditEvent) -> str:
        return self.context["agencies"].get(event.agency_id, "")

    def get_permission(self, event: AuditEvent) -> str:
        return str(event.detail.get("permission") or "")


def form_parameters(form_class: type[forms.Form]) -> list[OpenApiParameter]:
    """A search form's fields as the query parameters of the schema, so the API keeps no
    second list of them: the form validates, this only describes."""
    parameters = []
    for name, field in form_class.base_fields.items():
        kwargs = {"description": field.help_text or field.label}
        if isinstance(field, forms.DateField):
            kwargs["type"] = OpenApiTypes.DATE
        elif isinstance(field, forms.TypedChoiceField) and field.coerce is int:
            # Choices made per request (the agencies): the schema can only say "an id".
            kwargs["type"] = OpenApiTypes.INT
            kwargs["description"] = format_lazy(_("{label}: its id."), label=field.label)
        elif isinstance(field, forms.ChoiceField):
            kwargs["type"] = OpenApiTypes.STR
            kwargs["enum"] = [value for value, _label in field.choices if value]
        else:
            kwargs["type"] = {"type": "string", "maxLength": field.max_length}
        parameters.append(OpenApiParameter(name, required=False, **kwargs))
    return parameters


LIST_ERRORS = {
    403: OpenApiResponse(description=_("Your role may not do this.")),
    404: OpenApiResponse(description=_("No such page.")),
}


class EventSearchApi(generics.ListAPIView):
    """The audit trail, newest first, searched as on the auditor's page (`/audit/`): by
    case reference (the returnee's intake events included), user (also the name tried
    in a failed sign-in), agency id, action and date range; 50 per page. Auditors only.
    An event names its record and, for a change, the fields changed, never their values."""

    serializer_class = AuditEventOutput
    permission_classes = [require_model_permission(AUDITOR_PERMISSION)]
    pagination_class = EventPagination
    filter_backends = []

    @extend_schema(
        parameters=form_parameters(EventSearchForm),
        responses={
            200: AuditEventOutput(many=True),
            400: OpenApiResponse(description=_("Field errors in the search.")),
            **LIST_ERRORS,
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "agencies": self.agencies}

    def get_queryset(self):
        self.agencies = dict(Agency.objects.order_by("name").values_list("pk", "name"))
        form = EventSearchForm(self.request.query_params, agencies=self.agencies)
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        return selectors.search_events(**form.filters())

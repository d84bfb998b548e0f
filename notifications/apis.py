"""The notifications API: a person's own notifications, and marking them read.

Thin, one view per operation, explicit serializers; errors become 400s in
core.api.exception_handler."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, views
from rest_framework.response import Response

from core.api import PageNumberPagination
from notifications import services
from notifications.models import Notification, NotificationKind
from notifications.selectors import email_preferences_of, notifications_of


class NotificationQuery(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=NotificationKind.choices,
        required=False,
        help_text=_("Only notifications of this kind."),
    )
    unread = serializers.BooleanField(default=False, help_text=_("Only unread notifications."))


class NotificationOutput(serializers.ModelSerializer):
    text = serializers.CharField(read_only=True, help_text=_("One line; cases by reference only."))
    url = serializers.CharField(read_only=True, help_text=_("Where its work is, on this site."))
    case_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "text", "url", "case_id", "referral_id", "created_at", "read_at"]
        read_only_fields = fields


class NotificationListApi(generics.ListAPIView):
    """The caller's notifications, newest first."""

    serializer_class = NotificationOutput
    pagination_class = PageNumberPagination
    filter_backends = []

    @extend_schema(parameters=[NotificationQuery])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = NotificationQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return notifications_of(
            self.request.user,
            kind=query.validated_data.get("kind"),
            unread=query.validated_data["unread"],
        )


class MarkReadInput(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=500,
        help_text=_("The notifications to mark read; without it, all of the caller's."),
    )


class MarkReadOutput(serializers.Serializer):
    marked = serializers.IntegerField(help_text=_("How many were unread and are now read."))


class NotificationsReadApi(views.APIView):
    """Mark the caller's unread notifications read: all, or those listed. Ids of
    notifications that are not the caller's are ignored."""

    @extend_schema(request=MarkReadInput, responses=MarkReadOutput)
    def post(self, request):
        data = MarkReadInput(data=request.data)
        data.is_valid(raise_exception=True)
        marked = services.notifications_mark_read(
            actor=request.user, ids=data.validated_data.get("ids")
        )
        return Response(MarkReadOutput({"marked": marked}).data)


def _email_preferences_serializer(name: str, *, required: bool) -> type[serializers.Serializer]:
    """One boolean per notification kind (notifications.models.NotificationKind), so a
    kind added there shows here with no list kept in this module."""
    fields = {
        kind: serializers.BooleanField(required=required, help_text=label)
        for kind, label in NotificationKind.choices
    }
    return type(name, (serializers.Serializer,), fields)


EmailPreferencesOutput = _email_preferences_serializer("EmailPreferencesOutput", required=True)


class EmailPreferencesInput(
    _email_preferences_serializer("_EmailPreferencesFields", required=False)
):
    """The kinds to change, each true (email me) or false; kinds left out keep their
    setting. A name that is no notification kind is a field error under that name,
    never a kind silently ignored."""

    def to_internal_value(self, data):
        unknown = sorted(set(data) - set(self.fields)) if isinstance(data, dict) else []
        if unknown:
            raise serializers.ValidationError(
                {name: [_("Unknown notification kind.")] for name in unknown}
            )
        return super().to_internal_value(data)


class EmailPreferencesApi(views.APIView):
    """The caller's email preferences: whether each kind of notification also comes by
    email (in-app notifications always come). The notification preferences page."""

    @extend_schema(responses=EmailPreferencesOutput)
    def get(self, request):
        return Response(EmailPreferencesOutput(email_preferences_of(request.user)).data)

    @extend_schema(
        request=EmailPreferencesInput,
        responses={
            200: EmailPreferencesOutput,
            400: OpenApiResponse(description=_("Field errors: an unknown kind, or not a boolean.")),
        },
    )
    def patch(self, request):
        data = EmailPreferencesInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.email_preferences_set(actor=request.user, enabled=dict(data.validated_data))
        return Response(EmailPreferencesOutput(email_preferences_of(request.user)).data)

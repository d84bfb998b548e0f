from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.models import NotificationKind


class EmailPreferencesForm(forms.Form):
    """The notification kinds that also come by email; a value that names no kind is an
    error, not a kind switched off."""

    email = forms.MultipleChoiceField(
        label=_("Send me an email for"),
        choices=NotificationKind.choices,
        required=False,  # every box unticked: no email at all
        widget=forms.CheckboxSelectMultiple,
    )


class NotificationFilterForm(forms.Form):
    """The list's filters, read from the query string; a kind that names no kind is an
    error shown on the page, not an empty filter."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("All kinds")), *NotificationKind.choices],
        required=False,
    )
    unread = forms.BooleanField(label=_("Unread only"), required=False)

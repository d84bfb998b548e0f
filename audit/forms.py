from django import forms
from django.utils.translation import gettext_lazy as _

from audit.models import AuditAction
from core.references import case_id_from_reference


class EventSearchForm(forms.Form):
    """The auditor's filters. Agencies come from the view (one query, reused for names)."""

    reference = forms.CharField(
        label=_("Case reference"),
        required=False,
        max_length=20,
        help_text=_("For example HW-000123."),
    )
    username = forms.CharField(label=_("User"), required=False, max_length=150)
    agency = forms.TypedChoiceField(label=_("Agency"), required=False, coerce=int, empty_value=None)
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("Any action")), *AuditAction.choices],
    )
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, agencies: dict[int, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", _("Any agency")), *agencies.items()]

    def clean_reference(self) -> int | None:
        text = self.cleaned_data["reference"].strip()
        if not text:
            return None
        case_id = case_id_from_reference(text)
        if case_id is None:
            raise forms.ValidationError(
                _("A case reference looks like HW-000123."), code="bad_reference"
            )
        return case_id

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def filters(self) -> dict:
        """The cleaned search as the keyword arguments of `audit.selectors.search_events`
        (call after `is_valid()`): the page and the API search with the same words."""
        data = self.cleaned_data
        return {
            "case_id": data["reference"],
            "username": data["username"].strip(),
            "agency_id": data["agency"],
            "action": data["action"],
            "date_from": data["date_from"],
            "date_to": data["date_to"],
        }

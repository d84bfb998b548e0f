from django import forms
from django.utils.translation import gettext_lazy as _

from core.fields import MultiLineFormField
from reports.models import ExportFormat


class ExportForm(forms.Form):
    """What to export of the current report; the filter comes from the query string."""

    format = forms.ChoiceField(label=_("Format"), choices=ExportFormat.choices)
    identified = forms.BooleanField(
        label=_("Include names and contact details (identified export)"), required=False
    )
    purpose = MultiLineFormField(
        label=_("Purpose of the identified export"),
        help_text=_("Required for an identified export; it is recorded with the export."),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        if data.get("identified"):
            if not (data.get("purpose") or "").strip():
                self.add_error("purpose", _("State why you need names and contact details."))
            if data.get("format") == ExportFormat.PDF:
                self.add_error("format", _("An identified export is CSV or XLSX."))
        return data

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from casework.forms import DateInput, long_text
from core.fields import OneLineFormField, PlausibleDateFormField
from referrals.models import (
    ConsentDecision,
    ConsentGivenBy,
    ReferralStatus,
    ServiceType,
    ShareScope,
)


class ScopeWidget(forms.CheckboxSelectMultiple):
    """Checkboxes for what is shared; identity basics always go, so that box is
    shown ticked and disabled (the services add identity whatever is posted)."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value == ShareScope.IDENTITY:
            option["attrs"] = {**option["attrs"], "checked": True, "disabled": True}
        return option


def scope_field(label, help_text):
    return forms.MultipleChoiceField(
        label=label,
        choices=ShareScope.choices,
        required=False,
        widget=ScopeWidget,
        initial=[ShareScope.IDENTITY.value],
        help_text=help_text,
    )


# A choice the person must make: nothing pre-selected.
BLANK = [("", "---------")]


def other_agencies(case):
    """Every agency but the case's lead, for referrals, consent and lead transfers."""
    return Agency.objects.exclude(pk=case.lead_agency_id).order_by("name")


class ReferralForm(forms.Form):
    to_agency = forms.ModelChoiceField(label=_("Refer to"), queryset=Agency.objects.none())
    service_type = forms.ChoiceField(label=_("Service"), choices=BLANK + ServiceType.choices)
    reason = long_text(_("Reason"), help_text=_("What the person needs from this agency, and why."))
    response_deadline = PlausibleDateFormField(label=_("Answer by"), widget=DateInput)
    share_scope = scope_field(
        _("What is shared"),
        _("Share the least the agency needs. Identity basics are always shared."),
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_agency"].queryset = other_agencies(case)


class SendForm(forms.Form):
    """Sending a draft; the legal-basis field exists only for those who may override consent."""

    def __init__(self, *args, with_override: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if with_override:
            self.fields["consent_override_basis"] = long_text(
                _("Legal basis for sending without consent"),
                help_text=_(
                    "No recorded consent covers this referral. Name the law or court order "
                    "that allows sharing without it; this is recorded with the referral."
                ),
            )


class ReasonForm(forms.Form):
    reason = long_text(_("Reason"))


class ProgressForm(forms.Form):
    note = long_text(_("What happened"))


class OutcomeForm(forms.Form):
    outcome = long_text(_("Outcome"))


class ConsentForm(forms.Form):
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=Agency.objects.none())
    purpose = forms.ChoiceField(label=_("Purpose (service)"), choices=BLANK + ServiceType.choices)
    scope = scope_field(
        _("What may be shared"),
        _("Exactly what the person agreed to. Identity basics are always part of it."),
    )
    decision = forms.ChoiceField(
        label=_("Decision"), choices=ConsentDecision.choices, widget=forms.RadioSelect
    )
    given_by = forms.ChoiceField(
        label=_("Given by"),
        choices=ConsentGivenBy.choices,
        widget=forms.RadioSelect,
        help_text=_("For a minor, a parent or guardian decides."),
    )
    guardian_name = OneLineFormField(
        label=_("Name of the parent or guardian"), max_length=200, required=False
    )
    note = long_text(_("Note"), required=False)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = other_agencies(case)


class TransferOfferForm(forms.Form):
    to_agency = forms.ModelChoiceField(label=_("New lead agency"), queryset=Agency.objects.none())
    note = long_text(_("Note for the receiving agency"), required=False)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_agency"].queryset = other_agencies(case)


class TransferDeclineForm(forms.Form):
    note = long_text(_("Note"), required=False)


class ConfirmForm(forms.Form):
    """A bare confirmation (accepting a referral or a lead transfer)."""


# --- List filters -------------------------------------------------------------------------


class InboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Any status")),
            *((v, label) for v, label in ReferralStatus.choices if v != ReferralStatus.DRAFT),
        ],
    )


class OutgoingFilterForm(forms.Form):
    overdue = forms.BooleanField(label=_("Only overdue answers"), required=False)

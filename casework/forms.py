from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from casework.models import (
    INDICATORS,
    LONG_TEXT_MAX,
    ClosureReason,
    CustodyEpisode,
    Flag,
    FlagCategory,
    FlagSource,
    Goal,
    GoalStatus,
    Note,
    Pathway,
    ReviewOutcome,
    TriageAssessment,
)
from core.fields import MultiLineFormField, PlausibleDateFormField
from returnees.models import Region


class DateInput(forms.DateInput):
    """A browser date picker: its value is always ISO, whatever the page's language
    (a localised "25.11.2026" is no value at all to <input type=date>)."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):
        super().__init__(attrs, format)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None, format="%Y-%m-%dT%H:%M"):
        super().__init__(attrs, format)


def long_text(label, **kwargs):
    return MultiLineFormField(
        label=label, max_length=LONG_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4}), **kwargs
    )


class VersionForm(forms.Form):
    """Carries the version of the record the person saw (stale saves are refused)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class TriageForm(forms.ModelForm):
    class Meta:
        model = TriageAssessment
        fields = ["category", *(name for name, _label in INDICATORS), "rationale"]
        widgets = {
            "category": forms.RadioSelect,
            **{name: forms.RadioSelect for name, _label in INDICATORS},
            "rationale": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {
            "category": _(
                "A move to or from violent takes effect only when a program manager approves it."
            ),
            "rationale": _("Why this category: what you saw and heard, and from whom."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ["category", *(n for n, _label in INDICATORS)]:
            self.fields[name].choices = [c for c in self.fields[name].choices if c[0]]

    def ratings(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name, _label in INDICATORS}


class TriageDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("reject", _("Reject"))], widget=forms.HiddenInput
    )
    comment = long_text(_("Comment"))


class PathwayForm(VersionForm):
    pathway = forms.ChoiceField(label=_("Pathway"), choices=Pathway.choices)
    reason = long_text(
        _("Reason"),
        required=False,
        help_text=_("Required when the pathway differs from the one the category sets."),
    )


class CustodyStartForm(forms.ModelForm):
    class Meta:
        model = CustodyEpisode
        fields = ["facility", "started_on", "segregated"]
        widgets = {"started_on": DateInput}


class CustodyEndForm(forms.Form):
    ended_on = PlausibleDateFormField(label=_("Released on"), widget=DateInput)


class GoalForm(forms.ModelForm):
    class Meta:
        model = Goal
        fields = ["domain", "description", "owner_agency", "target_date"]
        widgets = {"target_date": DateInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_agency"].queryset = Agency.objects.order_by("name")


class GoalUpdateForm(VersionForm):
    status = forms.ChoiceField(label=_("Status"), choices=GoalStatus.choices)
    target_date = PlausibleDateFormField(label=_("Target date"), required=False, widget=DateInput)
    outcome = long_text(_("Outcome"), required=False)


class NoteForm(forms.ModelForm):
    class Meta:
        model = Note
        fields = ["kind", "occurred_at", "visibility", "text"]
        widgets = {
            "occurred_at": DateTimeInput,
            "visibility": forms.RadioSelect,
            "text": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {
            "visibility": _("Who may read this note. Choose the narrowest that serves the case."),
        }

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the visibilities this reader may write (casework/parts.py).
        self.fields["visibility"].choices = [
            c for c in self.fields["visibility"].choices if c[0] and viewer.may_write_note(c[0])
        ]


class NoteAmendForm(forms.Form):
    text = long_text(_("Note"))


class FlagForm(forms.ModelForm):
    class Meta:
        model = Flag
        fields = ["severity", "category", "source", "description"]
        widgets = {"severity": forms.RadioSelect, "description": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "severity": _("Urgent notifies the case worker and the police liaisons at once."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["severity"].choices = [c for c in self.fields["severity"].choices if c[0]]


class FlagResolveForm(forms.Form):
    resolution_note = long_text(_("How was it resolved?"))


class ReviewForm(VersionForm):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=ReviewOutcome.choices, widget=forms.RadioSelect
    )
    summary = long_text(_("Summary"))
    closure_reason = forms.ChoiceField(
        label=_("Closure reason"),
        choices=[("", _("— only when closing —")), *ClosureReason.choices],
        required=False,
    )


class CloseForm(VersionForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=ClosureReason.choices)
    note = long_text(_("Note"), required=False)


class ReopenForm(VersionForm):
    note = long_text(_("Why is the case reopened?"))


class FollowUpForm(forms.Form):
    summary = long_text(_("How is the person doing?"))


class FlagsBoardFilterForm(forms.Form):
    region = forms.ChoiceField(
        label=_("Region"), required=False, choices=[("", _("Any region")), *Region.choices]
    )
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("Any category")), *FlagCategory.choices],
    )
    source = forms.ChoiceField(
        label=_("Source"), required=False, choices=[("", _("Any source")), *FlagSource.choices]
    )


class WorkerChoiceField(forms.ModelChoiceField):
    """A case worker, shown by name (never by username or email)."""

    def label_from_instance(self, user) -> str:
        return user.get_full_name() or user.get_username()


class AssignForm(VersionForm):
    worker = WorkerChoiceField(label=_("Social worker"), queryset=None)

    def __init__(self, *args, workers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = workers


# Rows of the caseload a person can tick in one go: a page. More is "all matching".
MAX_CHOSEN_CASES = 10_000


class CaseIdsField(forms.Field):
    """Case ids as the checkboxes send them; anything but whole numbers is an error."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        try:
            ids = sorted({int(v) for v in value})
        except (TypeError, ValueError):
            raise forms.ValidationError(_("Choose cases from the list."), code="invalid") from None
        if len(ids) > MAX_CHOSEN_CASES or any(i < 1 or i > 2**63 - 1 for i in ids):
            raise forms.ValidationError(_("Choose cases from the list."), code="invalid")
        return ids


class ReassignForm(forms.Form):
    """The caseload's bulk reassignment: the ticked cases, or every case the
    caseload's filter matches (sent along as it is in the page's address)."""

    SELECTED, MATCHING = "selected", "matching"

    scope = forms.ChoiceField(
        label=_("Which cases"),
        choices=[
            (SELECTED, _("The cases I ticked")),
            (MATCHING, _("All cases matching this filter")),
        ],
        initial=SELECTED,
        widget=forms.RadioSelect,
    )
    case = CaseIdsField(label=_("Cases"), required=False)
    worker = WorkerChoiceField(label=_("Reassign to"), queryset=None)

    def __init__(self, *args, workers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = workers

    def clean(self):
        data = super().clean()
        if data.get("scope") == self.SELECTED and not data.get("case"):
            self.add_error("case", _("Tick the cases to reassign, or choose all matching."))
        return data


class HandOverForm(forms.Form):
    worker = WorkerChoiceField(label=_("Hand the open cases over to"), queryset=None)

    def __init__(self, *args, workers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = workers

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import ProhibitNullCharactersValidator
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from agencies.models import Role
from agencies.selectors import agencies_of
from casework.access import parent_case_for_dependent
from core.fields import normalize_text, validate_one_line
from core.references import case_id_from_reference
from intake.services import PERSON_FIELDS, PersonDetails
from returnees.models import (
    MAX_ALIASES,
    NAME_MAX,
    FamilyContact,
    Language,
    Need,
    Returnee,
)

User = get_user_model()


class DateInput(forms.DateInput):
    """A browser date picker: its value is always ISO, whatever the page's language
    (a localised "25.11.2026" is no value at all to <input type=date>)."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):
        super().__init__(attrs, format)


class AliasesField(forms.CharField):
    """Aliases typed one per line; each is one line of text (core.fields)."""

    widget = forms.Textarea(attrs={"rows": 2})

    def to_python(self, value):
        text = normalize_text(super().to_python(value))
        return [line.strip() for line in text.splitlines() if line.strip()]

    def validate(self, value):
        if len(value) > MAX_ALIASES:
            raise forms.ValidationError(
                _("Give at most %(count)s aliases."), params={"count": MAX_ALIASES}
            )
        for alias in value:
            if len(alias) > NAME_MAX:
                raise forms.ValidationError(
                    _("Each alias can have at most %(count)s characters."),
                    params={"count": NAME_MAX},
                )
            validate_one_line(alias)

    def run_validators(self, value):
        for alias in value:
            super().run_validators(alias)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(value)
        return value


class PersonForm(forms.ModelForm):
    """The person's fields as intake asks them (intake.services.PERSON_FIELDS): what the
    intake page and the correction page share."""

    aliases = AliasesField(
        label=_("Aliases"),
        required=False,
        help_text=_("Other names or spellings the person is known by, one per line."),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=Language.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    needs = forms.MultipleChoiceField(
        label=_("Needs screen"),
        choices=Need.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick every area where the person needs support now."),
    )

    class Meta:
        model = Returnee
        fields = PERSON_FIELDS
        widgets = {
            "birth_date": DateInput,
            "departure_date": DateInput,
            "return_date": DateInput,
            "sex": forms.RadioSelect,
        }
        help_texts = {
            "approximate_age": _("Only when the date of birth is unknown."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "sex" in self.fields:
            self.fields["sex"].choices = [c for c in self.fields["sex"].choices if c[0]]


class IntakeForm(PersonForm):
    """Intake of a returnee. Parses and checks input; the service decides."""

    lead_agency = forms.ModelChoiceField(label=_("Lead agency"), queryset=None)
    assigned_worker = forms.ModelChoiceField(
        label=_("Assigned social worker"), queryset=None, required=False
    )
    parent_reference = forms.CharField(
        label=_("Parent's case reference"),
        required=False,
        max_length=20,
        validators=[ProhibitNullCharactersValidator()],
        help_text=_("For a dependent child: the case reference of the parent, e.g. HW-000123."),
    )
    acknowledge_duplicates = forms.BooleanField(
        label=_("I have checked the possible matches: this is a different person."),
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        agencies = agencies_of(user).order_by("name")
        self.fields["lead_agency"].queryset = agencies
        self.fields["assigned_worker"].queryset = (
            User.objects.filter(is_active=True, groups__agency__in=agencies)
            .filter(groups__name=Role.SOCIAL_WORKER)
            .distinct()
            .order_by("last_name", "first_name", "username")
        )
        self.fields["assigned_worker"].label_from_instance = lambda u: (
            u.get_full_name() or u.get_username()
        )
        for name in ("family_name", "given_name", "aliases", "birth_date", "approximate_age"):
            css = self.fields[name].widget.attrs.get("class", "")
            self.fields[name].widget.attrs["class"] = f"{css} dup-input".strip()

    def clean_parent_reference(self):
        reference = self.cleaned_data["parent_reference"].strip()
        if not reference:
            return None
        case_id = case_id_from_reference(reference)
        try:
            return parent_case_for_dependent(self.user, case_id)
        except Http404:
            raise forms.ValidationError(
                _("No case with this reference is open to you."), code="unknown_case"
            ) from None

    def person(self) -> PersonDetails:
        return PersonDetails.of(self.cleaned_data)


class PersonEditForm(PersonForm):
    """Correcting the person: the fields of the parts being edited (`fields`, from
    casework/parts.py through intake.services), over the stored values, with the
    version they were read at. Parses input only: the service checks the record as a
    whole (Returnee.clean) and puts its errors on these fields."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, fields, **kwargs):
        super().__init__(*args, **kwargs)
        for name in set(PERSON_FIELDS) - set(fields):
            del self.fields[name]

    def _post_clean(self):
        # A ModelForm would check the model here, and a rule across parts (a return
        # date before a corrected birth date) would name a field this form may not
        # have; person_update checks it and says where.
        pass

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in PERSON_FIELDS if name in self.fields}


class DuplicateCheckForm(forms.Form):
    """The fields the as-you-type duplicate check reads; lenient about the rest."""

    given_name = forms.CharField(max_length=NAME_MAX, required=False)
    family_name = forms.CharField(max_length=NAME_MAX, required=False)
    aliases = AliasesField(required=False)
    birth_date = forms.DateField(required=False)
    approximate_age = forms.IntegerField(min_value=0, max_value=150, required=False)


class FamilyContactForm(forms.ModelForm):
    class Meta:
        model = FamilyContact
        fields = ["name", "relationship", "phone", "warning_channel"]

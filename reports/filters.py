import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from casework.models import Case, CaseStatus, Pathway, RiskCategory
from casework.selectors import minors_condition
from reports import selectors
from returnees.models import Region, Sex


def _flag(label, method):
    return django_filters.BooleanFilter(label=label, method=method, widget=forms.CheckboxInput)


class ReportFilter(django_filters.FilterSet):
    """The caseload report's filters: one definition for the dashboard, the report
    page, every export format and the API. Conditions come from reports.selectors,
    the same ones the dashboard tiles count."""

    region = django_filters.ChoiceFilter(
        label=_("Region"),
        field_name="returnee__region",
        choices=Region.choices,
        empty_label=_("Any region"),
    )
    agency = django_filters.ModelChoiceFilter(
        label=_("Lead agency"),
        field_name="lead_agency",
        queryset=Agency.objects.order_by("name"),
        empty_label=_("Any agency"),
    )
    category = django_filters.ChoiceFilter(
        label=_("Risk category"), choices=RiskCategory.choices, empty_label=_("Any category")
    )
    pathway = django_filters.ChoiceFilter(
        label=_("Pathway"), choices=Pathway.choices, empty_label=_("Any pathway")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=CaseStatus.choices, empty_label=_("Any status")
    )
    sex = django_filters.ChoiceFilter(
        label=_("Sex"), field_name="returnee__sex", choices=Sex.choices, empty_label=_("Any")
    )
    age_band = django_filters.ChoiceFilter(
        label=_("Age band"),
        choices=[(key, label) for key, (label, _y, _o) in selectors.AGE_BANDS.items()],
        empty_label=_("Any age"),
        method="in_age_band",
    )
    outcome = django_filters.ChoiceFilter(
        label=_("Outcome reached"),
        choices=[(d.value, d.label) for d in selectors.OUTCOME_DOMAINS],
        empty_label=_("Any"),
        method="reached",
    )
    minors = _flag(_("Only minors"), "only_minors")
    overdue = _flag(_("Only overdue reviews"), "only_overdue")
    open_flags = _flag(_("Only with open flags"), "only_open_flags")
    urgent_flags = _flag(_("Only with open urgent flags"), "only_urgent_flags")
    pending_approval = _flag(_("Only with triage awaiting approval"), "only_pending_approval")
    awaiting_response = _flag(_("Only with referrals awaiting an answer"), "only_awaiting_response")
    opened_from = django_filters.DateFilter(
        label=_("Opened from"),
        field_name="opened_on",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    opened_to = django_filters.DateFilter(
        label=_("Opened until"),
        field_name="opened_on",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    closed_from = django_filters.DateFilter(
        label=_("Closed from"),
        field_name="closed_on",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    closed_to = django_filters.DateFilter(
        label=_("Closed until"),
        field_name="closed_on",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    class Meta:
        model = Case
        fields = []

    def in_age_band(self, queryset, name, value):
        return queryset.filter(selectors.age_band_condition(value)) if value else queryset

    def reached(self, queryset, name, value):
        return queryset.filter(selectors.outcome_condition(value)) if value else queryset

    def only_minors(self, queryset, name, value):
        return queryset.filter(minors_condition()) if value else queryset

    def only_overdue(self, queryset, name, value):
        return queryset.filter(selectors.overdue_condition()) if value else queryset

    def only_open_flags(self, queryset, name, value):
        return queryset.filter(selectors.open_flags_condition()) if value else queryset

    def only_urgent_flags(self, queryset, name, value):
        return queryset.filter(selectors.urgent_flags_condition()) if value else queryset

    def only_pending_approval(self, queryset, name, value):
        return queryset.filter(selectors.pending_approval_condition()) if value else queryset

    def only_awaiting_response(self, queryset, name, value):
        return queryset.filter(selectors.awaiting_response_condition()) if value else queryset


FILTER_NAMES = list(ReportFilter.base_filters)


def filter_params(data) -> dict:
    """The report filter's own parameters of a query (nothing else: no page, no format),
    as a plain dict, e.g. to record with an export or to build a tile's link."""
    return {name: data.get(name) for name in FILTER_NAMES if data.get(name) not in (None, "")}

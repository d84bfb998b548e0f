import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from casework.models import Case, CaseStatus
from casework.selectors import case_search, minors_condition
from returnees.models import Region


class CaseFilter(django_filters.FilterSet):
    """The caseload's filters, shared by the page and the API."""

    q = django_filters.CharFilter(label=_("Name or reference"), method="search", max_length=100)
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=CaseStatus.choices, empty_label=_("Any status")
    )
    region = django_filters.ChoiceFilter(
        label=_("Region"),
        field_name="returnee__region",
        choices=Region.choices,
        empty_label=_("Any region"),
    )
    minors = django_filters.BooleanFilter(
        label=_("Only minors (child safeguarding)"),
        method="only_minors",
        widget=forms.CheckboxInput,
    )
    mine = django_filters.BooleanFilter(
        label=_("Only cases assigned to me"),
        method="assigned_to_me",
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = Case
        fields = ["q", "status", "region", "minors", "mine"]

    def search(self, queryset, name, value):
        return case_search(queryset, value)

    def only_minors(self, queryset, name, value):
        return queryset.filter(minors_condition()) if value else queryset

    def assigned_to_me(self, queryset, name, value):
        if value:
            return queryset.filter(assigned_worker=self.request.user)
        return queryset

"""Date and time pickers keep ISO values in every language: a Russian page once
rendered "25.11.2026 13:29" into <input type=datetime-local>, which the browser
shows as empty, so the note form came back with "This field is required"."""

import datetime

import pytest
from django.utils import timezone, translation

from audit.forms import EventSearchForm
from casework.forms import NoteForm
from intake.forms import IntakeForm
from referrals.forms import ReferralForm
from reports.filters import ReportFilter

MOMENT = timezone.make_aware(datetime.datetime(2026, 11, 25, 13, 29))
DAY = datetime.date(2026, 12, 2)


@pytest.mark.parametrize("language", ["en", "ru", "ky"])
def test_pickers_render_iso_values_in_every_language(language):
    pickers = [
        (NoteForm.base_fields["occurred_at"].widget, MOMENT, "2026-11-25T13:29"),
        (ReferralForm.base_fields["response_deadline"].widget, DAY, "2026-12-02"),
        (IntakeForm.base_fields["birth_date"].widget, DAY, "2026-12-02"),
        (EventSearchForm.base_fields["date_from"].widget, DAY, "2026-12-02"),
        *(
            (f.field.widget, DAY, "2026-12-02")
            for f in ReportFilter.base_filters.values()
            if f.field.widget.input_type == "date" or f.field.widget.attrs.get("type") == "date"
        ),
    ]
    with translation.override(language):
        for widget, value, iso in pickers:
            assert f'value="{iso}"' in widget.render("when", value), widget

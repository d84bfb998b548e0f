"""What people may type, decided once: the rules for text and for dates, and the
model, form and serializer fields that carry them.

A model field of these types gives its rule to everything built from it: the
ModelForms of the pages, the ModelSerializers of the API, the admin and every
service's `full_clean`. A hand-written form or serializer field that stands for
one of them uses the matching form or serializer field below, so the page and
the API refuse the same input with the same message.
"""

import datetime
import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

# --- Text -------------------------------------------------------------------------------

# What was typed and lost on the way: Django decodes bytes of a form post that are not
# UTF-8 as U+FFFD, and the API's parser (core.parsers) turns a lone surrogate, which JSON
# can carry but Postgres cannot store, into U+FFFD too.
_UNREADABLE = re.compile("[\ud800-\udfff\ufffd]")
# Invisible characters that reorder the text around them: "\u202eavonavI" is shown as
# "Ivanova", and an override left open runs on into the next column of a list or export.
_BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Control characters (Unicode category Cc) and the line and paragraph separators.
_CONTROL_IN_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# The same, less what multi-line text is made of: tab, line feed, carriage return and
# the line and paragraph separators.
_CONTROL_IN_MULTI_LINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def normalize_text(value):
    """Unicode NFC: "é" typed as one character and as "e" plus an accent are stored
    alike, so searches, the duplicate check and exports find one in the other."""
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def _check_text(value: str, control: re.Pattern, control_message) -> None:
    if _UNREADABLE.search(value):
        raise ValidationError(
            _("Some characters of this text could not be read. Type it again."),
            code="unreadable",
        )
    if _BIDI_CONTROLS.search(value):
        raise ValidationError(
            _(
                "Remove the hidden text-direction characters: they make the text show "
                "differently from what is stored."
            ),
            code="bidi_control",
        )
    if control.search(value):
        raise ValidationError(control_message, code="control")


def validate_one_line(value: str) -> None:
    """Names, places, phone numbers, titles: one line of visible text."""
    _check_text(
        value,
        _CONTROL_IN_ONE_LINE,
        _("Write this on one line, without tabs or other control characters."),
    )


def validate_multi_line(value: str) -> None:
    """Notes, reasons, descriptions: line breaks and tabs are kept, nothing else hidden."""
    _check_text(value, _CONTROL_IN_MULTI_LINE, _("Remove the control characters from this text."))


class OneLineTextField(models.CharField):
    """A CharField for one line of typed text."""

    default_validators = [validate_one_line]

    def to_python(self, value):
        # Also what get_prep_value stores: text reaches the database in NFC on every path.
        return normalize_text(super().to_python(value))

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": OneLineFormField, **kwargs})


class MultiLineTextField(models.TextField):
    """A TextField for typed text of several lines. Unlike TextField it enforces its
    max_length (which TextField only hands to form widgets)."""

    default_validators = [validate_multi_line]

    @cached_property
    def validators(self):
        limit = [MaxLengthValidator(self.max_length)] if self.max_length is not None else []
        return [*super().validators, *limit]

    def to_python(self, value):
        return normalize_text(super().to_python(value))

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": MultiLineFormField, **kwargs})


class OneLineFormField(forms.CharField):
    default_validators = [validate_one_line]

    def to_python(self, value):
        return normalize_text(super().to_python(value))


class MultiLineFormField(forms.CharField):
    widget = forms.Textarea
    default_validators = [validate_multi_line]

    def to_python(self, value):
        return normalize_text(super().to_python(value))


class OneLineSerializerField(serializers.CharField):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(validate_one_line)

    def to_internal_value(self, data):
        return normalize_text(super().to_internal_value(data))


class MultiLineSerializerField(serializers.CharField):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(validate_multi_line)

    def to_internal_value(self, data):
        return normalize_text(super().to_internal_value(data))


# --- Dates ------------------------------------------------------------------------------

# Every date a person types is a date in someone's life or in a plan: none falls before
# 1900, and no plan or deadline is set more than ten years ahead. Outside that it is a
# typing slip ("0202-05-01", "9999-12-31") that would sort first or last everywhere.
EARLIEST_DATE = datetime.date(1900, 1, 1)
YEARS_AHEAD = 10


def latest_date() -> datetime.date:
    today = timezone.localdate()
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:  # 29 February, and no 29 February ten years on
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


def validate_plausible_date(value: datetime.date) -> None:
    latest = latest_date()
    if not EARLIEST_DATE <= value <= latest:
        raise ValidationError(
            _("Enter a date from %(earliest)s to %(latest)s."),
            code="implausible_date",
            params={"earliest": date_format(EARLIEST_DATE), "latest": date_format(latest)},
        )


class PlausibleDateField(models.DateField):
    """A date a person types: between EARLIEST_DATE and YEARS_AHEAD from today."""

    default_validators = [validate_plausible_date]

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": PlausibleDateFormField, **kwargs})


class PlausibleDateFormField(forms.DateField):
    default_validators = [validate_plausible_date]


class PlausibleDateSerializerField(serializers.DateField):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(validate_plausible_date)

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.forms import DateInput, VersionForm, long_text
from core.fields import OneLineFormField, PlausibleDateFormField
from tasks.models import TITLE_MAX
from tasks.selectors import task_owners


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        return user.get_full_name() or user.get_username()


class TaskForm(forms.Form):
    title = OneLineFormField(label=_("Task"), max_length=TITLE_MAX)
    due_on = PlausibleDateFormField(label=_("Due date"), widget=DateInput)
    owner = OwnerChoiceField(
        label=_("Owner"),
        queryset=None,
        required=False,
        empty_label=_("The case team (lead agency)"),
        help_text=_("A person on the case team, or the whole team."),
    )
    details = long_text(_("Details"), required=False)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = task_owners(case)


class TaskEditForm(TaskForm, VersionForm):
    pass

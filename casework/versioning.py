"""How a service changes a case, or a record hanging on it, without losing anyone's edit.

Every writer locks the case row first (SELECT … FOR UPDATE), so two people
acting on one case are serialised, and locks rows in the same order: the case,
then the record on it. A service that edits what a person saw on a form also
takes the `expected_version` they saw and refuses a stale one with
ConcurrentEdit instead of overwriting the other person's change; the API
answers it with 409 (config.api), a page with the form again over the stored
values (casework.views.form_action_page).

The casework, referrals and returnees services all use these; this module
imports nothing of theirs.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from casework.models import Case, CaseStatus


class ConcurrentEdit(ValidationError):
    """Someone else changed the record since the form was loaded; `current` is the
    record as it is now."""

    def __init__(self, current):
        super().__init__(
            _(
                "Someone else changed this record while you were editing it. "
                "Nothing was saved; the current values are shown — check them and save again."
            ),
            code="stale",
        )
        self.current = current


def locked_case(case_id: int) -> Case:
    """The case row, locked for this transaction, with what services read from it."""
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("returnee", "lead_agency")
        .get(pk=case_id)
    )


def check_version(current, expected_version: int | None) -> None:
    """Refuse the change if `current` (locked) moved on from the version the person saw."""
    if expected_version is not None and current.version != expected_version:
        raise ConcurrentEdit(current)


def save_versioned(obj, fields: list[str]) -> None:
    """Save `fields` of a versioned record and move its version on."""
    obj.version += 1
    obj.save(update_fields=[*fields, "version", "updated_at"])


def require_open(case: Case) -> None:
    if case.status != CaseStatus.OPEN:
        raise ValidationError(_("This case is closed. Reopen it first."), code="closed")

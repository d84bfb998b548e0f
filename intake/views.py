from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casework.access import case_part_for_user, case_viewer, parent_case_for_dependent
from casework.parts import Part
from casework.views import form_action_page
from intake.forms import DuplicateCheckForm, FamilyContactForm, IntakeForm, PersonEditForm
from intake.selectors import (
    DuplicateReport,
    person_changes,
    person_history,
    person_values,
    possible_duplicates,
)
from intake.services import (
    PERSON_PARTS,
    PossibleDuplicates,
    family_contact_add,
    family_contact_remove,
    person_fields_of,
    person_update,
    returnee_register,
)

HISTORY_PAGE_SIZE = 25


@login_required
@permission_required("returnees.add_returnee", raise_exception=True)
@require_http_methods(["GET", "POST"])
def intake(request):
    initial = {"assigned_worker": request.user.pk}
    if parent_id := request.GET.get("parent"):
        # A "register a dependent" link: only a parent the user may see is prefilled.
        initial["parent_reference"] = parent_case_for_dependent(request.user, parent_id).reference
    form = IntakeForm(request.POST or None, user=request.user, initial=initial)
    if form.fields["lead_agency"].queryset.count() == 1:
        form.fields["lead_agency"].initial = form.fields["lead_agency"].queryset.get()
    report = DuplicateReport()
    if request.method == "POST" and form.is_valid():
        try:
            case = returnee_register(
                actor=request.user,
                person=form.person(),
                lead_agency=form.cleaned_data["lead_agency"],
                assigned_worker=form.cleaned_data["assigned_worker"],
                parent_case=form.cleaned_data["parent_reference"],
                acknowledge_duplicates=form.cleaned_data["acknowledge_duplicates"],
            )
        except PossibleDuplicates as exc:
            report = exc.report
            form.add_error(None, exc)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Registered. Case %(reference)s is open.") % {"reference": case.reference},
            )
            return redirect("casework:case_detail", case_id=case.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "returnees/intake.html", {"form": form, "report": report}, status=status)


@login_required
@permission_required("returnees.add_returnee", raise_exception=True)
@require_POST
def duplicate_check(request):
    """The intake form's as-you-type check (htmx): a fragment listing likely matches."""
    form = DuplicateCheckForm(request.POST)
    report = DuplicateReport()
    if form.is_valid():
        data = form.cleaned_data
        report = possible_duplicates(
            user=request.user,
            given_name=data["given_name"],
            family_name=data["family_name"],
            aliases=data["aliases"],
            birth_date=data["birth_date"],
            approximate_age=data["approximate_age"],
        )
    return render(request, "returnees/_duplicates.html", {"report": report})


@login_required
@permission_required("returnees.add_familycontact", raise_exception=True)
@require_http_methods(["GET", "POST"])
def family_contact_new(request, case_id: int):
    case = case_part_for_user(request.user, case_id, Part.FAMILY, write=True).case
    form = FamilyContactForm(request.POST or None)
    return form_action_page(
        request,
        form,
        lambda d: family_contact_add(actor=request.user, case=case, **d),
        success=_("Family contact added."),
        redirect_to=reverse("casework:case_detail", args=[case.pk]),
        render=lambda form, status, _current: render(
            request,
            "returnees/family_contact_form.html",
            {"case": case, "form": form, "viewer": case_viewer(request.user, case)},
            status=status,
        ),
    )


@login_required
@permission_required("returnees.delete_familycontact", raise_exception=True)
@require_POST
def family_contact_delete(request, case_id: int, contact_id: int):
    case = case_part_for_user(request.user, case_id, Part.FAMILY, write=True).case
    contact = get_object_or_404(case.returnee.family_contacts, pk=contact_id)
    family_contact_remove(actor=request.user, contact=contact)
    messages.success(request, _("Family contact removed."))
    return redirect("casework:case_detail", case_id=case.pk)


# --- Correcting and updating the person -----------------------------------------------------


@login_required
@permission_required("casework.change_case", raise_exception=True)
@require_http_methods(["GET", "POST"])
def person_edit(request, case_id: int):
    """The person's fields, a fieldset per part of the case the reader may write
    (casework/parts.py); `?part=` narrows the page to one of them."""
    viewer = case_part_for_user(request.user, case_id, PERSON_PARTS, write=True)
    case = viewer.case
    parts = [part for part in PERSON_PARTS if viewer.can_write(part)]
    if (chosen := request.GET.get("part")) in parts:
        parts = [Part(chosen)]
    fields = person_fields_of(parts)
    returnee = case.returnee

    def bound(data=None):
        return PersonEditForm(
            data, instance=returnee, initial={"version": returnee.version}, fields=fields
        )

    def page(form, status, current):
        sections = [
            (part.label, [form[name] for name in person_fields_of([part])]) for part in parts
        ]
        context = {
            "case": case,
            "viewer": viewer,
            "form": form,
            "sections": sections,
            "current": person_values(current, fields) if current is not None else None,
        }
        return render(request, "returnees/person_form.html", context, status=status)

    form = bound(request.POST or None)
    return form_action_page(
        request,
        form,
        lambda d: person_update(
            actor=request.user, case=case, expected_version=d["version"], changes=form.changes()
        ),
        success=_("The person's record is saved; the change is in its history."),
        redirect_to=reverse("casework:case_detail", args=[case.pk]),
        render=page,
        conflict_form=bound,
    )


@login_required
@permission_required("casework.view_case", raise_exception=True)
@require_GET
def person_history_page(request, case_id: int):
    """What each field of the person was before, who changed it and when: for those who
    keep the record (writers of a part of the person), of the fields they may read."""
    viewer = case_part_for_user(request.user, case_id, PERSON_PARTS, write=True)
    case = viewer.case
    fields = person_fields_of([part for part in PERSON_PARTS if viewer.can_read(part)])
    page = Paginator(person_history(case, fields), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "returnees/person_history.html",
        {
            "case": case,
            "viewer": viewer,
            "page": page,
            "changes": person_changes(page.object_list, fields),
        },
    )

"""The printable case summary: one PDF per case, exactly what its reader may read."""

import pytest
from django.urls import reverse
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from audit.models import AuditAction, AuditEvent
from casework import services as casework
from casework.access import case_viewer
from casework.models import LONG_TEXT_MAX
from casework.parts import Part
from referrals import services as referrals
from reports import exports
from tests.casework.helpers import note, triage
from tests.referrals.helpers import sent
from tests.reports.pdf import pdf_pages, pdf_text


def page_url(case_id):
    return reverse("reports:case_summary", args=[case_id])


def api_url(case_id):
    return reverse("api-case-summary", args=[case_id])


HEADINGS = {  # a section heading of each part the summary prints under its own heading
    Part.CONTACT: "Residence and contact",
    Part.RETURN_LEGAL: "Departure, return and legal status",
    Part.NEEDS: "Needs at intake",
    Part.FAMILY: "\nFamily\n",
    Part.TRIAGE: "Triage assessments",
    Part.PLAN: "Support plan",
    Part.FLAGS: "Monitoring flags",
    Part.CUSTODY: "\nCustody\n",
    Part.REVIEWS: "\nReviews\n",
    Part.REFERRALS: "\nReferrals\n",
    Part.NOTES_CASE_TEAM: "Notes for the case team",
    Part.NOTES_CLINICAL: "Clinical notes",
    Part.NOTES_POLICE: "Notes shared with police",
    Part.NOTES_ALL_AGENCIES: "Notes shared with all engaged agencies",
}


@pytest.mark.parametrize("role", ["social_worker", "program_manager", "police_liaison", "partner"])
def test_each_reader_prints_the_sections_of_exactly_the_parts_they_may_read(
    cast, world, client_of, role
):
    user = getattr(cast, role)
    viewer = case_viewer(user, case_viewer(cast.social_worker, _case(world)).case)

    response = client_of(user).get(page_url(world["case_id"]))

    assert response.status_code == 200
    text = pdf_text(response.content)
    for part, heading in HEADINGS.items():
        assert (heading in text) == viewer.can_read(part), (role, part)


def test_a_police_liaisons_summary_has_flags_and_custody_but_no_return_or_contact(
    cast, world, client_of
):
    text = pdf_text(client_of(cast.police_liaison).get(page_url(world["case_id"])).content)
    case = _case(world)

    assert case.reference in text
    assert "SIZO-1" in text  # custody
    assert "Monitoring flags" in text
    assert case.returnee.address not in text
    assert "Conflict zone" not in text
    assert "Гульнара" not in text  # a family contact


def test_a_partners_summary_shows_only_what_the_referral_shares(cast, world, client_of):
    """The employer's accepted referral shares identity and shared notes."""
    text = pdf_text(client_of(cast.partner).get(page_url(world["case_id"])).content)
    case = _case(world)

    assert case.returnee.given_name in text
    assert "Notes shared with all engaged agencies" in text
    for withheld in (case.returnee.address, "Flat", "SIZO-1", "Risk category", "Referrals"):
        assert withheld not in text


@pytest.mark.parametrize("role", ["outsider", "outsider_manager"])
def test_someone_without_a_relationship_to_the_case_gets_404(cast, world, client_of, role):
    user = getattr(cast, role)
    http = client_of(user)

    assert http.get(page_url(world["case_id"])).status_code == 404
    assert http.get(api_url(world["case_id"])).status_code == 404
    assert http.get(page_url(999_999)).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED, actor_id=user.pk).exists()


def test_a_role_that_reads_no_case_is_refused(cast, world, client_of):
    for user in (cast.auditor, cast.administrator):
        assert client_of(user).get(page_url(world["case_id"])).status_code == 403


@pytest.mark.parametrize("url", [page_url, api_url], ids=["page", "api"])
def test_the_download_is_recorded_as_an_export_of_the_case_with_the_parts_it_held(
    cast, world, client_of, url
):
    response = client_of(cast.police_liaison).get(url(world["case_id"]))

    assert response.status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.EXPORTED, actor_id=cast.police_liaison.pk)
    assert event.case_id == world["case_id"]
    assert (event.object_type, event.object_id) == ("casework.case", str(world["case_id"]))
    assert event.detail["kind"] == "case_summary"
    assert event.detail["format"] == "pdf"
    viewer = case_viewer(cast.police_liaison, _case(world))
    assert event.detail["parts"] == [p.value for p in Part if viewer.can_read(p)]
    assert "return_legal" not in event.detail["parts"]
    assert event.path == url(world["case_id"])


def test_the_file_is_a_download_named_by_the_reference_only(cast, world, client_of):
    response = client_of(cast.social_worker).get(api_url(world["case_id"]))
    case = _case(world)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{case.reference}-summary.pdf"'
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF")
    assert case.returnee.family_name.encode() not in response["Content-Disposition"].encode()


def test_the_api_answers_a_pdf_whatever_the_client_accepts_and_errors_in_json(
    cast, world, client_of
):
    http = client_of(cast.social_worker)

    pdf = http.get(api_url(world["case_id"]), headers={"Accept": "application/pdf"})
    missing = http.get(api_url(999_999), headers={"Accept": "application/pdf"})

    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/json"


def test_pages_are_a4_numbered_and_say_who_printed_them(cast, case, client_of):
    for n in range(30):  # enough notes for several pages
        note(cast.social_worker, case, "case_team", text=f"Visit {n}. " + "Talked at length. " * 20)

    content = client_of(cast.social_worker).get(page_url(case.pk)).content
    pages = pdf_pages(content)

    assert len(pages) > 1
    for number, page in enumerate(pages, start=1):
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(A4)
        text = page.extract_text()
        assert f"Page {number} of {len(pages)}" in text
        assert f"Printed by aigul (#{cast.social_worker.pk}) on" in text


def test_long_text_wraps_inside_the_page_margins(cast, register, client_of):
    case = register(address="Микрорайон-" * 25, given_name="Ааааааааааааааааааааааааааааааа")
    note(cast.social_worker, case, "case_team", text="Слово " * 400 + "Unbroken" * 40)

    content = client_of(cast.social_worker).get(page_url(case.pk)).content

    overruns, seen = [], []
    for page in pdf_pages(content):

        def visit(text, cm, tm, font, size, page=page):
            if not text.strip() or not size:
                return
            seen.append(text)
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            bold = "Bold" in str(font.get("/BaseFont", "")) if font else False
            name = exports.BOLD if bold else exports.FONT
            right = x + stringWidth(text.rstrip(), name, size * tm[0] * cm[0])
            if x < 17 * mm or right > A4[0] - 17 * mm:
                overruns.append((round(x), round(right), text[:30]))

        page.extract_text(visitor_text=visit)
    assert len(seen) > 100  # every line was measured
    assert not overruns
    text = pdf_text(content)
    assert "Микрорайон" in text  # the person's Cyrillic prints as text, not as boxes


def test_the_longest_texts_a_case_may_hold_break_across_pages(cast, case, client_of):
    """Reasons, outcomes, rationales and notes may run to 20,000 characters: none is in a
    table row (which cannot break across pages), so the summary prints them whole."""
    longest = "Lorem ipsum " * (LONG_TEXT_MAX // 12)
    sw = cast.social_worker
    triage(sw, case, "unsettled", rationale=longest)
    case.refresh_from_db()
    casework.case_pathway_set(
        actor=sw, case=case, pathway="rehabilitation", reason=longest, expected_version=None
    )
    goal = casework.goal_add(
        actor=sw,
        case=case,
        domain="employment",
        description="Work",
        owner_agency=cast.agency_a,
        target_date=None,
    )
    casework.goal_update(
        actor=sw,
        goal=goal,
        expected_version=goal.version,
        status="achieved",
        target_date=None,
        outcome=longest,
    )
    referrals.referral_decline(actor=cast.partner, referral=sent(cast, case), reason=longest)
    note(sw, case, "case_team", text=longest)

    response = client_of(sw).get(page_url(case.pk))

    assert response.status_code == 200
    assert len(pdf_pages(response.content)) > 5
    assert pdf_text(response.content).count("Lorem") >= 5 * (LONG_TEXT_MAX // 12)


def test_labels_print_in_the_readers_language_in_a_font_with_cyrillic(cast, case, client_of):
    http = client_of(cast.social_worker)
    http.post(reverse("language"), {"language": "ru", "next": "/"})

    content = http.get(page_url(case.pk)).content

    fonts = set()
    for page in pdf_pages(content):
        page.extract_text(
            visitor_text=lambda text, cm, tm, font, size: (
                text.strip() and fonts.add(str(font.get("/BaseFont")))
            )
        )
    assert "Фамилия" in pdf_text(content)  # "Family name", from the catalogue
    # All text is set in the embedded DejaVu Sans, not in a Latin-only base font.
    assert fonts
    assert all(name.split("+")[-1].startswith("DejaVuSans") for name in fonts), fonts


def test_the_case_page_links_to_the_summary_for_every_reader(cast, world, client_of):
    for role in ("social_worker", "police_liaison", "partner"):
        page = client_of(getattr(cast, role)).get(
            reverse("casework:case_detail", args=[world["case_id"]])
        )
        assert f'href="{page_url(world["case_id"])}"' in page.content.decode(), role


def _case(world):
    from casework.models import Case

    return Case.objects.select_related("returnee").get(pk=world["case_id"])

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Referrals")

    def ready(self) -> None:
        # What referrals add to a case, without casework importing referrals: the
        # grants of an accepted referral, its events in the case timeline and the
        # referral panel on the case page.
        from casework.parts import Part
        from casework.selectors import (
            TimelineKind,
            TimelineSource,
            case_page_section,
            timeline_source,
        )
        from referrals import grants  # noqa: F401  (registers with @relationship)
        from referrals.models import ReferralEvent
        from referrals.selectors import case_referral_panel

        timeline_source(
            TimelineSource(
                kind=TimelineKind.REFERRAL,
                part=Part.REFERRALS,
                rows=lambda case: ReferralEvent.objects.filter(case=case),
                at="at",
                loader=lambda: ReferralEvent.objects.select_related("referral__to_agency", "actor"),
            )
        )
        case_page_section("referral_panel", Part.REFERRALS, case_referral_panel)

        # Unanswered referrals: a reminder to their sender, a section of the digest.
        from notifications.digest import digest_section
        from referrals import reminders  # noqa: F401
        from referrals.selectors import overdue_referral_cases

        digest_section(
            "overdue_referrals",
            _("Referral responses overdue: %(count)s"),
            overdue_referral_cases,
        )

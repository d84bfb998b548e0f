from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = _("Intake")

    def ready(self) -> None:
        # A change of the person's legal status on the case timeline, for the readers of
        # the return and legal part only; the entries are the audit trail's row changes.
        from casework.parts import Part
        from casework.selectors import TimelineKind, TimelineSource, timeline_source
        from intake.selectors import legal_status_changes, legal_status_entries

        timeline_source(
            TimelineSource(
                kind=TimelineKind.LEGAL_STATUS,
                part=Part.RETURN_LEGAL,
                rows=legal_status_changes,
                at="at",
                loader=legal_status_entries,
            )
        )

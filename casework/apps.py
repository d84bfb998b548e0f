from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("Casework")

    def ready(self) -> None:
        # What casework declares to notifications: its review reminders (the module
        # registers them) and its sections of the weekly digest.
        from casework import reminders  # noqa: F401
        from casework.selectors import overdue_review_cases, urgent_flag_cases
        from notifications.digest import digest_section

        digest_section("overdue_reviews", _("Overdue reviews: %(count)s"), overdue_review_cases)
        digest_section("urgent_flags", _("Open urgent flags: %(count)s"), urgent_flag_cases)

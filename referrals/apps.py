from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Referrals")

    def ready(self) -> None:
        # Registers what an accepted referral grants (casework.grants.relationship).
        from casework import grants  # noqa: F401

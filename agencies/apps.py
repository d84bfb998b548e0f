from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = _("Agencies and staff")

    def ready(self) -> None:
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="agencies.sync_roles")


def _sync_roles(sender, using, apps=None, **kwargs):
    # `flush` (between transactional tests) sends no `apps`: use the real registry.
    from django.apps import apps as global_apps

    from agencies.roles import sync_roles

    sync_roles(apps=apps or global_apps, using=using)

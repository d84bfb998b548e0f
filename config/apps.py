from django.contrib.admin.apps import AdminConfig


class HomewardAdminConfig(AdminConfig):
    default_site = "config.admin.HomewardAdminSite"

    def ready(self):
        super().ready()
        from django.contrib import admin
        from rest_framework.authtoken.models import TokenProxy

        # Tokens are issued only by their owner from a verified session (config/accounts.py).
        if admin.site.is_registered(TokenProxy):
            admin.site.unregister(TokenProxy)

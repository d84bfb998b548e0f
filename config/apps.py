from django.contrib.admin.apps import AdminConfig


class HomewardAdminConfig(AdminConfig):
    default_site = "config.admin.HomewardAdminSite"

    def ready(self):
        super().ready()
        from django.contrib.auth.signals import user_logged_in

        from config.language import on_sign_in

        # The stored language choice is copied into the session at sign-in.
        user_logged_in.connect(on_sign_in, dispatch_uid="config.staff_language")
        from django.contrib import admin
        from rest_framework.authtoken.models import TokenProxy

        # Tokens are issued only by their owner from a verified session (config/accounts.py).
        if admin.site.is_registered(TokenProxy):
            admin.site.unregister(TokenProxy)

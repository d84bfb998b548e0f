"""The Django admin: for administrators only (staff members holding the
administrator role; nobody is a superuser), and only with a verified second
factor. It manages users, groups, agencies (with their review cadence), lockouts
and second-factor devices; case content is not registered here, so it is
browsable only through the pages that check object permissions."""

from functools import wraps

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from two_factor.admin import AdminSiteOTPRequiredMixin


class HomewardAdminSite(AdminSiteOTPRequiredMixin, admin.AdminSite):
    site_header = _("Homeward administration")
    site_title = _("Homeward administration")
    index_title = _("Users, agencies and configuration")

    def has_permission(self, request):
        # A staff flag alone does not open the admin: only administrators, verified.
        # What each administrator may then change is their role's model permissions.
        from agencies.models import Role

        user = request.user
        return (
            user.is_active
            and user.is_staff
            and user.is_verified()
            and user.groups.filter(name=Role.ADMINISTRATOR).exists()
        )

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def refuse_the_signed_in(request, *args, **kwargs):
            # Signed in but not an administrator: refuse, rather than ask to sign in
            # again (the sign-in page would send them straight back here).
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return refuse_the_signed_in

    def login(self, request, extra_context=None):
        """The site's own sign-in (password, then the second factor)."""
        if self.has_permission(request):
            return redirect("admin:index")
        if request.user.is_authenticated:
            raise PermissionDenied
        wanted = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
            wanted = reverse("admin:index")
        return redirect_to_login(wanted)

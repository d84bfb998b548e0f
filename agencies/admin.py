from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, Permission, User
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from agencies.roles import PERSON_PERMISSIONS
from agencies.services import agency_create


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    """Administrators manage agencies here; members are edited through the agency's group."""

    list_display = ["name", "kind", "region"]
    list_filter = ["kind", "region"]
    search_fields = ["name"]
    # Jurisdiction changes move police grants: only referrals.services may make them.
    readonly_fields = ["group", "jurisdiction", "created_at", "created_by"]

    def get_readonly_fields(self, request, obj=None):
        # The kind decides what members read (health staff read clinical notes): set
        # once, at creation.
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "kind"] if obj is not None else fields

    def save_model(self, request, obj, form, change):
        if not change:
            # New agencies need their member group: create through the service.
            created = agency_create(
                actor=request.user, name=obj.name, kind=obj.kind, region=obj.region
            )
            obj.pk, obj.group = created.pk, created.group
            return
        super().save_model(request, obj, form, change)


SELF_LOCKED = ["is_active", "is_staff", "groups", "user_permissions"]


class StaffAdmin(UserAdmin):
    """Users without the superuser flag: nobody is a superuser (docs/access.md); what
    someone may do comes from their role and agency groups."""

    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name", "email"]}),
        (
            _("Roles and agencies"),
            {"fields": ["is_active", "is_staff", "groups", "user_permissions"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "groups"]

    def get_readonly_fields(self, request, obj=None):
        # An administrator does not change their own roles, agencies or grants: that
        # would let them give themselves case content, the trail or reports.
        if obj is not None and obj.pk == request.user.pk:
            return [*super().get_readonly_fields(request, obj), *SELF_LOCKED]
        return super().get_readonly_fields(request, obj)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "user_permissions":
            pairs = [name.split(".") for name in PERSON_PERMISSIONS]
            granted = Q(pk__in=[])
            for app_label, codename in pairs:
                granted |= Q(content_type__app_label=app_label, codename=codename)
            kwargs["queryset"] = Permission.objects.filter(granted)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class RoleAndAgencyGroupAdmin(GroupAdmin):
    """Groups are roles (their permissions set by referrals/roles.py at every migrate)
    and agencies (created with their agency): shown, not edited here."""

    readonly_fields = ["name", "permissions"]


admin.site.unregister(User)
admin.site.register(User, StaffAdmin)
admin.site.unregister(Group)
admin.site.register(Group, RoleAndAgencyGroupAdmin)

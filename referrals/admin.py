from django.contrib import admin

from referrals.models import Agency
from referrals.services import agency_create


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    """Administrators manage agencies here; members are edited through the agency's group."""

    list_display = ["name", "kind", "region"]
    list_filter = ["kind", "region"]
    search_fields = ["name"]
    # Jurisdiction changes move police grants: only referrals.services may make them.
    readonly_fields = ["group", "jurisdiction", "created_at", "created_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            # New agencies need their member group: create through the service.
            created = agency_create(
                actor=request.user, name=obj.name, kind=obj.kind, region=obj.region
            )
            obj.pk, obj.group = created.pk, created.group
            return
        super().save_model(request, obj, form, change)

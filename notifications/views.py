from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.pages import page_of
from notifications import services
from notifications.forms import EmailPreferencesForm
from notifications.models import Notification, NotificationKind

METHODS = ["GET", "POST"]


@login_required
@require_http_methods(METHODS)
def notification_preferences(request):
    muted = set(
        request.user.email_preferences.filter(send_email=False).values_list("kind", flat=True)
    )
    emailed = [kind for kind in NotificationKind.values if kind not in muted]
    # Bound for any POST: a post with every box unticked has no data, yet it is a choice.
    form = EmailPreferencesForm(
        request.POST if request.method == "POST" else None, initial={"email": emailed}
    )
    if request.method == "POST" and form.is_valid():
        wanted = set(form.cleaned_data["email"])
        services.email_preferences_set(
            actor=request.user,
            enabled={kind: kind in wanted for kind in NotificationKind.values},
        )
        messages.success(request, _("Email preferences saved."))
        return redirect("notification_preferences")
    status = 400 if request.method == "POST" else 200
    return render(request, "notifications/preferences.html", {"form": form}, status=status)


@login_required
@require_http_methods(METHODS)
def notifications(request):
    mine = Notification.objects.filter(recipient=request.user)
    if request.method == "POST":
        services.notifications_mark_read(actor=request.user)
        return redirect("notifications")
    page, _query = page_of(request, mine.select_related("case", "flag"), 50)
    return render(request, "notifications/notifications.html", {"page": page})

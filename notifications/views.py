from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.pages import page_of
from notifications import services
from notifications.forms import EmailPreferencesForm, NotificationFilterForm
from notifications.models import Notification, NotificationKind
from notifications.selectors import email_preferences_of, notifications_of

METHODS = ["GET", "POST"]


@login_required
@require_http_methods(METHODS)
def notification_preferences(request):
    emailed = [kind for kind, send in email_preferences_of(request.user).items() if send]
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
    """The person's notifications, filtered by kind (and unread) in SQL; a POST marks
    them all read, from this page or from the bell on any page (`next`)."""
    if request.method == "POST":
        services.notifications_mark_read(actor=request.user)
        # Back to the page the bell was on: a path of this site, nothing else.
        back = request.POST.get("next", "")
        if not back.startswith("/") or not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = reverse("notifications")
        return HttpResponseRedirect(back)
    form = NotificationFilterForm(request.GET)
    if form.is_valid():
        mine = notifications_of(
            request.user,
            kind=form.cleaned_data["kind"] or None,
            unread=form.cleaned_data["unread"],
        )
        status = 200
    else:
        mine, status = Notification.objects.none(), 400
    page, query = page_of(request, mine.select_related("case", "flag"), 50)
    return render(
        request,
        "notifications/notifications.html",
        {"page": page, "query": query, "filter_form": form},
        status=status,
    )

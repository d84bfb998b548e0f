from django.urls import path

from referrals import views

app_name = "referrals"

urlpatterns = [
    # Receiving side: the referrals and lead transfers addressed to the user's agencies.
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:referral_id>/accept/", views.incoming_accept, name="incoming_accept"),
    path("inbox/<int:referral_id>/decline/", views.incoming_decline, name="incoming_decline"),
    path("inbox/<int:referral_id>/progress/", views.incoming_progress, name="incoming_progress"),
    path("inbox/<int:referral_id>/complete/", views.incoming_complete, name="incoming_complete"),
    path("transfers/<int:transfer_id>/accept/", views.transfer_accept, name="transfer_accept"),
    path("transfers/<int:transfer_id>/decline/", views.transfer_decline, name="transfer_decline"),
    # Sending side.
    path("sent/", views.outgoing, name="outgoing"),
    path("cases/<int:case_id>/new/", views.referral_new, name="referral_new"),
    path("cases/<int:case_id>/<int:referral_id>/send/", views.referral_send, name="referral_send"),
    path(
        "cases/<int:case_id>/<int:referral_id>/cancel/",
        views.referral_cancel,
        name="referral_cancel",
    ),
    path(
        "cases/<int:case_id>/<int:referral_id>/revoke/",
        views.referral_revoke,
        name="referral_revoke",
    ),
    path("cases/<int:case_id>/consent/", views.consent_new, name="consent_new"),
    path("cases/<int:case_id>/transfer/", views.transfer_offer, name="transfer_offer"),
    path(
        "cases/<int:case_id>/transfer/<int:transfer_id>/withdraw/",
        views.transfer_withdraw,
        name="transfer_withdraw",
    ),
    # Police liaisons and case teams.
]

from django.urls import path

from referrals import apis

CASE = "cases/<int:case_id>/"
REFERRAL = "referrals/<int:referral_id>/"
TRANSFER = "lead-transfers/<int:transfer_id>/"

urlpatterns = [
    path(f"{CASE}referrals/", apis.CaseReferralsApi.as_view(), name="api-case-referrals"),
    path(f"{CASE}consents/", apis.CaseConsentsApi.as_view(), name="api-case-consents"),
    path(
        f"{CASE}lead-transfer/", apis.CaseLeadTransferApi.as_view(), name="api-case-lead-transfer"
    ),
    path("referrals/inbox/", apis.ReferralInboxApi.as_view(), name="api-referral-inbox"),
    path("referrals/sent/", apis.ReferralSentApi.as_view(), name="api-referral-sent"),
    path(REFERRAL, apis.ReferralDetailApi.as_view(), name="api-referral-detail"),
    path(f"{REFERRAL}send/", apis.ReferralSendApi.as_view(), name="api-referral-send"),
    path(f"{REFERRAL}accept/", apis.ReferralAcceptApi.as_view(), name="api-referral-accept"),
    path(f"{REFERRAL}decline/", apis.ReferralDeclineApi.as_view(), name="api-referral-decline"),
    path(f"{REFERRAL}progress/", apis.ReferralProgressApi.as_view(), name="api-referral-progress"),
    path(f"{REFERRAL}complete/", apis.ReferralCompleteApi.as_view(), name="api-referral-complete"),
    path(f"{REFERRAL}cancel/", apis.ReferralCancelApi.as_view(), name="api-referral-cancel"),
    path(f"{REFERRAL}revoke/", apis.ReferralRevokeApi.as_view(), name="api-referral-revoke"),
    path(
        f"{TRANSFER}accept/", apis.LeadTransferAcceptApi.as_view(), name="api-lead-transfer-accept"
    ),
    path(
        f"{TRANSFER}decline/",
        apis.LeadTransferDeclineApi.as_view(),
        name="api-lead-transfer-decline",
    ),
    path(
        f"{TRANSFER}cancel/", apis.LeadTransferCancelApi.as_view(), name="api-lead-transfer-cancel"
    ),
    path(
        "referrals/transfers/",
        apis.LeadTransferOfferedListApi.as_view(),
        name="api-lead-transfers-offered",
    ),
]

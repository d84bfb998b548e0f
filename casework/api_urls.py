from django.urls import path

from casework import apis

CASE = "cases/<int:case_id>/"

urlpatterns = [
    path("cases/", apis.CaseListApi.as_view(), name="api-case-list"),
    path("flags/board/", apis.FlagBoardApi.as_view(), name="api-flags-board"),
    path("cases/reassign/", apis.CasesReassignApi.as_view(), name="api-cases-reassign"),
    path("cases/hand-over/", apis.HandOverApi.as_view(), name="api-cases-hand-over"),
    path(CASE, apis.CaseDetailApi.as_view(), name="api-case-detail"),
    path(f"{CASE}triage/", apis.TriageApi.as_view(), name="api-case-triage"),
    path(
        f"{CASE}triage/<int:assessment_id>/decision/",
        apis.TriageDecisionApi.as_view(),
        name="api-case-triage-decision",
    ),
    path(f"{CASE}pathway/", apis.CasePathwayApi.as_view(), name="api-case-pathway"),
    path(f"{CASE}assign/", apis.CaseAssignApi.as_view(), name="api-case-assign"),
    path(f"{CASE}custody/", apis.CustodyApi.as_view(), name="api-case-custody"),
    path(
        f"{CASE}custody/<int:episode_id>/end/",
        apis.CustodyEndApi.as_view(),
        name="api-case-custody-end",
    ),
    path(f"{CASE}goals/", apis.GoalsApi.as_view(), name="api-case-goals"),
    path(f"{CASE}goals/<int:goal_id>/", apis.GoalUpdateApi.as_view(), name="api-case-goal"),
    path(f"{CASE}notes/", apis.NotesApi.as_view(), name="api-case-notes"),
    path(f"{CASE}notes/<int:note_id>/", apis.NoteDetailApi.as_view(), name="api-case-note"),
    path(
        f"{CASE}notes/<int:note_id>/amend/",
        apis.NoteAmendApi.as_view(),
        name="api-case-note-amend",
    ),
    path(f"{CASE}flags/", apis.FlagsApi.as_view(), name="api-case-flags"),
    path(
        f"{CASE}flags/<int:flag_id>/acknowledge/",
        apis.FlagAcknowledgeApi.as_view(),
        name="api-case-flag-acknowledge",
    ),
    path(
        f"{CASE}flags/<int:flag_id>/resolve/",
        apis.FlagResolveApi.as_view(),
        name="api-case-flag-resolve",
    ),
    path(f"{CASE}reviews/", apis.ReviewsApi.as_view(), name="api-case-reviews"),
    path(
        f"{CASE}followups/<int:followup_id>/",
        apis.FollowUpCompleteApi.as_view(),
        name="api-case-followup",
    ),
    path(f"{CASE}close/", apis.CaseCloseApi.as_view(), name="api-case-close"),
    path(f"{CASE}reopen/", apis.CaseReopenApi.as_view(), name="api-case-reopen"),
    path(f"{CASE}timeline/", apis.TimelineApi.as_view(), name="api-case-timeline"),
    path("staff/", apis.StaffListApi.as_view(), name="api-staff"),
    path(
        "staff/<int:user_id>/deactivate/",
        apis.StaffDeactivateApi.as_view(),
        name="api-staff-deactivate",
    ),
    path(f"{CASE}access-log/", apis.CaseAccessLogApi.as_view(), name="api-case-access-log"),
]

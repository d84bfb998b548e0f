from django.urls import path

from casework import views

app_name = "casework"

urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("flags/", views.flags_board, name="flags_board"),
    path("reassign/", views.caseload_reassign, name="caseload_reassign"),
    path("staff/", views.staff, name="staff"),
    path("staff/<int:user_id>/deactivate/", views.staff_deactivate, name="staff_deactivate"),
    path("staff/<int:user_id>/hand-over/", views.hand_over, name="hand_over"),
    path("<int:case_id>/", views.case_detail, name="case_detail"),
    path("<int:case_id>/timeline/", views.case_timeline, name="timeline"),
    path("<int:case_id>/triage/", views.triage_new, name="triage_new"),
    path(
        "<int:case_id>/triage/<int:assessment_id>/decision/",
        views.triage_decide,
        name="triage_decide",
    ),
    path("<int:case_id>/pathway/", views.pathway_set, name="pathway_set"),
    path("<int:case_id>/assign/", views.case_assign, name="case_assign"),
    path("<int:case_id>/custody/", views.custody_start, name="custody_start"),
    path("<int:case_id>/custody/<int:episode_id>/end/", views.custody_end, name="custody_end"),
    path("<int:case_id>/goals/new/", views.goal_new, name="goal_new"),
    path("<int:case_id>/goals/<int:goal_id>/", views.goal_edit, name="goal_edit"),
    path("<int:case_id>/notes/new/", views.note_new, name="note_new"),
    path("<int:case_id>/notes/<int:note_id>/amend/", views.note_amend, name="note_amend"),
    path("<int:case_id>/flags/new/", views.flag_new, name="flag_new"),
    path(
        "<int:case_id>/flags/<int:flag_id>/acknowledge/",
        views.flag_acknowledge,
        name="flag_acknowledge",
    ),
    path("<int:case_id>/flags/<int:flag_id>/resolve/", views.flag_resolve, name="flag_resolve"),
    path("<int:case_id>/review/", views.review_new, name="review_new"),
    path("<int:case_id>/close/", views.case_close, name="case_close"),
    path("<int:case_id>/reopen/", views.case_reopen, name="case_reopen"),
    path(
        "<int:case_id>/followups/<int:followup_id>/",
        views.followup_complete,
        name="followup_complete",
    ),
    path("<int:case_id>/access-log/", views.case_access_log, name="case_access_log"),
]

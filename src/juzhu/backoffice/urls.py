from django.urls import include, path

from juzhu.backoffice import manage, views

app_name = "backoffice"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/code/", views.code_view, name="code"),
    path("logout/", views.logout_view, name="logout"),
    path("", views.home, name="home"),
    path("queues/<slug:key>/", views.queue, name="queue"),
    path("applications/<uuid:pk>/", views.application, name="application"),
    path("applications/<uuid:pk>/claim", views.claim_application, name="application_claim"),
    path("appeals/<uuid:pk>/", views.appeal, name="appeal"),
    path("appeals/<uuid:pk>/claim", views.claim_appeal, name="appeal_claim"),
    path("permits/<uuid:pk>/claim", views.claim_permit, name="permit_claim"),
    path("letters/<uuid:pk>/", views.letter_html, name="letter"),
    path("letters/<uuid:pk>.pdf", views.letter_pdf, name="letter_pdf"),
    path("letters/<uuid:pk>.pdf.seal", views.letter_seal, name="letter_seal"),
    path("manage/", manage.manage, name="manage"),
    path("manage/offices/<int:office_id>/", manage.office_edit, name="manage_office"),
    path("manage/days/", manage.override_add, name="manage_override_add"),
    path("manage/days/<str:day>/delete", manage.override_delete, name="manage_override_delete"),
    # each part of the back office adds its own routes in its own module
    path("", include("juzhu.backoffice.acceptance.urls")),
    path("", include("juzhu.backoffice.decisions.urls")),
    path("", include("juzhu.backoffice.oversight.urls")),
    path("", include("juzhu.backoffice.parties.urls")),
    path("", include("juzhu.backoffice.ratings")),
]

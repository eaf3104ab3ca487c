"""Routes of the oversight part: appeal steps, search, person, dashboard, audit."""

from django.urls import path

from juzhu.backoffice.oversight import views as v

urlpatterns = [
    path("appeals/<uuid:pk>/accept", v.appeal_accept, name="appeal_accept"),
    path("appeals/<uuid:pk>/reject", v.appeal_reject, name="appeal_reject"),
    path("appeals/<uuid:pk>/withdraw", v.appeal_withdraw, name="appeal_withdraw"),
    path("appeals/<uuid:pk>/decide", v.appeal_decide, name="appeal_decide"),
    path("permits/<uuid:pk>/appeals/record", v.permit_appeal_record, name="permit_appeal_record"),
    path("search/", v.search, name="search"),
    path("people/<uuid:pk>/", v.person, name="person"),
    path("people/<uuid:pk>/registration", v.person_registration, name="person_registration"),
    path("dashboard/", v.dashboard, name="dashboard"),
    path("audit/", v.audit, name="audit"),
]

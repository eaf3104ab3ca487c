"""Acceptance routes (受理): materials check, accept, one-time notice, 容缺, supplement,
uploads, counter intake. Included under /office/ in the ``backoffice`` namespace."""

from django.urls import URLPattern, path

from juzhu.backoffice.acceptance import registration
from juzhu.backoffice.acceptance import views as v

urlpatterns: list[URLPattern] = [
    path("applications/<uuid:pk>/acceptance/", v.acceptance_page, name="acceptance"),
    path("applications/<uuid:pk>/uploads/<uuid:upload>/", v.upload_file, name="application_upload"),
    path("applications/<uuid:pk>/accept", v.accept, name="application_accept"),
    path("applications/<uuid:pk>/notice", v.notice, name="application_notice"),
    path("applications/<uuid:pk>/amend", v.amend, name="application_amend"),
    path("applications/<uuid:pk>/supplement", v.supplement, name="application_supplement"),
    path("counter/intake/", v.intake, name="intake"),
    path(
        "counter/registration/",
        registration.counter_registration,
        name="counter_registration",
    ),
]

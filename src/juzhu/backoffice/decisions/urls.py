"""Routes of the county bureau's decisions (included under /office/, namespace backoffice)."""

from django.urls import URLPattern, path

from juzhu.backoffice.decisions import views as v

urlpatterns: list[URLPattern] = [
    path("applications/<uuid:pk>/decide", v.decide, name="application_decide"),
    path("applications/<uuid:pk>/approve", v.approve, name="application_approve"),
    path("applications/<uuid:pk>/refuse", v.refuse, name="application_refuse"),
    path("applications/<uuid:pk>/intend", v.intend, name="application_intend"),
    path("applications/<uuid:pk>/production", v.start_production, name="application_production"),
    path("applications/<uuid:pk>/ready", v.mark_ready, name="application_ready"),
    path("applications/<uuid:pk>/collect", v.collect, name="application_collect"),
    path("permits/<uuid:pk>/", v.permit, name="permit"),
    path("permits/<uuid:pk>/cancel/preview", v.cancel_preview, name="permit_cancel_preview"),
    path("permits/<uuid:pk>/cancel", v.cancel_confirm, name="permit_cancel"),
    path("permits/<uuid:pk>/intend", v.permit_intend, name="permit_intend"),
]

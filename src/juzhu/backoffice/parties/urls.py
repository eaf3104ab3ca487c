"""Routes of the relying-party pages (admin role)."""

from django.urls import path

from juzhu.backoffice.parties import views as v

urlpatterns = [
    path("parties/", v.parties, name="parties"),
    path("parties/new", v.party_new, name="party_new"),
    path("parties/<uuid:party_id>/", v.party, name="party"),
    path("parties/<uuid:party_id>/keys", v.key_issue, name="party_key_issue"),
    path(
        "parties/<uuid:party_id>/keys/<slug:prefix>/revoke", v.key_revoke, name="party_key_revoke"
    ),  # fmt: skip
    path("parties/<uuid:party_id>/suspend", v.party_suspend, name="party_suspend"),
    path("parties/<uuid:party_id>/resume", v.party_resume, name="party_resume"),
    path("parties/<uuid:party_id>/withdraw", v.party_withdraw, name="party_withdraw"),
]

from django.urls import path

from juzhu.portal import (
    letters,
    phone,
    registration,
    signup,
    views,
    views_apply,
    views_consent,
    views_mydata,
)

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("mode/", views.set_mode, name="mode"),
    path("lang/", views.set_language, name="lang"),
    path("planner/", views.planner_start, name="planner"),
    path("planner/restart/", views.planner_restart, name="planner_restart"),
    path("planner/q/<slug:page>/", views.question, name="question"),
    path("planner/plan/", views.plan, name="plan"),
    path("planner/plan.pdf", views.plan_pdf, name="plan_pdf"),
    path("login/", views.login, name="login"),
    path("signup/", signup.signup, name="signup"),
    path("login/code/", views.login_code, name="login_code"),
    path("login/resend/", views.login_resend, name="login_resend"),
    path("logout/", views.logout, name="logout"),
    path("me/", views.me, name="me"),
    path("me/permits/<uuid:permit_id>/", views.permit_detail, name="permit"),
    path("me/permits/<uuid:permit_id>/answer/", views.permit_answer, name="permit_answer"),
    path("me/inbox/", views.inbox, name="inbox"),
    path("me/checks/", views_mydata.checks, name="checks"),
    path("me/data/", views_mydata.my_data, name="my_data"),
    path("me/data/my-data.json", views_mydata.my_data_json, name="my_data_json"),
    path("me/data/my-data.html", views_mydata.my_data_html, name="my_data_html"),
    path("me/registration/", registration.registration, name="registration"),
    path(
        "me/registration/<uuid:pk>/certificate.pdf",
        registration.certificate,
        name="registration_certificate",
    ),
    path("r/<str:token>/", registration.check, name="registration_check"),
    path("me/phone/", phone.change_phone, name="phone"),
    path("me/letters/", letters.letter_list, name="letters"),
    path("me/letters/<uuid:pk>/", letters.letter_html, name="letter"),
    path("me/letters/<uuid:pk>.pdf", letters.letter_pdf, name="letter_pdf"),
    path("me/letters/<uuid:pk>.pdf.seal", letters.letter_seal, name="letter_seal"),
    path("me/epermit/", views.epermit, name="epermit"),
    path("me/consent/", views_consent.consent, name="consent"),
    path("me/consent/lock/", views_consent.consent_lock, name="consent_lock"),
    path("me/consent/withdraw/", views_consent.consent_withdraw, name="consent_withdraw"),
    path("me/permits/<uuid:permit_id>/appeal/", views_apply.appeal_new, name="appeal_new"),
    path("me/appeals/<uuid:appeal_id>/", views_apply.appeal_detail, name="appeal"),
    path("me/appeals/<uuid:appeal_id>/draft.pdf", views_apply.appeal_pdf, name="appeal_pdf"),
    path("e/", views.epermit_public, name="epermit_public"),
    path("me/apply/", views_apply.start, name="apply"),
    path("me/apply/<uuid:draft_id>/materials/", views_apply.materials, name="apply_materials"),
    path("me/apply/<uuid:draft_id>/check/", views_apply.check, name="apply_check"),
    path("me/apply/<uuid:draft_id>/<slug:step>/", views_apply.step, name="apply_step"),
    path("me/applications/<uuid:app_id>/", views_apply.application, name="application"),
    path(
        "me/applications/<uuid:app_id>/withdraw/", views_apply.withdraw, name="application_withdraw"
    ),
    path("me/applications/<uuid:app_id>/answer/", views_apply.answer, name="application_answer"),
    path("me/applications/<uuid:app_id>/rate/", views_apply.rate, name="application_rate"),
    path(
        "me/applications/<uuid:app_id>/appeal/", views_apply.appeal_refusal, name="appeal_refusal"
    ),
]

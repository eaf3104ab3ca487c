from django.contrib import admin
from django.urls import include, path

from juzhu.config.api import api
from juzhu.registry import views as registry_views

urlpatterns = [
    path("", registry_views.landing, name="landing"),
    path("healthz", registry_views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("portal/", include("juzhu.portal.urls")),
    path("office/", include("juzhu.backoffice.urls")),
    path("api/", api.urls),
    # the step-up challenge's images (django-simple-captcha); the admin above answers 404
    # unless JUZHU_ADMIN=1 (registry/admin.py)
    path("captcha/", include("captcha.urls")),
]

handler404 = "juzhu.config.errors.page_not_found"
handler500 = "juzhu.config.failure.server_error"  # 503/409/507 for the failures it knows

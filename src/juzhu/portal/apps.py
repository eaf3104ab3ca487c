from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "juzhu.portal"
    label = "portal"
    verbose_name = "居民门户 citizen portal"
    default_auto_field = "django.db.models.BigAutoField"

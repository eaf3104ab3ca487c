from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "juzhu.backoffice"
    label = "backoffice"
    verbose_name = "back office"
    default_auto_field = "django.db.models.BigAutoField"

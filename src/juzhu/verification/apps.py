from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "juzhu.verification"
    label = "verification"
    verbose_name = "核验 Verification"
    default_auto_field = "django.db.models.BigAutoField"

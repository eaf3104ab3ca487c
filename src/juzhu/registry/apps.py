from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "juzhu.registry"
    label = "registry"
    verbose_name = "居住证登记簿 Registry"
    default_auto_field = "django.db.models.BigAutoField"

from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "juzhu.verification"
    label = "verification"
    verbose_name = "核验 Verification"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # what dropping a month of the verification log must check and keep (ADR 11)
        from juzhu.registry import partitions
        from juzhu.verification import seals

        partitions.HOOKS["verification_verification"] = partitions.Hooks(
            refusal=seals.retirement_refusal, resume=seals.resume_after, covering=seals.covering
        )

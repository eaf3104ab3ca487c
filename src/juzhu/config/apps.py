"""django-simple-captcha installed without its translations.

Its catalogs carry Django's own messages too ("This field is required." as 这个字段是必须的),
and an installed app's catalog outranks Django's: every form of the service would change
its words. We use only its challenge store and image view (``registry/abuse.py``; our own
templates say the rest), so the app is installed with its ``path`` pointed here, where
there is no ``locale`` folder. Models and migrations are found by module, not by path.
"""

from __future__ import annotations

from pathlib import Path

from django.apps import AppConfig


class StepUpCaptchaConfig(AppConfig):
    name = "captcha"
    label = "captcha"
    verbose_name = "step-up challenge (CAPTCHA)"
    path = str(Path(__file__).resolve().parent)
    default_auto_field = "django.db.models.AutoField"

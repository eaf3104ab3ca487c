"""The WSGI application gunicorn serves (``juzhu serve``): Django, with the verify dispatch
in front of it for the common verification (``juzhu.verification.dispatch``; everything
else, and every refusal, is Django's)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "juzhu.config.settings")
django_application = get_wsgi_application()

from juzhu.verification.dispatch import VerifyDispatch  # noqa: E402  (needs Django set up)

application = VerifyDispatch(django_application)

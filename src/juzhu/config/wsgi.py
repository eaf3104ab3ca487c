"""The WSGI application: Django, with the verify dispatch in front of it for the common
verification (``juzhu.verification.dispatch``; everything else, and every refusal, is
Django's). ``juzhu serve`` runs it in threads behind ``asgi.py``, which answers the common
verification on its event loop first; any WSGI server can serve it alone."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "juzhu.config.settings")
django_application = get_wsgi_application()

from juzhu.config import db_watchdog  # noqa: E402  (needs Django set up)
from juzhu.verification.dispatch import VerifyDispatch  # noqa: E402

db_watchdog.install()  # a database that stops answering fails a request, never hangs it

application = VerifyDispatch(django_application)

"""The application ``juzhu serve`` runs (uvicorn, uvloop + httptools): the common
verification and the holder's status page answered on the event loop
(``juzhu.verification.asgi``, ``juzhu.portal.asgi``), everything else by Django — the WSGI
application in ``wsgi.py`` — in a pool of threads (``a2wsgi``).

``JUZHU_THREADS``: Django's threads per process (``juzhu serve --threads``).
``JUZHU_VERIFY_POOL``: database connections per process for the event-loop paths."""

import os

from a2wsgi import WSGIMiddleware

from juzhu.config.wsgi import application as wsgi_application
from juzhu.portal.asgi import AsyncPortalPages
from juzhu.verification.asgi import AsyncVerifyDispatch, LazyPool

pool = LazyPool(int(os.environ.get("JUZHU_VERIFY_POOL", "16")))
# a2wsgi types the WSGI environ and the ASGI scope as TypedDicts; Django and the
# event-loop paths take plain mappings.
django = WSGIMiddleware(wsgi_application, workers=int(os.environ.get("JUZHU_THREADS", "4")))  # type: ignore[arg-type]
application = AsyncVerifyDispatch(AsyncPortalPages(django, pool), pool=pool)  # type: ignore[arg-type]

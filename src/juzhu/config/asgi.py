"""The application ``juzhu serve`` runs (uvicorn, uvloop + httptools): the common
verification answered on the event loop (``juzhu.verification.asgi``), everything else by
Django — the WSGI application in ``wsgi.py`` — in a pool of threads (``a2wsgi``).

``JUZHU_THREADS``: Django's threads per process (``juzhu serve --threads``).
``JUZHU_VERIFY_POOL``: database connections per process for the verification path."""

import os

from a2wsgi import WSGIMiddleware

from juzhu.config.wsgi import application as wsgi_application
from juzhu.verification.asgi import AsyncVerifyDispatch

application = AsyncVerifyDispatch(
    # a2wsgi types the WSGI environ and the ASGI scope as TypedDicts; Django and
    # AsyncVerifyDispatch take plain mappings.
    WSGIMiddleware(wsgi_application, workers=int(os.environ.get("JUZHU_THREADS", "4"))),  # type: ignore[arg-type]
    pool_size=int(os.environ.get("JUZHU_VERIFY_POOL", "16")),
)

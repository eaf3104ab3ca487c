"""HTML to PDF (WeasyPrint) with a URL fetcher that reaches nothing outside the project.

WeasyPrint's default fetcher follows any URL a document names: ``file:///etc/passwd`` in an
``<img>``, ``http://169.254.169.254/…`` (server-side request forgery), a ``ftp:`` link. A
name or address that slipped into a template unescaped would make the PDF renderer read the
server's files or call internal services. ``SafeFetcher`` serves only ``data:`` URIs and
files under the project's own static directories (``STATIC_ROOTS``); everything else is
refused (WeasyPrint then leaves the resource out and logs a warning). Fonts come from
fontconfig, not from URLs, so they are unaffected.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

# The static directories of the project's apps (CSS, images the documents may embed).
STATIC_ROOTS: tuple[Path, ...] = tuple(
    p.resolve() for p in Path(__file__).resolve().parents[1].glob("*/static") if p.is_dir()
)


class RefusedURL(ValueError):
    """A PDF resource outside the project (any scheme but data:, or a file elsewhere)."""


def allowed(url: str) -> Path | None:
    """The project file ``url`` names, or ``None`` when it must not be fetched."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "file":
        return None
    path = Path(unquote(parts.path)).resolve()
    inside = any(path.is_relative_to(root) for root in STATIC_ROOTS)
    return path if inside and path.is_file() else None


@cache
def safe_fetcher_class() -> type[Any]:
    """``SafeFetcher``: WeasyPrint's fetcher (a heavy import, so made on first use) limited
    to ``data:`` URIs and the project's static files; no network, no other file."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class SafeFetcher(URLFetcher):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(  # type: ignore[no-untyped-call]
                allowed_protocols=("data",), allow_redirects=False, **kwargs
            )

        def fetch(self, url: str, headers: Any = None) -> Any:
            if urlsplit(url).scheme.lower() == "data":
                return super().fetch(url, headers)  # type: ignore[no-untyped-call]
            path = allowed(url)
            if path is None:
                raise RefusedURL(f"PDF resource refused (not a project static file): {url[:80]}")
            return URLFetcherResponse(path.as_uri(), path.read_bytes())

    return SafeFetcher


def html_to_pdf(html: str) -> bytes:
    """Render ``html`` (already escaped by the template engine) to PDF bytes."""
    from weasyprint import HTML  # heavy import (Pango, HarfBuzz): only when a PDF is asked for

    pdf: bytes = HTML(string=html, url_fetcher=safe_fetcher_class()()).write_pdf()
    return pdf

"""The PDF renderer reaches nothing outside the project (issue 14: "WeasyPrint uses its
default URL fetcher"; part of T10, stored content in documents).

Proves: HTML handed to WeasyPrint that names ``file:///etc/passwd``, a file elsewhere on the
disk or an ``http://`` URL (a loopback server that counts its hits) gets none of them: the
file is not embedded and the server sees 0 requests; a ``data:`` image and the project's own
static files still work. Fails when ``html_to_pdf`` goes back to WeasyPrint's default
fetcher (the local image would be embedded, the server would be hit).
"""

from __future__ import annotations

import base64
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from juzhu.registry.pdf import STATIC_ROOTS, allowed, html_to_pdf

# a 1×1 PNG
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAghcHYgAAAABJRU5ErkJggg=="
)


def images_in(pdf: bytes) -> int:
    return pdf.count(b"/Subtype /Image")


@pytest.fixture()
def server() -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(PNG)

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", hits
    finally:
        httpd.shutdown()


def test_file_and_http_urls_are_not_fetched(tmp_path: Path, server: tuple[str, list[str]]) -> None:
    base, hits = server
    secret = tmp_path / "secret.png"
    secret.write_bytes(PNG)
    html = (
        "<p>x</p>"
        '<img src="file:///etc/passwd">'
        f'<img src="{secret.as_uri()}">'
        f'<img src="{base}/metadata.png">'
        f'<link rel="stylesheet" href="{base}/style.css">'
        f"<div style=\"background: url('{base}/bg.png')\">y</div>"
    )
    pdf = html_to_pdf(html)
    assert pdf.startswith(b"%PDF")
    assert hits == []  # no request left the renderer
    assert images_in(pdf) == 0  # the local file was not read into the PDF
    assert allowed("file:///etc/passwd") is None and allowed(secret.as_uri()) is None


def test_data_uris_and_the_project_s_static_files_still_render(tmp_path: Path) -> None:
    data = "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert images_in(html_to_pdf(f'<img src="{data}">')) >= 1
    css = next(p for root in STATIC_ROOTS for p in root.rglob("*.css"))
    assert allowed(css.as_uri()) == css.resolve()
    # a path that climbs out of a static directory is outside it
    assert allowed((css.parent / ".." / ".." / ".." / "pdf.py").as_uri()) is None

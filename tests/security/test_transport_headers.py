"""Issue 14 findings "no Secure cookies, HSTS or CSP" and "``sslmode`` ignored on the asyncpg
pool" (security.md §6 T27's ``check --deploy``; ASVS 3.4.1, 14.4.3, 12.3.1 / row 34):

- production settings send HSTS, Secure session and CSRF cookies, redirect http to https;
- every HTML page carries a real Content-Security-Policy (scripts from our origin only);
- the verification fast path's asyncpg pool uses the TLS mode ``DATABASE_URL`` asks for.
"""

from __future__ import annotations

import base64
import json
import os
import ssl
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from fixtures.aio import run_async
from juzhu.config import keys
from juzhu.verification import asgi

SRC = Path(__file__).resolve().parents[2] / "src"

PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
c = Client()
page = c.get("/office/login/", secure=True)
plain = c.get("/office/login/")
print(json.dumps({
    "session_secure": settings.SESSION_COOKIE_SECURE,
    "csrf_secure": settings.CSRF_COOKIE_SECURE,
    "hsts": page.headers.get("Strict-Transport-Security", ""),
    "csp": page.headers.get("Content-Security-Policy", ""),
    "cookie": page.cookies.output(),
    "plain": [plain.status_code, plain.headers.get("Location", "")],
}))
"""


def probe(tmp_path: Path, **env: str) -> dict[str, Any]:
    base = {
        "PATH": os.environ["PATH"], "PYTHONPATH": str(SRC), "JUZHU_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "juzhu.config.settings", "JUZHU_SECRET_KEY": "s" * 50,
        **{n: base64.b64encode(os.urandom(32)).decode() for n in keys.RAW_32},
    }  # fmt: skip
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env={**base, **env}, capture_output=True, text=True,
        timeout=120, check=True,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def test_production_sends_hsts_secure_cookies_and_redirects_http(tmp_path: Path) -> None:
    """Fails if any of SESSION_COOKIE_SECURE, CSRF_COOKIE_SECURE, SECURE_HSTS_SECONDS or
    SECURE_SSL_REDIRECT is off in production (the default environment)."""
    got = probe(tmp_path)
    assert got["session_secure"] and got["csrf_secure"]
    assert got["hsts"].startswith("max-age=31536000") and "includeSubDomains" in got["hsts"]
    assert "csrftoken=" in got["cookie"] and "Secure" in got["cookie"]
    assert got["plain"] == [301, "https://testserver/office/login/"]
    assert "script-src 'self'" in got["csp"]


def test_development_keeps_plain_http_for_make_run(tmp_path: Path) -> None:
    got = probe(tmp_path, JUZHU_ENV="development")
    assert not got["session_secure"] and got["hsts"] == "" and got["plain"][0] == 200


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/portal/", "/office/login/", "/admin/login/", "/api/docs"])
def test_every_html_page_carries_a_content_security_policy(client: Client, path: str) -> None:
    """Fails without django-csp's middleware or with inline scripts allowed."""
    response = client.get(path, follow=True)
    assert response["Content-Type"].startswith("text/html")
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert policy["default-src"] == "'self'" and policy["base-uri"] == "'none'"


@pytest.mark.parametrize("path", ["portal/jinja2", "backoffice/templates", "registry/templates"])
def test_no_template_has_an_inline_script_the_policy_would_block(path: str) -> None:
    """script-src 'self' blocks inline scripts and event handlers: none may exist."""
    import re

    pages = sorted((SRC / "juzhu" / path).rglob("*.html"))
    assert pages, f"no templates under {path}: the check would pass on nothing"
    for html in pages:
        text = html.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag or "application/json" in tag, f"{html}: inline {tag}"
        assert not re.search(r"\son[a-z]+\s*=", text), f"{html}: an inline event handler"
        assert "javascript:" not in text, html


# -- TLS to the database on the fast path --------------------------------------------------


def test_sslmode_reaches_the_asyncpg_pool() -> None:
    assert asgi.ssl_argument({}) is None
    assert asgi.ssl_argument({"sslmode": "require"}) == "require"
    assert asgi.ssl_argument({"sslmode": "verify-full"}) == "verify-full"
    context = asgi.ssl_argument({"sslmode": "verify-full", "sslrootcert": ssl.get_default_verify_paths().cafile or _any_ca()})  # fmt: skip
    assert isinstance(context, ssl.SSLContext) and context.check_hostname
    assert context.verify_mode == ssl.CERT_REQUIRED


def _any_ca() -> str:
    for candidate in ("/etc/ssl/certs/ca-certificates.crt", "/etc/ssl/cert.pem"):
        if Path(candidate).exists():
            return candidate
    pytest.skip("no CA bundle on this machine")


@pytest.mark.django_db
def test_the_pool_refuses_a_server_without_tls_when_sslmode_requires_it(settings: Any) -> None:
    """Fails if ``connect_kwargs`` drops ``sslmode``: asyncpg would then connect in clear
    text to a server without TLS (the test server has ssl=off)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the asyncpg pool is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SHOW ssl")
        if cursor.fetchone()[0] == "on":
            pytest.skip("this server speaks TLS")
    import asyncpg

    db = settings.DATABASES["default"]

    async def connect(sslmode: str) -> None:
        options = {**db.get("OPTIONS", {}), "sslmode": sslmode}
        conn = await asyncpg.connect(**asgi.connect_kwargs({**db, "OPTIONS": options}))
        await conn.close()

    with pytest.raises((ConnectionError, OSError, asyncpg.PostgresError)):
        run_async(connect("require"))
    run_async(connect("disable"))  # and the same server is reached when TLS is not required

"""``DATABASE_URL`` into Django's database setting, several hosts included.

A high-availability cluster (docs/howto/high-availability.md) is named by every node, as
libpq's multi-host URLs do::

    postgres://juzhu_app:…@db1:5432,db2:5432,db3:5432/juzhu?target_session_attrs=read-write

libpq (psycopg) tries the hosts in turn and keeps the first that takes writes, so after a
failover the next connection finds the new primary by itself. dj-database-url reads one
host only; for several, the host list is taken out, the rest parsed by dj-database-url,
and the list put back as ``HOST`` ``"db1,db2,db3"`` and ``PORT`` ``"5432,5432,5432"`` —
the form libpq takes (psycopg passes both on as they are; the asyncpg pool of
``verification/asgi.py`` splits them again).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import dj_database_url

_ONE_HOST = "multi-host.invalid"  # stands in for the list while dj-database-url parses


def _host_port(item: str, url: str) -> tuple[str, str]:
    """``db1:5432``, ``db1``, ``[::1]:5432`` or ``%2Frun%2Fpg:5433`` (a socket directory)."""
    if item.startswith("["):
        host, _, rest = item[1:].partition("]")
        port = rest.removeprefix(":")
    else:
        host, _, port = item.partition(":")
    if not host or (port and not port.isdigit()):
        raise ValueError(
            f"DATABASE_URL: {item!r} in {url.split('@')[-1]!r} is not host or host:port; "
            "name the nodes as postgres://user@db1:5432,db2:5432/name"
        )
    return unquote(host), port


def parse(url: str, conn_max_age: int) -> dict[str, Any]:
    """Django's database setting for ``url`` (one host or several)."""
    parts = urlsplit(url)
    userinfo, at, hosts = parts.netloc.rpartition("@")
    if "," not in hosts:
        return dict(dj_database_url.parse(url, conn_max_age=conn_max_age))
    pairs = [_host_port(item, url) for item in hosts.split(",")]
    single = urlunsplit(parts._replace(netloc=f"{userinfo}{at}{_ONE_HOST}"))
    db = dict(dj_database_url.parse(single, conn_max_age=conn_max_age))
    db["HOST"] = ",".join(host for host, _ in pairs)
    # libpq: one port for every host, or one per host (an empty one is the default port)
    ports = [port for _, port in pairs]
    db["PORT"] = ",".join(ports) if any(ports) else ""
    return db

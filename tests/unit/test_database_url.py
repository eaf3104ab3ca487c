"""DATABASE_URL with several hosts (a Patroni cluster's nodes, docs/howto/high-availability.md):
Django's setting keeps them in libpq's form, and the asyncpg pool of the verification fast
path gets them as lists, with ``target_session_attrs``."""

from __future__ import annotations

import pytest

from juzhu.config import database_url


def test_one_host_is_parsed_as_before() -> None:
    db = database_url.parse("postgres://app:pw@db1:5433/juzhu?sslmode=require", conn_max_age=60)
    assert (db["HOST"], db["PORT"], db["NAME"], db["USER"], db["PASSWORD"]) == (
        "db1", 5433, "juzhu", "app", "pw",
    )  # fmt: skip
    assert db["OPTIONS"] == {"sslmode": "require"} and db["CONN_MAX_AGE"] == 60


def test_every_node_is_kept_in_libpqs_form() -> None:
    db = database_url.parse(
        "postgres://app:p%40ss@db1:5432,db2:5433,[::1]:5434,%2Frun%2Fpg/juzhu"  # pragma: allowlist secret (a made-up password)
        "?target_session_attrs=read-write",
        conn_max_age=0,
    )
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert db["HOST"] == "db1,db2,::1,/run/pg"
    assert db["PORT"] == "5432,5433,5434,"  # the last: the default port
    assert (db["NAME"], db["USER"], db["PASSWORD"]) == ("juzhu", "app", "p@ss")
    assert db["OPTIONS"] == {"target_session_attrs": "read-write"}


def test_hosts_without_ports_take_the_default() -> None:
    db = database_url.parse("postgres://app@db1,db2/juzhu", conn_max_age=0)
    assert (db["HOST"], db["PORT"]) == ("db1,db2", "")


def test_a_malformed_node_is_refused_with_the_form_to_use() -> None:
    with pytest.raises(ValueError, match=r"'db2:x' .* postgres://user@db1:5432,db2:5432/name"):
        database_url.parse("postgres://app@db1:5432,db2:x/juzhu", conn_max_age=0)


def test_the_asyncpg_pool_gets_the_nodes_as_lists() -> None:
    from juzhu.verification.asgi import connect_kwargs, hosts_and_ports

    db = database_url.parse(
        "postgres://app@db1:5432,db2:5433/juzhu?target_session_attrs=read-write", conn_max_age=0
    )
    kwargs = connect_kwargs(db)
    assert (kwargs["host"], kwargs["port"]) == (["db1", "db2"], [5432, 5433])
    assert kwargs["target_session_attrs"] == "read-write"
    assert hosts_and_ports({"HOST": "db1,db2", "PORT": "6432"}) == (["db1", "db2"], [6432, 6432])
    assert hosts_and_ports({"HOST": "db1", "PORT": 5433}) == ("db1", 5433)
    assert hosts_and_ports({"HOST": "", "PORT": ""}) == (None, None)

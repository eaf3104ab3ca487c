"""Issue 14 deliver item 4 and the "ciphertexts can be swapped between rows" finding
(security.md §1 item 2, ASVS 11.3.2 / 13.3.1; MOSIP: "the integrity of each database row
[is] protected to prevent … swapping identities"):

- a wrong data or index key is caught by the database's key-check value before anything is
  written, naming the variable;
- a ciphertext copied to another row, or another field, does not decrypt, with a clear error;
- ``juzhu keys rotate`` re-encrypts in batches and resumes from its checkpoint after an
  interruption; afterwards the old key is refused.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from typer.testing import CliRunner

from fixtures.people import make_id, make_person
from juzhu.cli import app
from juzhu.registry import keycheck, pii, services
from juzhu.registry.keyrotation import do_rotate_keys
from juzhu.registry.models import KeyRotation, Person

pytestmark = pytest.mark.django_db
SRC = Path(__file__).resolve().parents[2] / "src"


def a_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


@pytest.fixture(autouse=True)
def _check_again() -> Iterator[None]:
    """Each test starts and ends with the key check not yet done in this process."""
    keycheck.forget()
    yield
    keycheck.forget()


def id_number(person: Person) -> str:
    return pii.decrypt(bytes(person.id_number_enc), purpose="id_number", row=person)


# -- the key-check value -------------------------------------------------------------------


@pytest.mark.parametrize("setting,variable", [("DATA_KEY", "JUZHU_DATA_KEY"),
                                              ("INDEX_KEY", "JUZHU_INDEX_KEY")])  # fmt: skip
def test_a_wrong_key_is_caught_before_anything_is_written(
    alice: Person, setting: str, variable: str
) -> None:
    """Fails without the key-check value: the person would be registered with a ciphertext
    nobody can read (wrong data key) or a blind index nothing matches (wrong index key)."""
    people = Person.objects.count()
    keycheck.forget()
    with override_settings(**{setting: a_key()}), pytest.raises(keycheck.WrongKey, match=variable):
        make_person(id_number=make_id())
    assert Person.objects.count() == people


def test_the_right_keys_pass_and_an_empty_database_takes_them(db: Any) -> None:
    make_person()  # the first use writes the check values
    keycheck.forget()
    keycheck.ensure_keys()  # and the same keys match them


def test_keys_check_names_the_wrong_key_and_exits_2(tmp_path: Path) -> None:
    """``juzhu keys check``, and every command (``setup_django``), in a process started with
    another data key than the one the database was first used with."""
    env = {
        "PATH": os.environ["PATH"], "PYTHONPATH": str(SRC), "JUZHU_ENV": "development",
        "JUZHU_VAR_DIR": str(tmp_path), "JUZHU_SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        "JUZHU_SECRET_KEY": "s" * 50, "JUZHU_DATA_KEY": a_key(), "JUZHU_INDEX_KEY": a_key(),
        "JUZHU_SEAL_KEY": a_key(),
    }  # fmt: skip
    env.pop("DATABASE_URL", None)

    def juzhu(*args: str, **changes: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "juzhu.cli", *args], env={**env, **changes},
            capture_output=True, text=True, timeout=180,
        )  # fmt: skip

    assert juzhu("migrate").returncode == 0
    assert juzhu("keys", "check").returncode == 0  # the first start takes its keys
    wrong = juzhu("keys", "check", JUZHU_DATA_KEY=a_key())
    assert wrong.returncode == 2
    assert "JUZHU_DATA_KEY is not the key" in wrong.stderr
    assert juzhu("sweep", JUZHU_INDEX_KEY=a_key()).returncode == 2


# -- ciphertexts bound to their row --------------------------------------------------------


def test_a_ciphertext_swapped_between_rows_does_not_decrypt(alice: Person) -> None:
    """Fails when the associated data is only the field's purpose (the old layout): bob's
    ID number copied into alice's row would then read as hers."""
    bob = make_person(name="鲍勃")
    Person.objects.filter(pk=alice.pk).update(id_number_enc=bob.id_number_enc)
    alice.refresh_from_db()
    with pytest.raises(pii.CiphertextError, match="belongs to another row or field"):
        id_number(alice)
    assert id_number(bob)  # bob's own row still reads


def test_a_ciphertext_moved_to_another_field_does_not_decrypt(alice: Person) -> None:
    with pytest.raises(pii.CiphertextError, match=f"id_number of registry_person:{alice.pk}"):
        pii.decrypt(bytes(alice.phone_enc), purpose="id_number", row=alice)


def test_a_sealed_login_code_copied_to_another_persons_notice_does_not_open(
    alice: Person,
) -> None:
    from juzhu.registry.outbox import seal, unsealed

    bob = make_person(name="鲍勃")
    assert unsealed({"code": seal("123456", alice)}, alice) == {"code": "123456"}
    with pytest.raises(pii.CiphertextError):
        unsealed({"code": seal("123456", alice)}, bob)


def test_a_layout_1_ciphertext_is_refused_once_none_is_left(alice: Person) -> None:
    """An empty database (like a finished rotation) retires layout 1, which is bound to the
    field only: an old copy put back in a row is refused."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from django.conf import settings

    nonce = os.urandom(12)
    old = (
        b"\x01"
        + nonce
        + AESGCM(base64.b64decode(settings.DATA_KEY)).encrypt(
            nonce, id_number(alice).encode(), b"id_number"
        )
    )
    with pytest.raises(pii.CiphertextError, match="layout 1"):
        pii.decrypt(old, purpose="id_number", row=alice)


# -- rotation ------------------------------------------------------------------------------


class Interrupted(Exception):
    pass


def test_rotation_re_encrypts_in_batches_and_resumes_after_an_interruption(db: Any) -> None:
    """Fails without the checkpoint (the rerun would start again from the first person) or
    without re-encryption under the new keys (the old key would still be needed), the
    per-person keys of the events' details included (registry/personal.py)."""
    from django.conf import settings
    from django.utils import timezone

    from juzhu.registry import personal
    from juzhu.registry.models import Notification
    from juzhu.registry.outbox import do_enqueue_login_code, unsealed

    people = [make_person() for _ in range(7)]
    numbers = {p.pk: id_number(p) for p in people}
    sealed = personal.seal(people[-1].pk, {"address": "深圳市南山区某路1号"})
    assert sealed != {"address": "深圳市南山区某路1号"}
    soon = timezone.now() + dt.timedelta(minutes=5)
    queued = do_enqueue_login_code(people[0], "246810", expires_at=soon)  # sealed, not yet sent
    assert queued is not None
    old_data, old_index = settings.DATA_KEY, settings.INDEX_KEY
    new_data, new_index = a_key(), a_key()
    rotating = {"DATA_KEY": new_data, "DATA_KEYS_OLD": [old_data],
                "INDEX_KEY": new_index, "INDEX_KEYS_OLD": [old_index]}  # fmt: skip
    keycheck.forget()
    with override_settings(**rotating):
        batches: list[int] = []

        def stop_after_two(run: KeyRotation) -> None:
            batches.append(run.rows_done)
            if len(batches) == 2:
                raise Interrupted  # the process dies here: two batches committed

        with pytest.raises(Interrupted):
            do_rotate_keys(batch=3, after_batch=stop_after_two)
        run = KeyRotation.objects.get()
        assert run.rows_done == 6 and run.finished_at is None
        left = [p for p in Person.objects.order_by("pk") if pii.needs_rotation(p.id_number_enc)]
        assert len(left) == 1  # the third batch never ran

        report = do_rotate_keys(batch=3)
        assert report.resumed and report.rows == 1 and report.total == 7

    keycheck.forget()
    with override_settings(DATA_KEY=new_data, INDEX_KEY=new_index, DATA_KEYS_OLD=[]):
        for person in Person.objects.all():  # every row reads without the old key
            assert id_number(person) == numbers[person.pk]
            assert services.find_person(numbers[person.pk]) == person  # new blind index
        notice = Notification.objects.get(pk=queued.pk)  # the queued code, sealed again
        assert unsealed(notice.context, notice.person)["code"] == "246810"
        # the person's own key, wrapped again: the event's details still open
        assert personal.reveal(people[-1].pk, sealed) == {"address": "深圳市南山区某路1号"}
    keycheck.forget()
    old_only = override_settings(DATA_KEY=old_data, INDEX_KEY=old_index)
    with old_only, pytest.raises(keycheck.WrongKey, match="JUZHU_DATA_KEY"):
        make_person()  # a process still started with the old key alone is refused


def test_juzhu_keys_rotate_reports_what_it_did(db: Any) -> None:
    from django.conf import settings

    make_person()
    keycheck.forget()
    with override_settings(DATA_KEY=a_key(), DATA_KEYS_OLD=[settings.DATA_KEY]):
        result = CliRunner().invoke(app, ["keys", "rotate", "--batch", "10"])
    assert result.exit_code == 0, result.output
    assert "rotation finished" in result.output and "1 people re-encrypted" in result.output


PEOPLE = """
import datetime as dt
from juzhu.cli import setup_django
setup_django()
from juzhu.registry import services
from juzhu.registry.idnumbers import make_id_number
for i in range({n}):
    birth = dt.date(1990, 5, 17) + dt.timedelta(days=i // 900)
    services.do_register_person(make_id_number("440304", birth, i + 1), "测试", city="shenzhen",
                                phone=f"139{{i:08d}}")
"""
CHECK = """
from juzhu.cli import setup_django
setup_django()
from juzhu.registry import pii
from juzhu.registry.models import Person
print(sum(1 for p in Person.objects.all() if pii.decrypt(p.id_number_enc, purpose="id_number", row=p)))
"""


def test_rotation_killed_mid_way_resumes_from_its_checkpoint(tmp_path: Path) -> None:
    """The process is stopped and killed (SIGSTOP, SIGKILL) after its first batches: the
    committed batches stay done, the rerun does only the rest, and every row then reads
    without the old key. Fails without the checkpoint (the rerun would redo every row)."""
    import signal

    n = 600
    old, new = a_key(), a_key()
    env = {
        "PATH": os.environ["PATH"], "PYTHONPATH": str(SRC), "JUZHU_ENV": "development",
        "JUZHU_VAR_DIR": str(tmp_path), "JUZHU_SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        "JUZHU_SECRET_KEY": "s" * 50, "JUZHU_DATA_KEY": old, "JUZHU_INDEX_KEY": a_key(),
        "JUZHU_SEAL_KEY": a_key(),
    }  # fmt: skip
    python = [sys.executable]
    assert subprocess.run([*python, "-m", "juzhu.cli", "migrate"], env=env, capture_output=True).returncode == 0  # fmt: skip
    subprocess.run([*python, "-c", PEOPLE.format(n=n)], env=env, check=True, timeout=300)
    rotating = {**env, "JUZHU_DATA_KEY": new, "JUZHU_DATA_KEY_OLD": old}

    rotate = [*python, "-m", "juzhu.cli", "keys", "rotate", "--batch", "1"]
    proc = subprocess.Popen(rotate, env=rotating, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    first = proc.stderr.readline()  # the first batch is committed
    proc.send_signal(signal.SIGSTOP)
    proc.kill()
    proc.wait(timeout=30)
    assert "people re-encrypted" in first

    rerun = subprocess.run(rotate, env=rotating, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert "resumed from its checkpoint" in rerun.stdout
    done_now = int(rerun.stdout.split("finished: resumed from its checkpoint; ")[1].split()[0])
    assert 0 < done_now < n  # only what the killed run had not committed
    assert f"{n} in all" in rerun.stdout

    alone = {**env, "JUZHU_DATA_KEY": new}  # the old key removed
    check = subprocess.run([*python, "-c", CHECK], env=alone, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    assert check.stdout.strip() == str(n)

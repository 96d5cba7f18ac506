"""API keys: created once and shown once, stored hashed, listed, revoked.

Every test here runs on SQLite and on PostgreSQL (see the `store_url` fixture).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from watchlist.cli import app
from watchlist.errors import StoreError
from watchlist.store.keys import (
    api_keys,
    create_key,
    hash_key,
    list_keys,
    revoke_key,
    verify_key,
)
from watchlist.store.store import Store

runner = CliRunner()
KEY_RE = re.compile(r"^wl_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$")


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    store = Store()
    yield store
    store.close()


def test_cli_create_prints_the_key_once_on_its_own_line(store: Store) -> None:
    result = runner.invoke(app, ["keys", "create", "--name", "onboarding", "--role", "screen"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and KEY_RE.match(lines[0])
    raw = lines[0]
    key = verify_key(store, raw)
    assert key is not None and key.name == "onboarding" and key.role == "screen"
    assert key.key_id in result.stderr and raw not in result.stderr
    listed = runner.invoke(app, ["keys", "list"])
    assert listed.exit_code == 0 and raw not in listed.output


def test_the_raw_key_never_reaches_the_database(store: Store, home: Path) -> None:
    result = runner.invoke(app, ["keys", "create", "--name", "ops", "--role", "admin"])
    raw = result.stdout.strip()
    if store.engine.dialect.name == "sqlite":
        store.close()
        data = b"".join(p.read_bytes() for p in home.glob("store.sqlite*"))
    else:  # every value of every stored row of the keys table
        with store.engine.connect() as conn:
            rows = conn.execute(select(api_keys)).all()
        data = "\n".join(str(v) for row in rows for v in row).encode()
    secret = raw.split("_", 2)[2]  # wl_<id>_<secret>: the secret may hold "_" itself
    assert raw.encode() not in data and secret.encode() not in data
    assert hash_key(raw).encode() in data


def test_cli_list_json_and_revoke_by_id_name_or_key(store: Store) -> None:
    import json

    ids = []
    for name, role in (("alpha", "screen"), ("beta", "admin"), ("gamma", "screen")):
        result = runner.invoke(app, ["keys", "create", "--name", name, "--role", role])
        assert result.exit_code == 0
        ids.append((result.stdout.strip(), verify_key(store, result.stdout.strip())))
    listed = json.loads(runner.invoke(app, ["keys", "list", "--json"]).stdout)
    assert [(k["name"], k["role"], k["active"]) for k in listed] == [
        ("alpha", "screen", True), ("beta", "admin", True), ("gamma", "screen", True)]
    assert all("hash" not in k and "key" not in k for k in listed)
    (raw_a, key_a), (raw_b, _), (raw_c, _) = ids
    assert key_a is not None
    assert runner.invoke(app, ["keys", "revoke", key_a.key_id]).exit_code == 0
    assert runner.invoke(app, ["keys", "revoke", "beta"]).exit_code == 0
    assert runner.invoke(app, ["keys", "revoke", raw_c]).exit_code == 0
    assert verify_key(store, raw_a) is None
    assert verify_key(store, raw_b) is None
    assert verify_key(store, raw_c) is None
    table = runner.invoke(app, ["keys", "list"])
    assert table.stdout.count("revoked") == 3
    again = runner.invoke(app, ["keys", "revoke", "beta"])
    assert again.exit_code == 2 and "already revoked" in again.stderr
    unknown = runner.invoke(app, ["keys", "revoke", "nobody"])
    assert unknown.exit_code == 2 and "no key" in unknown.stderr


def test_cli_refuses_an_unknown_role(store: Store) -> None:
    result = runner.invoke(app, ["keys", "create", "--name", "x", "--role", "root"])
    assert result.exit_code == 2 and "unknown role" in result.stderr
    assert list_keys(store) == []


def test_verify_rejects_wrong_secret_unknown_id_and_garbage(store: Store) -> None:
    key, raw = create_key(store, "svc", "screen")
    assert verify_key(store, raw) == key
    prefix, secret = raw.rsplit("_", 1)
    wrong = prefix + "_" + ("A" if secret[0] != "A" else "B") + secret[1:]
    assert verify_key(store, wrong) is None
    assert verify_key(store, "wl_000000000000_" + secret) is None
    assert verify_key(store, "") is None
    assert verify_key(store, "not a key") is None
    assert verify_key(store, hash_key(raw)) is None  # the stored hash is not a key


def test_roles_admin_covers_screen(store: Store) -> None:
    screen, _ = create_key(store, "s", "screen")
    admin, _ = create_key(store, "a", "admin")
    assert screen.allows("screen") and not screen.allows("admin")
    assert admin.allows("screen") and admin.allows("admin")
    with pytest.raises(StoreError):
        create_key(store, "x", "superuser")
    with pytest.raises(StoreError):
        create_key(store, "  ", "screen")
    [revoked] = revoke_key(store, screen.key_id)
    assert not revoked.active and not revoked.allows("screen")


def test_keys_work_in_a_store_opened_before_the_keys_module(store_url: str) -> None:
    from sqlalchemy import inspect

    from watchlist.store import keys

    store = Store()
    keys.api_keys.drop(store.engine)
    assert "api_keys" not in inspect(store.engine).get_table_names()
    _, raw = create_key(store, "late", "screen")
    assert verify_key(store, raw) is not None


def test_a_key_name_longer_than_the_column_is_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="at most 200 characters"):
        create_key(store, "x" * 201, "screen")
    key, _ = create_key(store, "y" * 200, "screen")
    assert list_keys(store)[0].name == key.name

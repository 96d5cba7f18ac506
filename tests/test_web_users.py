"""Web interface accounts: argon2 password hashes, sign-in, lockout, and the `users` CLI."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from typer.testing import CliRunner

from watchlist.cli import app as cli_app
from watchlist.errors import StoreError
from watchlist.store import users
from watchlist.store.store import Store
from watchlist.store.users import (
    MAX_FAILURES,
    SignInError,
    authenticate,
    create_user,
    get_user,
    list_users,
    set_disabled,
    set_password,
    set_role,
    web_users,
)

PASSWORD = "a long enough password"


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at its cheapest (the lockout test verifies a dozen passwords)."""
    monkeypatch.setattr(users, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024,
                                                         parallelism=1))


@pytest.fixture
def store(home: Path) -> Store:
    return Store()


@pytest.fixture
def shared_store(store_url: str) -> Iterator[Store]:
    """A store on SQLite and on PostgreSQL, for what must hold across workers."""
    store = Store(store_url)
    yield store
    store.close()


def outcome(store: Store, name: str, password: str) -> str:
    try:
        authenticate(store, name, password)
    except SignInError as exc:
        return str(exc)
    return "signed in"


def stored_hash(store: Store, name: str) -> str:
    with store.engine.connect() as conn:
        return conn.execute(select(web_users.c.password_hash)
                            .where(web_users.c.name == name)).scalar_one()


def test_passwords_are_stored_as_argon2id_hashes(store: Store,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users, "_HASHER", PasswordHasher())  # the production parameters
    create_user(store, "alice", "screen", PASSWORD)
    hashed = stored_hash(store, "alice")
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$") and PASSWORD not in hashed
    assert authenticate(store, "alice", PASSWORD).role == "screen"
    assert get_user(store, "alice").last_login_at is not None


def test_wrong_name_and_wrong_password_fail_alike(store: Store) -> None:
    create_user(store, "alice", "screen", PASSWORD)
    for name, password in (("alice", "not the password"), ("bob", PASSWORD)):
        with pytest.raises(SignInError, match="^wrong user name or password$"):
            authenticate(store, name, password)


def test_repeated_wrong_passwords_lock_the_account(store: Store) -> None:
    create_user(store, "alice", "screen", PASSWORD)
    for _ in range(MAX_FAILURES):
        with pytest.raises(SignInError, match="wrong"):
            authenticate(store, "alice", "guess")
    with pytest.raises(SignInError, match="locked until"):
        authenticate(store, "alice", PASSWORD)
    set_password(store, "alice", "a brand new password")  # an admin's reset clears the lock
    assert authenticate(store, "alice", "a brand new password").name == "alice"


def test_concurrent_wrong_passwords_are_all_counted_and_lock_the_account(
        shared_store: Store) -> None:
    create_user(shared_store, "alice", "screen", PASSWORD)
    with ThreadPoolExecutor(max_workers=15) as pool:
        answers = list(pool.map(lambda _: outcome(shared_store, "alice", "a wrong guess"),
                                range(15)))
    assert answers.count("wrong user name or password") >= MAX_FAILURES
    assert "locked until" in outcome(shared_store, "alice", PASSWORD)


def test_an_unknown_name_is_answered_and_locked_like_a_real_one(store: Store) -> None:
    create_user(store, "alice", "screen", PASSWORD)
    answers: dict[str, list[str]] = {}
    for name in ("alice", "nobody"):
        answers[name] = [outcome(store, name, "a wrong guess") for _ in range(MAX_FAILURES)]
        answers[name].append(outcome(store, name, PASSWORD))
    assert answers["alice"][:-1] == answers["nobody"][:-1] == \
        ["wrong user name or password"] * MAX_FAILURES
    locked = [a.split(" until ")[0] for a in (answers["alice"][-1], answers["nobody"][-1])]
    assert locked == ["too many wrong passwords: this account is locked"] * 2


def test_an_unknown_name_costs_one_password_hash_like_a_real_one(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    create_user(store, "alice", "screen", PASSWORD)
    verified: list[str] = []
    hasher = users._HASHER

    class Counting(PasswordHasher):
        def verify(self, hash: Any, password: Any) -> bool:  # noqa: A002
            verified.append(password)
            return hasher.verify(hash, password)

    monkeypatch.setattr(users, "_HASHER", Counting(time_cost=1, memory_cost=1024,
                                                   parallelism=1))
    for name in ("alice", "nobody"):
        outcome(store, name, "a wrong guess")
    assert verified == ["a wrong guess", "a wrong guess"]


def test_a_disabled_user_cannot_sign_in(store: Store) -> None:
    create_user(store, "alice", "admin", PASSWORD)
    set_disabled(store, "alice", True)
    with pytest.raises(SignInError, match="disabled"):
        authenticate(store, "alice", PASSWORD)
    assert not get_user(store, "alice").active
    set_disabled(store, "alice", False)
    assert authenticate(store, "alice", PASSWORD).active


def test_a_role_can_be_changed(store: Store) -> None:
    create_user(store, "alice", "screen", PASSWORD)
    assert set_role(store, "alice", "admin").role == "admin"
    with pytest.raises(StoreError, match="unknown role"):
        set_role(store, "alice", "auditor")
    with pytest.raises(StoreError, match="no user named"):
        set_role(store, "nobody", "admin")


def test_a_new_password_changes_the_session_fingerprint(store: Store) -> None:
    before = create_user(store, "alice", "screen", PASSWORD).fingerprint
    after = set_password(store, "alice", "another long password").fingerprint
    assert before != after


@pytest.mark.parametrize(("name", "role", "password", "problem"), [
    ("alice", "screen", "short", "too short"),
    ("alice", "screen", "x" * 2000, "too long"),
    ("alice", "auditor", PASSWORD, "unknown role"),
    ("<b>", "screen", PASSWORD, "invalid user name"),
    ("", "screen", PASSWORD, "invalid user name"),
])
def test_bad_accounts_are_refused_with_the_reason(store: Store, name: str, role: str,
                                                  password: str, problem: str) -> None:
    with pytest.raises(StoreError, match=problem):
        create_user(store, name, role, password)
    assert list_users(store) == []


def test_a_name_is_taken_once(store: Store) -> None:
    create_user(store, "alice", "screen", PASSWORD)
    with pytest.raises(StoreError, match="exists already"):
        create_user(store, "alice", "admin", PASSWORD)


def test_the_users_commands(home: Path) -> None:
    runner = CliRunner()
    made = runner.invoke(cli_app, ["users", "create", "carol", "--role", "admin",
                                   "--password-stdin"], input=PASSWORD + "\n")
    assert made.exit_code == 0, made.output
    assert "created admin user carol" in made.output
    listed = runner.invoke(cli_app, ["users", "list", "--json"])
    assert '"name": "carol"' in listed.output and PASSWORD not in listed.output
    again = runner.invoke(cli_app, ["users", "create", "carol", "--password-stdin"],
                          input=PASSWORD + "\n")
    assert again.exit_code == 2 and "exists already" in again.output
    short = runner.invoke(cli_app, ["users", "create", "dave", "--password-stdin"],
                          input="short\n")
    assert short.exit_code == 2 and "too short" in short.output
    changed = runner.invoke(cli_app, ["users", "password", "carol", "--password-stdin"],
                            input="another long password\n")
    assert changed.exit_code == 0
    assert authenticate(Store(), "carol", "another long password").role == "admin"
    demoted = runner.invoke(cli_app, ["users", "role", "carol", "screen"])
    assert demoted.exit_code == 0 and "carol now has the screen role" in demoted.output
    assert get_user(Store(), "carol").role == "screen"
    disabled = runner.invoke(cli_app, ["users", "disable", "carol"])
    assert disabled.exit_code == 0 and "carol is disabled" in disabled.output
    missing = runner.invoke(cli_app, ["users", "disable", "nobody"])
    assert missing.exit_code == 2 and "no user named 'nobody'" in missing.output


def test_users_create_without_a_terminal_asks_for_password_stdin(home: Path) -> None:
    result = CliRunner().invoke(cli_app, ["users", "create", "erin"], input="")
    assert result.exit_code == 2 and "--password-stdin" in result.output
    assert users.list_users(Store()) == []

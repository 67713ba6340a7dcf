"""A bad environment at start: one clear line, a non-zero exit, and the original files untouched."""

from __future__ import annotations

import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.storage import Storage, StorageError
from tests.conftest import ROOT

FAKE_TOKEN = "MTA1NzQxMjM0NTY3ODkwMTIz.GhIjKl.abcdefghijklmnopqrstuvwxyz0123"


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    # An empty DISCORD_TOKEN, not a missing one: a developer's .env must not turn these runs into a Discord login.
    environment = {**os.environ, "DISCORD_TOKEN": ""}
    environment.update(env)
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=environment,
                          cwd=ROOT, timeout=60, stdin=subprocess.DEVNULL)


def one_clear_line(result: subprocess.CompletedProcess, needle: str) -> None:
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and needle in lines[0], result.stderr


def test_malformed_token_is_refused_before_connecting(tmp_path: Path) -> None:
    result = run(env={"DISCORD_TOKEN": "not-a-token", "DATABASE_PATH": str(tmp_path / "db.sqlite3")})
    one_clear_line(result, "DISCORD_TOKEN does not look like a bot token")
    assert not (tmp_path / "db.sqlite3").exists()


@pytest.mark.parametrize("name, value, needle", [
    ("RETENTION_DAYS", "soon", "RETENTION_DAYS='soon' is not a whole number"),
    ("ANSWER_THRESHOLD", "2", "ANSWER_THRESHOLD='2' must be between 0 and 1"),
    ("MESSAGE_CONTENT", "maybe", "MESSAGE_CONTENT='maybe' must be true or false"),
    ("LOG_LEVEL", "loud", "LOG_LEVEL='loud' must be DEBUG"),
    ("ANSWER_THRESHOLD", "nan", "ANSWER_THRESHOLD='nan' must be a finite number"),
    ("HELP_CHANNEL_THRESHOLD", "inf", "HELP_CHANNEL_THRESHOLD='inf' must be a finite number"),
    ("RETENTION_DAYS", "1000000", "RETENTION_DAYS='1000000' must be between 1 and 36500"),
    ("COOLDOWN_SECONDS", "1e300", "COOLDOWN_SECONDS='1e300' must be between 0 and 86400"),
    ("PROBABLE_THRESHOLD", "0.9", "PROBABLE_THRESHOLD=0.9 must not be above ANSWER_THRESHOLD=0.3"),
    ("DATABASE_URL", "mysql://db/bot", "DATABASE_URL must be a postgresql:// URL"),
    ("DATABASE_POOL_SIZE", "0", "DATABASE_POOL_SIZE='0' must be between 1 and 500"),
    ("SHARD_IDS", "0,1", "SHARD_IDS needs SHARD_COUNT"),
])
def test_invalid_settings_name_the_setting(tmp_path: Path, name: str, value: str, needle: str) -> None:
    one_clear_line(run("ask", "jss?", env={name: value, "DATABASE_PATH": str(tmp_path / "db")}), needle)


def test_invalid_knowledge_stops_the_bot_before_connecting(tmp_path: Path) -> None:
    (tmp_path / "k.yaml").write_text("topics: [\n")
    before = (tmp_path / "k.yaml").read_bytes()
    result = run(env={"DISCORD_TOKEN": FAKE_TOKEN, "KNOWLEDGE_DIR": str(tmp_path), "DATABASE_PATH": str(tmp_path / "db")})
    assert result.returncode == 1 and f"{tmp_path / 'k.yaml'}:" in result.stderr and "YAML syntax error" in result.stderr
    assert (tmp_path / "k.yaml").read_bytes() == before and not (tmp_path / "db").exists()


def test_missing_knowledge_folder(tmp_path: Path) -> None:
    result = run("ask", "jss?", env={"KNOWLEDGE_DIR": str(tmp_path / "nowhere"), "DATABASE_PATH": str(tmp_path / "db")})
    assert result.returncode == 1 and "cannot read the folder" in result.stderr


def test_corrupt_database_is_refused_and_kept(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    database.write_bytes(b"definitely not sqlite " * 200)
    before = database.read_bytes()
    one_clear_line(run("ask", "jss?", env={"DATABASE_PATH": str(database)}), "cannot use the database")
    assert database.read_bytes() == before


def test_database_path_that_is_a_folder(tmp_path: Path) -> None:
    one_clear_line(run("ask", "jss?", env={"DATABASE_PATH": str(tmp_path)}), "cannot")


def _without_root_powers(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """As root, file permissions are ignored; dropping these capabilities makes read-only files really so."""
    if os.geteuid() != 0:
        return run(*args, env=env)
    if shutil.which("capsh") is None:
        pytest.skip("capsh is needed to drop root's file capabilities")
    command = " ".join(shlex.quote(a) for a in (sys.executable, "-m", "bot", *args))
    return subprocess.run(
        ["capsh", "--drop=cap_dac_override,cap_dac_read_search,cap_fowner", "--", "-c", command],
        capture_output=True, text=True, env={**os.environ, "DISCORD_TOKEN": "", **env}, cwd=ROOT, timeout=60,
    )


def test_read_only_database(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    sqlite3.connect(database).close()
    database.chmod(0o444)
    tmp_path.chmod(0o555)
    try:
        result = _without_root_powers("ask", "jss?", "--record", env={"DATABASE_PATH": str(database)})
        one_clear_line(result, "read-only")
    finally:
        tmp_path.chmod(0o755)


@pytest.mark.parametrize("setup, needle", [
    ("PRAGMA user_version = -3", "which no bot writes"),
    ("CREATE TABLE guild_config (x)", "tables this bot did not create"),
])
def test_a_database_that_is_not_ours_is_refused(tmp_path: Path, setup: str, needle: str) -> None:
    database = tmp_path / "other.sqlite3"
    with sqlite3.connect(database) as db:
        db.execute(setup)
    one_clear_line(run("ask", "jss?", env={"DATABASE_PATH": str(database)}), needle)


def test_a_database_path_under_a_file_is_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    one_clear_line(run("ask", "jss?", env={"DATABASE_PATH": str(tmp_path / "afile" / "bot.sqlite3")}), "cannot")


async def test_a_locked_database_gives_a_clear_error(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("PRAGMA journal_mode = DELETE")
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StorageError, match="another process holds a lock"):
            await Storage.open(database, busy_timeout_ms=100)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_the_token_never_appears_in_the_settings_repr() -> None:
    from bot.config import Settings

    token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz012345"
    settings = Settings.from_env({"DISCORD_TOKEN": token})
    assert settings.discord_token == token and token not in repr(settings) and token not in str(settings)


@pytest.mark.parametrize("count, ids, needle", [
    ("2", "0,2", "SHARD_IDS must be shard numbers from 0 to 1"),
    ("2", "1,1", "names a shard twice"),
    ("0", "", "SHARD_COUNT='0' must be between 1 and 100000"),
])
def test_shard_settings_are_checked(count: str, ids: str, needle: str) -> None:
    from bot.config import ConfigError, Settings

    with pytest.raises(ConfigError, match=needle):
        Settings.from_env({"SHARD_COUNT": count, "SHARD_IDS": ids})
    settings = Settings.from_env({"SHARD_COUNT": "4", "SHARD_IDS": "3, 1"})
    assert (settings.shard_count, settings.shard_ids) == (4, (3, 1))


def test_the_database_url_selects_postgres_and_its_password_is_never_shown() -> None:
    from bot.config import Settings

    url = "postgresql://bot:s3cret@db.internal:5432/jss"
    settings = Settings.from_env({"DATABASE_URL": url, "DATABASE_PATH": "x.sqlite3"})
    assert settings.database == url and "s3cret" not in repr(settings)
    assert Settings.from_env({"DATABASE_PATH": "x.sqlite3"}).database == "x.sqlite3"


def test_an_unreachable_postgres_server_is_one_clear_line_without_the_password() -> None:
    result = run("ask", "jss?", "--record", env={"DATABASE_URL": "postgresql://bot:s3cret@127.0.0.1:1/jss"})
    one_clear_line(result, "cannot connect to the database postgresql://bot:***@127.0.0.1:1/jss")
    assert "s3cret" not in result.stderr + result.stdout

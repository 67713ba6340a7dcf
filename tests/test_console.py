"""The console as a person uses it: Ctrl-C in a real terminal, bad bytes, a closed pipe, commands mid-checkup."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import subprocess
import sys
import termios
import time
from pathlib import Path

from tests.conftest import ROOT


def _spawn_in_terminal(tmp_path: Path) -> tuple[subprocess.Popen, int]:
    """The console with a pseudo-terminal as its controlling terminal, so Ctrl-C arrives as SIGINT."""
    master, slave = pty.openpty()
    env = {**os.environ, "DISCORD_TOKEN": "", "DATABASE_PATH": str(tmp_path / "tty.sqlite3")}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "console"], stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, env=env,
        start_new_session=True, preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
    )
    os.close(slave)
    return process, master


def _wait_for(master: int, text: bytes, timeout: float = 30) -> bytes:
    seen, deadline = b"", time.monotonic() + timeout
    while text not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                seen += os.read(master, 65536)
            except OSError:
                break
    return seen


def test_ctrl_c_at_the_prompt_leaves_at_once_and_cleanly(tmp_path: Path) -> None:
    process, master = _spawn_in_terminal(tmp_path)
    try:
        assert b"you> " in _wait_for(master, b"you> ")
        os.write(master, b"\x03")
        assert process.wait(timeout=10) == 0
        assert b"Traceback" not in _wait_for(master, b"Traceback", timeout=0.5)
    finally:
        process.kill()
        os.close(master)


def _console(stdin: bytes, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DISCORD_TOKEN": "", "DATABASE_PATH": str(tmp_path / "pipe.sqlite3")}
    return subprocess.run([sys.executable, "-m", "bot", "console"], input=stdin, capture_output=True, env=env,
                          cwd=ROOT, timeout=60)


def test_bytes_that_are_not_utf8_are_replaced_not_fatal(tmp_path: Path) -> None:
    result = _console(b"\xff\xfe hello \xc3\x28\nwill ending an unpaid contract hurt my jss?\n", tmp_path)
    assert result.returncode == 0 and b"Traceback" not in result.stderr
    assert result.stdout.count(b"\n\n") >= 2  # both lines answered


def test_help_inside_a_checkup_is_a_command_not_an_answer(tmp_path: Path) -> None:
    result = _console(b"/checkup\n/help\n/cancel\n", tmp_path)
    out = result.stdout.decode()
    assert result.returncode == 0 and "Commands:" in out and "Checkup stopped" in out
    assert "not one of this question's answers" not in out  # /help was not taken as an answer


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    env = {**os.environ, "DISCORD_TOKEN": "", "DATABASE_PATH": str(tmp_path / "head.sqlite3")}
    process = subprocess.Popen([sys.executable, "-m", "bot", "topics"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               cwd=ROOT, env=env)
    process.stdout.close()  # like `| head -0`: the reader is gone before the first line
    assert process.wait(timeout=60) == 0
    assert b"Traceback" not in process.stderr.read()


def test_the_console_shows_readable_names_never_ids(tmp_path: Path) -> None:
    from bot.knowledge import load_knowledge

    kb = load_knowledge(ROOT / "knowledge")
    ids = {t for t in kb.topics if "-" in t} | {q.slot for i in kb.interviews.values() for q in i.questions if "_" in q.slot}
    result = _console(b"feedback?\n1\nclient paid nothing, will my jss drop?\n/checkup\n1\n1\n1\n/topics\n", tmp_path)
    out = result.stdout.decode()
    assert result.returncode == 0 and "Question" in out
    assert not [name for name in ids if name in out]
    assert "Community Member, community member" not in out

"""The console chat: the same service as Discord, one member at a terminal (or a pipe).

Prompts are printed only when a person is typing (stdin is a terminal); piped, it reads questions line by
line and writes answers to stdout, so it can be scripted and tested.
"""

from __future__ import annotations

import asyncio
import getpass
import os
import stat
import sys
from typing import TextIO

from bot.engine.answers import Answer, TopicRef, render_question, render_result, render_text, short_text
from bot.service import CheckupError, Service

HELP = """Type a question about Job Success Score or contracts, for example:
  will ending an unpaid contract hurt my JSS?
Answers are short; type more for the full answer with sources and caveats, or the number of a
suggested topic to read that one instead.
Commands:
  more       the full answer to your last question
  /checkup   a few questions about your own contract, then a verdict and advice (after a question,
             what you already said is filled in)
  /cancel    stop a checkup
  /topics    what I know about
  /help      this text
  /quit      leave (Ctrl-D or Ctrl-C work too)"""


class Console:
    def __init__(self, service: Service, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
        self.service = service
        self.stdin = stdin
        self.stdout = stdout
        self.interactive = stdin.isatty()
        self.user_id = f"console:{_user()}"
        #: The last answer, for `more` and for a checkup that starts from what the question said, and the
        #: topics offered under it, for picking one by number.
        self.last: Answer | None = None
        self.offered: tuple[TopicRef, ...] = ()
        #: stdin as an asyncio stream when it is a terminal or a pipe (Ctrl-C then stops the console at once,
        #: no thread left blocked in readline); False for anything else (a file, a test's StringIO).
        self._lines: asyncio.StreamReader | bool | None = None

    def say(self, text: str = "") -> None:
        print(text, file=self.stdout, flush=True)

    async def read(self, prompt: str) -> str | None:
        """The next line, or None at end of input. Bytes that are not UTF-8 are replaced, never fatal."""
        if self.interactive:
            self.stdout.write(prompt)
            self.stdout.flush()
        if self._lines is None:
            self._lines = await _line_reader(self.stdin)
        if self._lines is not False:
            raw = await self._lines.readline()
            return None if raw == b"" else raw.decode("utf-8", errors="replace").rstrip("\r\n")
        line = await asyncio.to_thread(self.stdin.readline)
        return None if line == "" else line.rstrip("\n")

    async def run(self) -> None:
        kb = self.service.knowledge.current.kb
        if self.interactive:
            self.say(f"JSS helper: {len(kb.topics)} topics loaded. Type /help for commands, /quit to leave.")
        while (line := await self.read("\nyou> ")) is not None:
            command = line.strip().lower()
            if not command:
                continue
            if command in ("/quit", "/exit"):
                break
            if command == "/help":
                self.say(HELP)
            elif command == "/topics":
                self.say(self.topics())
            elif command == "/checkup":
                await self.checkup()
            elif command == "more" and self.last is not None:
                self.say(render_text(self.last))
            elif command.isdigit() and 1 <= int(command) <= len(self.offered):
                answer = self.service.topic_answer(self.offered[int(command) - 1].id)
                if answer is not None:
                    self.show(answer)
            else:
                asked = await self.service.ask(line, user_id=self.user_id, via="console")
                self.show(asked.answer)
            self.say()

    def show(self, answer: Answer) -> None:
        """The short answer, with the topics it offers numbered so they can be picked by typing the number."""
        self.last = answer if answer.answered else None
        self.offered = answer.suggestions
        self.say(short_text(answer, numbered=True))
        if answer.suggestions:
            self.say("(type a number to read that topic)")
        if answer.answered:
            self.say("(type more for the full answer and its sources)")

    def topics(self) -> str:
        kb = self.service.knowledge.current.kb
        return "\n".join(f"  - {topic.title}" for topic in kb.topics.values())

    async def checkup(self) -> None:
        """The checkup, pre-filled with what the last question stated; `change` asks those facts too."""
        facts = self.last.situation if self.last is not None else ()
        checkup = await self.service.start_checkup(self.user_id, prefill=[(f.slot, f.value) for f in facts])
        self.say(checkup.step.interview.intro)
        if checkup.step.asked:
            said = checkup.step.interview.said(checkup.step.asked)
            self.say(f"From your question: {said}. (Type change to answer these yourself.)")
        while not checkup.step.finished:
            self.say()
            self.say(render_question(checkup.step))
            line = await self.read("answer> ")
            if line is None or line.strip().lower() in ("/quit", "/cancel"):
                self.say("Checkup stopped. Type /checkup to start again.")
                return
            if line.strip().lower() == "change" and checkup.step.asked:
                checkup = await self.service.start_checkup(self.user_id)
                continue
            if line.strip().lower() in ("/help", "/topics"):  # commands stay commands inside a checkup
                self.say(HELP if line.strip().lower() == "/help" else self.topics())
                continue
            value = _choice_value(checkup.step, line.strip())
            try:
                checkup = await self.service.answer_checkup(
                    checkup.session.id, self.user_id, checkup.session.version, value
                )
            except CheckupError as error:
                self.say(f"{error} Type the number of your answer.")
        self.say()
        self.say(render_result(self.service.knowledge.current.kb, checkup.step))


async def _line_reader(stream: TextIO) -> asyncio.StreamReader | bool:
    try:
        fileno = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return False
    if not (os.isatty(fileno) or stat.S_ISFIFO(os.fstat(fileno).st_mode) or stat.S_ISSOCK(os.fstat(fileno).st_mode)):
        return False
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(fileno, "rb", buffering=0, closefd=False))
    return reader


def _choice_value(step, typed: str) -> str:
    """A typed answer as a choice value: "2", "some" and "Yes, some money was paid" all work."""
    choices = step.next.choices
    if typed.isdigit() and 1 <= int(typed) <= len(choices):
        return choices[int(typed) - 1].value
    lowered = typed.lower()
    return next((c.value for c in choices if lowered in (c.value, c.label.lower())), lowered)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "local"

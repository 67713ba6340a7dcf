"""The console chat: the same service as Discord, one member at a terminal (or a pipe).

Prompts are printed only when a person is typing (stdin is a terminal); piped, it reads questions line by
line and writes answers to stdout, so it can be scripted and tested.
"""

from __future__ import annotations

import asyncio
import getpass
import sys
from typing import TextIO

from bot.engine.answers import render_question, render_result, render_text
from bot.service import CheckupError, Service

HELP = """Type a question about Job Success Score or contracts, for example:
  will ending an unpaid contract hurt my JSS?
Commands:
  /checkup   a few questions about your own contract, then a verdict and advice
  /topics    what I know about
  /help      this text
  /quit      leave (Ctrl-D works too)"""


class Console:
    def __init__(self, service: Service, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
        self.service = service
        self.stdin = stdin
        self.stdout = stdout
        self.interactive = stdin.isatty()
        self.user_id = f"console:{_user()}"

    def say(self, text: str = "") -> None:
        print(text, file=self.stdout, flush=True)

    async def read(self, prompt: str) -> str | None:
        if self.interactive:
            self.stdout.write(prompt)
            self.stdout.flush()
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
            else:
                asked = await self.service.ask(line, user_id=self.user_id, via="console")
                self.say(render_text(asked.answer))
            self.say()

    def topics(self) -> str:
        kb = self.service.knowledge.current.kb
        return "\n".join(f"  - {topic.title}  [{topic.id}]" for topic in kb.topics.values())

    async def checkup(self) -> None:
        checkup = await self.service.start_checkup(self.user_id)
        self.say(checkup.step.interview.intro)
        while not checkup.step.finished:
            self.say()
            self.say(render_question(checkup.step))
            line = await self.read("answer> ")
            if line is None or line.strip().lower() in ("/quit", "/cancel"):
                self.say("Checkup stopped. Type /checkup to start again.")
                return
            value = _choice_value(checkup.step, line.strip())
            try:
                checkup = await self.service.answer_checkup(
                    checkup.session.id, self.user_id, checkup.session.version, value
                )
            except CheckupError as error:
                self.say(f"{error} Type the number or the word in brackets.")
        self.say()
        self.say(render_result(self.service.knowledge.current.kb, checkup.step))


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

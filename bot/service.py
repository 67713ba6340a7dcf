"""What both adapters (Discord, console/CLI) do, in one place: the live knowledge plus storage.

This layer sits between the pure engine and the adapters. It owns the one mutable thing in the bot, the
current knowledge snapshot, and swaps it whole on reload: a request reads `knowledge.current` once and
uses that snapshot to the end, so every answer comes entirely from one version of the knowledge.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import logging
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Coroutine, Iterator, Mapping, Sequence

from bot.engine.answers import Answer, AnswerKind
from bot.engine.gaps import GapGroup, group_similar, is_junk
from bot.engine.interview import InterviewEngine, InterviewError, Step
from bot.engine.classifier import train
from bot.engine.responder import Responder, Thresholds
from bot.fits import cached_trainer
from bot.evaluation import EVAL_FILES
from bot.impact import Impact, compare, labelled_questions
from bot import snapshots
from bot.knowledge import KnowledgeBase, KnowledgeError
from bot.knowledge.loader import build_knowledge, read_knowledge
from bot.knowledge.learned import merge_learned, remove_entries, render
from bot.knowledge.model import Learned, Where
from bot.knowledge.schema import Problem
from bot.storage import AskedQuestion, InterviewSession, Storage
from bot.storage.database import HELP_CHANNELS_CHANGED, KNOWLEDGE_RELOADED, TAUGHT_CHANGED, taught_signature

log = logging.getLogger(__name__)

DEFAULT_INTERVIEW = "checkup"
#: Matches the knowledge schema's limit on an example phrasing.
MAX_LEARNED_CHARS = 500
#: Gaps are looked up over every stored question when one is resolved.
RETENTION_FOREVER = 36_500
#: Open checkups kept in memory (see Service.answer_checkup); the oldest go first.
OPEN_SESSIONS_KEPT = 10_000
#: A placeholder id for the text a gap group is anchored on.
ANCHOR = -1
#: Servers whose own snapshot (shared knowledge plus their teaching) stays built; the rest rebuild on use.
SERVER_SNAPSHOTS_KEPT = 32


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One loaded, indexed version of the knowledge: immutable, safe to share across requests."""

    kb: KnowledgeBase
    responder: Responder
    interviews: Mapping[str, InterviewEngine]


def build_snapshot(directory: Path | str, thresholds: Thresholds = Thresholds(), cache_dir: Path | None = None) -> Snapshot:
    """Load, validate and index a knowledge folder; raises `KnowledgeError` listing every problem. With a
    `cache_dir`, a snapshot already built from the same bytes (by the same code) is read back instead.

    A new build is handed out read back from its encoding too, never as built: built, its objects lie
    scattered among the build's freed temporaries and keep their memory from the system (203 MB against
    141 MB at 10,000 topics, for about 0.6 s more on a cold build)."""
    with gc_paused():
        reading = read_knowledge(directory)
        name = snapshots.key(reading, thresholds) if cache_dir is not None and not reading.problems else None
        if name is not None and (snapshot := snapshots.stored(cache_dir, name)) is not None:
            return snapshot
        data = snapshots.encoded(index(build_knowledge(reading), thresholds, cache_dir))
        if name is not None:
            snapshots.store(cache_dir, name, data)
        return snapshots.decoded(data)


def index(kb: KnowledgeBase, thresholds: Thresholds = Thresholds(), cache_dir: Path | None = None) -> Snapshot:
    with gc_paused():
        responder = Responder(kb, thresholds, cached_trainer(cache_dir) if cache_dir else train)
        return Snapshot(kb, responder, MappingProxyType(responder.interviews))


@contextmanager
def gc_paused() -> Iterator[None]:
    """Building a snapshot makes millions of small objects and no garbage cycles: the cyclic collector would
    only walk them again and again (a third of the load time at 10,000 topics). After the build, everything
    alive is frozen out of the collector's reach, so no later collection stops the bot to walk a snapshot
    that cannot be garbage (1 s per full collection at 10,000 topics). Nested builds freeze once, at the end,
    and then hand back to the system the memory the build freed, which glibc would otherwise keep for reuse
    (60 MB at 10,000 topics)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.freeze()
        _release_freed_memory()


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to trim, or no way to ask
        return None


def _release_freed_memory() -> None:
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@dataclass(frozen=True, slots=True)
class ReloadReport:
    ok: bool
    digest: str | None
    summary: str
    problems: tuple[Problem, ...] = ()
    seconds: float = 0.0


def check_knowledge(
    directory: Path | str, thresholds: Thresholds = Thresholds(), cache_dir: Path | None = None,
) -> tuple[Snapshot | None, ReloadReport]:
    """Build a snapshot of `directory` if it is valid, and say how that went."""
    started = time.perf_counter()
    try:
        snapshot = build_snapshot(directory, thresholds, cache_dir)
    except KnowledgeError as error:
        problems = tuple(error.problems)
        return None, ReloadReport(False, None, f"{len(problems)} problem(s)", problems, time.perf_counter() - started)
    return snapshot, ReloadReport(True, snapshot.kb.digest, snapshot.kb.summary(), (), time.perf_counter() - started)


class Knowledge:
    """The live snapshot and how to replace it."""

    def __init__(self, directory: Path | str, thresholds: Thresholds = Thresholds(), cache_dir: Path | None = None) -> None:
        self.directory = Path(directory)
        self.thresholds = thresholds
        self.cache_dir = cache_dir
        self._reloading = threading.Lock()
        self.current = build_snapshot(self.directory, thresholds, cache_dir)

    def check(self) -> tuple[Snapshot | None, ReloadReport]:
        return check_knowledge(self.directory, self.thresholds, self.cache_dir)

    def with_taught(self, base: Snapshot, taught: Sequence[Learned]) -> Snapshot:
        """`base` plus one server's taught phrasings, indexed (slow: call it off the event loop)."""
        return index(base.kb.with_learned(taught), self.thresholds, self.cache_dir)

    def reload(self) -> ReloadReport:
        """Swap in the folder's current knowledge if it is valid; otherwise change nothing. One reload at a
        time: two racing ones could otherwise swap in an older snapshot after a newer one."""
        with self._reloading:
            snapshot, report = self.check()
            if snapshot is not None:
                self.current = snapshot
            return report


@dataclass(frozen=True, slots=True)
class Asked:
    answer: Answer
    question_id: int | None


@dataclass(frozen=True, slots=True)
class Checkup:
    session: InterviewSession
    step: Step


class CheckupError(Exception):
    """A checkup click that cannot be applied; the message is for the member."""

    def __init__(self, message: str, checkup: Checkup | None = None) -> None:
        super().__init__(message)
        self.checkup = checkup


@dataclass(frozen=True, slots=True)
class Taught:
    """What teaching a phrasing did. `conflict` is the topic the phrasing answered before, if another;
    `replaced` the topic it had been taught for in this server, if another (the newer teaching wins)."""

    topic: str
    phrasing: str
    conflict: str | None
    answered_now: bool
    dismissed: int
    added: bool = True
    replaced: str | None = None


@dataclass(frozen=True, slots=True)
class ServerSnapshot:
    """A server's own snapshot, and what it was built from, to tell when it is stale (a reload of unchanged
    files gives a new shared snapshot of the same digest: nothing to rebuild)."""

    base: Snapshot
    taught: tuple[Learned, ...]
    snapshot: Snapshot


class TeachError(ValueError):
    """A teaching request that cannot be carried out; the message is for the moderator."""


class Service:
    def __init__(self, knowledge: Knowledge, storage: Storage) -> None:
        self.knowledge = knowledge
        self.storage = storage
        # One teaching at a time: two moderators assigning at once must both be kept.
        self._teaching = asyncio.Lock()
        self._open: OrderedDict[str, InterviewSession] = OrderedDict()
        # Each server's taught phrasings, read once from storage and dropped when they change.
        self._taught: dict[int, tuple[Learned, ...]] = {}
        self._signatures: dict[int, tuple[int, int] | None] = {}  # what each server's phrasings were when read
        self._server_snapshots: OrderedDict[int, ServerSnapshot] = OrderedDict()
        self._building = asyncio.Lock()
        self._reloaded_to: str | None = None  # the last shared reload this process did or followed
        # Every server's help channels: looked up for every message, so kept here, and read again whenever any
        # process changes them (a server moves to this process when the shard that had it goes down).
        self._help_channels: frozenset[int] = frozenset()
        self._background: set[asyncio.Task[None]] = set()  # what notifications started, kept until done

    # Knowledge per server ---------------------------------------------------------------------------

    async def snapshot(self, guild_id: int | None) -> Snapshot:
        """The knowledge a server's members get: the shared snapshot plus what that server's moderators taught.

        Built on first use and kept for the most recently used servers; a server that taught nothing (and
        the console) shares the one shared snapshot, so most servers cost nothing extra."""
        base = self.knowledge.current
        taught = await self.taught(guild_id) if guild_id is not None else ()
        if not taught:
            return base
        assert guild_id is not None
        async with self._building:  # one build per server, not one per waiting question
            cached = self._server_snapshots.get(guild_id)
            if cached is None or cached.base.kb.digest != base.kb.digest or cached.taught != taught:
                cached = ServerSnapshot(base, taught, await asyncio.to_thread(self.knowledge.with_taught, base, taught))
            self._server_snapshots[guild_id] = cached
            self._server_snapshots.move_to_end(guild_id)
            while len(self._server_snapshots) > SERVER_SNAPSHOTS_KEPT:
                self._server_snapshots.popitem(last=False)
        return cached.snapshot

    async def taught(self, guild_id: int) -> tuple[Learned, ...]:
        if guild_id not in self._taught:
            rows = await self.storage.taught(guild_id)
            self._taught[guild_id] = tuple(
                Learned(r.topic_id, r.phrasing, r.taught_by, r.taught_at, Where(f"server {guild_id}", r.id, 0)) for r in rows
            )
            self._signatures[guild_id] = taught_signature(rows)
        return self._taught[guild_id]

    # Questions --------------------------------------------------------------------------------------

    async def ask(
        self, text: str, *, user_id: str, via: str, guild_id: int | None = None, channel_id: int | None = None,
        unprompted: bool = False, record: bool = True,
    ) -> Asked:
        """Answer and record. Unprompted (a help channel), only a real question the bot could not answer is
        worth a moderator's attention, so chatter it stays quiet about is not recorded; `record=False` (a
        script's or a moderator's try-out) records nothing."""
        snapshot = await self.snapshot(guild_id)
        answer = snapshot.responder.respond(text, unprompted=unprompted)
        worth_recording = record and (answer.answered or not unprompted or "?" in text)
        if answer.kind is AnswerKind.INVALID or not worth_recording:
            return Asked(answer, None)
        question_id = await self.storage.record_question(
            user_id=user_id, text=text, kind=answer.kind.value, topic_id=answer.topic.id if answer.topic else None,
            confidence=answer.confidence, knowledge=snapshot.kb.digest, via=via, guild_id=guild_id,
            channel_id=channel_id, decline=answer.decline,
        )
        return Asked(answer, question_id)

    def topic_answer(self, topic_id: str) -> Answer | None:
        return self.knowledge.current.responder.answers.get(topic_id)

    async def feedback(self, question_id: int, user_id: str, helpful: bool) -> bool:
        return await self.storage.record_feedback(question_id, user_id, helpful)

    async def forget(self, user_id: str) -> dict[str, int]:
        """Erase a member: their questions, feedback and checkups, and their words wherever they went on: the
        phrasings taught from their questions (in any server, and in the folder's learned.yaml) and the
        audit lines that quote them."""
        # As teaching stored them: whitespace folded.
        texts = [" ".join(text.split()) for text in await self.storage.question_texts(user_id)]
        removed = 0
        async with self._teaching:
            for text in texts:
                removed += await asyncio.to_thread(remove_entries, self.knowledge.directory, text)
            if removed:
                await self.reload("privacy", reason="removed phrasing(s) taught from a member's questions; ")
            await self.storage.scrub_audit([repr(text) for text in texts])
            counts = await self.storage.forget_user(user_id)
            await self._taught_changed(None)
        for session_id in [i for i, session in self._open.items() if session.user_id == user_id]:
            del self._open[session_id]
        return {**counts, "taught phrasings": counts["taught phrasings"] + removed}

    async def purge(self, retention_days: int) -> dict[str, int]:
        """The retention promise: question texts older than `retention_days`, and what was taught from them."""
        async with self._teaching:
            purged = await self.storage.purge_question_text(retention_days)
            if purged["taught phrasings"]:
                await self._taught_changed(None)
        return purged

    # Checkups ---------------------------------------------------------------------------------------

    def _engine(self, interview_id: str) -> InterviewEngine:
        engine = self.knowledge.current.interviews.get(interview_id)
        if engine is None:
            raise CheckupError("That checkup is no longer in the knowledge base. Start a new one with /checkup.")
        return engine

    async def unfinished_checkup(self, user_id: str, interview_id: str = DEFAULT_INTERVIEW) -> Checkup | None:
        session = await self.storage.open_interview(user_id, interview_id)
        if session is None or not session.asked:
            return None
        try:
            return Checkup(session, self._engine(interview_id).step(session.asked))
        except (InterviewError, CheckupError):
            return None

    async def start_checkup(
        self, user_id: str, guild_id: int | None = None, interview_id: str = DEFAULT_INTERVIEW,
        prefill: Sequence[tuple[str, str]] = (),
    ) -> Checkup:
        """A new checkup; `prefill` holds the facts the member already stated, so only the rest is asked."""
        engine = self._engine(interview_id)
        session = await self.storage.start_interview(user_id, interview_id, guild_id)
        try:
            step = engine.step(prefill)
        except InterviewError:
            return Checkup(session, engine.step(()))  # the knowledge changed since the facts were read
        if not step.asked:
            self._remember(session)
            return Checkup(session, step)
        outcome = step.outcome.id if step.finished and step.outcome else None
        saved = await self.storage.save_step(session, step.asked, finished=step.finished, outcome=outcome)
        self._remember(saved or session)
        return Checkup(saved or session, step)

    def prefill_from(self, text: str, interview_id: str = DEFAULT_INTERVIEW) -> tuple[tuple[str, str], ...]:
        """The checkup answers a member's message states plainly."""
        facts = self.knowledge.current.responder.read_situation(text, interview_id)
        return tuple((fact.slot, fact.value) for fact in facts)

    async def change_checkup_answer(self, session_id: str, user_id: str, version: int, slot: str) -> Checkup:
        """Take back one answer (a pre-filled fact the member wants to correct): the checkup asks it again."""
        return await self._advance(
            session_id, user_id, version,
            lambda engine, current: engine.step([(s, v) for s, v in current.step.asked if s != slot]),
        )

    async def checkup(self, session_id: str, user_id: str) -> Checkup:
        """The stored state of a member's checkup, as it should be shown now."""
        session = await self.storage.interview(session_id)
        if session is None:
            raise CheckupError("This checkup no longer exists. Start a new one with /checkup.")
        if session.user_id != user_id:
            raise CheckupError("This checkup belongs to someone else. Start your own with /checkup.")
        return self._state(session)

    def _state(self, session: InterviewSession) -> Checkup:
        """Where a session stands, by the current knowledge's interview."""
        try:
            return Checkup(session, self._engine(session.interview_id).step(session.asked))
        except InterviewError:
            raise CheckupError("The checkup questions changed since you started. Start again with /checkup.") from None

    async def answer_checkup(self, session_id: str, user_id: str, version: int, value: str) -> Checkup:
        """Apply one click. `version` is the step the button was drawn for; an older button is refused."""

        def answered(engine: InterviewEngine, current: Checkup) -> Step:
            try:
                return engine.answer(current.step, value)
            except InterviewError:
                raise CheckupError("That is not one of this question's answers.", current) from None

        return await self._advance(session_id, user_id, version, answered)

    async def _advance(
        self, session_id: str, user_id: str, version: int, next_step: Callable[[InterviewEngine, Checkup], Step],
    ) -> Checkup:
        """Move an open checkup to `next_step` and store it, if the click was drawn for where it stands.

        The session this process last wrote is kept in memory, so a click costs one database hop (the
        UPDATE), not two; the UPDATE only applies at the version it read, so a session another process moved
        on in the meantime is refused and shown as it really stands."""
        remembered = self._open.get(session_id)
        if remembered is not None and remembered.user_id == user_id and remembered.version == version:
            current = self._state(remembered)
        else:
            current = await self.checkup(session_id, user_id)
        if current.session.status != "open" or current.step.finished:
            raise CheckupError("This checkup is already finished.", current)
        if current.session.version != version:
            raise CheckupError("That button was from an earlier question; here is where you are.", current)
        step = next_step(self._engine(current.session.interview_id), current)
        outcome = step.outcome.id if step.finished and step.outcome else None
        saved = await self.storage.save_step(current.session, step.asked, finished=step.finished, outcome=outcome)
        if saved is None:
            self._open.pop(session_id, None)
            raise CheckupError("That question was already answered; here is where you are.", await self.checkup(session_id, user_id))
        self._remember(saved)
        return Checkup(saved, step)

    def _remember(self, session: InterviewSession) -> None:
        self._open.pop(session.id, None)
        if session.status == "open":
            self._open[session.id] = session
            while len(self._open) > OPEN_SESSIONS_KEPT:
                self._open.popitem(last=False)

    # Moderation -------------------------------------------------------------------------------------

    async def reload(self, actor: str, reason: str = "") -> ReloadReport:
        # Building a snapshot takes a noticeable fraction of a second: keep the event loop answering meanwhile.
        report = await asyncio.to_thread(self.knowledge.reload)
        detail = report.summary if report.ok else "\n".join(str(p) for p in report.problems[:50])
        await self.storage.record_reload(actor=actor, ok=report.ok, digest=report.digest, detail=f"{reason}{detail}")
        if report.ok:
            self._reloaded_to = report.digest
            await self.storage.notify(KNOWLEDGE_RELOADED, report.digest or "")
        return report

    # Several processes on one database ---------------------------------------------------------------

    async def listen(self) -> None:
        """Hear what other processes sharing the database change: a server's taught phrasings (its snapshot is
        rebuilt on next use), help channels, and a reload of the shared knowledge (this process reloads its own
        folder). PostgreSQL tells within moments; `refresh` catches anything missed, and is all SQLite has.

        Called once, at start: a reload recorded before then is already in what this process loaded (after a
        deploy of new files, every process would otherwise reload them again on its first refresh)."""
        self._reloaded_to = await self.storage.last_reload_digest()

        def taught(payload: str) -> None:
            self._forget_taught(int(payload) if payload.isdigit() else None)

        def reloaded(digest: str) -> None:
            if digest != self.knowledge.current.kb.digest:
                self._in_background(self._follow_reload(digest))

        await self.storage.listen(TAUGHT_CHANGED, taught)
        await self.storage.listen(HELP_CHANNELS_CHANGED, lambda _: self._in_background(self.read_help_channels()))
        await self.storage.listen(KNOWLEDGE_RELOADED, reloaded)

    async def refresh(self) -> None:
        """The periodic check behind `listen`: drop the servers whose taught phrasings changed in the database
        since they were read, read the help channels again, and follow a reload of the shared knowledge this
        process has not done."""
        signatures = await self.storage.taught_signatures()
        for guild_id in [g for g in self._taught if self._signatures.get(g) != signatures.get(g)]:
            self._forget_taught(guild_id)
        await self.read_help_channels()
        digest = await self.storage.last_reload_digest()
        if digest is not None and digest != self._reloaded_to and digest != self.knowledge.current.kb.digest:
            await self._follow_reload(digest)

    def _in_background(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` from a notification's callback; the loop keeps only a weak reference to a task."""
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _follow_reload(self, digest: str) -> None:
        self._reloaded_to = digest  # once per reload elsewhere, even if this folder differs from theirs
        report = await asyncio.to_thread(self.knowledge.reload)
        log.info("followed a reload by another process (%s): %s", digest, report.summary if report.ok else "refused")

    async def _taught_changed(self, guild_id: int | None) -> None:
        """A server's phrasings changed here (None: any server's): rebuild on next use, and tell the others."""
        self._forget_taught(guild_id)
        await self.storage.notify(TAUGHT_CHANGED, "" if guild_id is None else str(guild_id))

    async def _audit_taught(self, actor: str, guild_id: int, what: str) -> None:
        """A line in the knowledge audit. No digest: the shared knowledge did not change, and other processes
        follow only what did."""
        await self.storage.record_reload(actor=actor, ok=True, digest=None, detail=f"server {guild_id}: {what}")

    def _forget_taught(self, guild_id: int | None) -> None:
        if guild_id is None:
            self._taught.clear()
        else:
            self._taught.pop(guild_id, None)

    # Help channels ----------------------------------------------------------------------------------

    def is_help_channel(self, channel_id: int) -> bool:
        """Whether the bot answers unprompted in this channel (above the help channel's higher bar)."""
        return channel_id in self._help_channels

    async def set_help_channel(self, guild_id: int, channel_id: int, enabled: bool) -> bool:
        """Add or remove a help channel, here and in every other process; True if that changed anything."""
        changed = await self.storage.set_help_channel(guild_id, channel_id, enabled)
        await self.read_help_channels()
        await self.storage.notify(HELP_CHANNELS_CHANGED, str(guild_id))
        return changed

    async def read_help_channels(self) -> None:
        self._help_channels = frozenset(await self.storage.all_help_channels())

    # Teaching ---------------------------------------------------------------------------------------

    async def teach(
        self, phrasing: str, topic_id: str, *, guild_id: int, actor: str, moderator_id: str,
        question: AskedQuestion | None = None,
    ) -> Taught:
        """Teach one server that a phrasing belongs to a topic, and clear the gaps it answers there.
        `question` is the member's question the phrasing is, if it is one (its words are theirs)."""
        phrasing = " ".join(phrasing.split())
        if not phrasing or len(phrasing) > MAX_LEARNED_CHARS:
            raise TeachError(f"A phrasing must have 1 to {MAX_LEARNED_CHARS} characters.")
        async with self._teaching:
            before = await self.snapshot(guild_id)
            if topic_id not in before.kb.topics:
                raise TeachError(f"There is no topic '{topic_id}'.")
            earlier = before.responder.respond(phrasing)
            conflict = earlier.topic.id if earlier.answered and earlier.topic and earlier.topic.id != topic_id else None
            added, replaced = await self.storage.teach(
                guild_id, topic_id, phrasing, taught_by=actor, moderator_id=moderator_id, member=question,
            )
            if added:
                await self._taught_changed(guild_id)
            after = await self.snapshot(guild_id)
            if added:
                await self._audit_taught(actor, guild_id, f"taught {phrasing!r} -> {topic_id}")
        answer = after.responder.respond(phrasing)
        answered = answer.answered and answer.topic is not None and answer.topic.id == topic_id
        dismissed = await self._dismiss_like(phrasing, guild_id)
        return Taught(topic_id, phrasing, conflict, answered, dismissed, added, replaced)

    async def forget_phrasing(self, phrasing: str, actor: str, guild_id: int) -> int:
        async with self._teaching:
            removed = await self.storage.untaught(guild_id, [phrasing])
            if removed:
                await self._taught_changed(guild_id)
                await self._audit_taught(actor, guild_id, f"forgot {' '.join(phrasing.split())!r}")
        return removed

    async def gap_question(self, question_id: int, guild_id: int) -> AskedQuestion | None:
        """A gap's question, if it is still stored and was asked in this server: a server's moderators act on
        their own members' questions only, whatever id a menu carries."""
        question = await self.storage.question(question_id)
        if question is None or question.text is None or question.guild_id != guild_id:
            return None
        return question

    async def dismiss_gap(self, question_id: int, guild_id: int) -> int:
        """Ignore a gap: the question and the ones like it leave the server's gaps list."""
        question = await self.gap_question(question_id, guild_id)
        return 0 if question is None else await self._dismiss_like(question.text, guild_id)

    async def _dismiss_like(self, text: str, guild_id: int) -> int:
        rows = await self.storage.unanswered(days=RETENTION_FOREVER, guild_id=guild_id)
        groups = group_similar([(ANCHOR, text), *((q.id, q.text) for q in rows)], self.knowledge.current.responder.analyzer.terms)
        group = next(g for g in groups if ANCHOR in g.ids)
        return await self.storage.dismiss_questions([i for i in group.ids if i != ANCHOR])

    async def merge_taught(self, guild_id: int) -> dict[str, int]:
        """Fold a server's taught phrasings into the shared topic files (the owners' step, after review) and take
        them off that server's list: once the files are reloaded every server has them. A phrasing whose topic
        the files no longer have stays taught. Counts per file, as `merge_learned` gives them."""
        async with self._teaching:
            taught = await self.taught(guild_id)
            merged = await asyncio.to_thread(merge_learned, self.knowledge.directory, taught)
            topics = self.knowledge.current.kb.topics
            if await self.storage.untaught(guild_id, [e.phrasing for e in taught if e.topic in topics]):
                await self._taught_changed(guild_id)
        return merged

    async def export_taught(self, guild_id: int) -> tuple[int, str]:
        """A server's taught phrasings as a learned.yaml, for its moderators to review (and its owners to merge)."""
        taught = await self.taught(guild_id)
        return len(taught), render(taught)

    async def check_knowledge(self) -> tuple[Snapshot | None, ReloadReport]:
        return await asyncio.to_thread(self.knowledge.check)

    async def preview_teaching(self, phrasing: str, topic_id: str, guild_id: int | None = None) -> Impact:
        """What teaching `phrasing` for a topic would change in a server, over every labelled question, without
        teaching it (it builds a second snapshot, off the event loop)."""
        snapshot = await self.snapshot(guild_id)
        if topic_id not in snapshot.kb.topics:
            raise TeachError(f"There is no topic '{topic_id}'.")
        taught = Learned(topic_id, phrasing, "preview", "", Where("preview", 0, 0))
        previewed = await asyncio.to_thread(self.knowledge.with_taught, snapshot, (taught,))
        return await asyncio.to_thread(
            compare, snapshot.responder, previewed.responder, labelled_questions(list(EVAL_FILES), snapshot.kb),
        )

    async def gaps(self, days: int, guild_id: int | None = None) -> list[GapGroup]:
        """What members asked that the knowledge could not answer, grouped: only real questions (no commands,
        ids or fragments), and only those the knowledge of their own server still cannot answer (taught ones
        drop off). Without `guild_id`, every server's (the operator's view)."""
        shared = self.knowledge.current
        in_domain = [d.id for d in shared.kb.declines.values() if d.in_domain]
        names = set(shared.kb.topics) | set(shared.kb.declines)
        still_open = []
        for q in await self.storage.unanswered(days, guild_id, in_domain):
            if is_junk(q.text, names):
                continue
            if q.helpful is False or not (await self.snapshot(q.guild_id)).responder.respond(q.text).answered:
                still_open.append((q.id, q.text))
        return group_similar(still_open, shared.responder.analyzer.terms)

    async def stats(self, days: int, guild_id: int | None = None) -> dict[str, Any]:
        return await self.storage.stats(days, guild_id)

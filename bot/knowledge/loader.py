"""Read a knowledge folder, report every problem at once, and build an immutable `KnowledgeBase`.

All files are read before anything is built, so a broken file never yields half a knowledge base: the
caller either gets a complete, cross-checked snapshot or a `KnowledgeError` listing every problem.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Iterable, Mapping

import yaml

from bot.knowledge.model import (
    Caveat,
    Choice,
    Claim,
    Concept,
    Decline,
    Evidence,
    Interview,
    KnowledgeBase,
    Learned,
    Question,
    Rule,
    Source,
    Topic,
    Verdict,
    Where,
)
from bot.knowledge.schema import (
    DATE,
    IDENT,
    INVALID,
    URL,
    Context,
    KnowledgeError,
    Field,
    Fields,
    ListOf,
    MapOf,
    OneOf,
    OneOrMany,
    Problem,
    Record,
    Text,
)

#: A knowledge file larger than this is refused before parsing: real files are a few kilobytes.
MAX_FILE_BYTES = 1_000_000
#: libyaml's parser when PyYAML was built with it: several times faster, and it bounds nesting depth itself.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: Members abandon a checkup that drags on; this also bounds the interview engine's enumeration.
MAX_INTERVIEW_QUESTIONS = 5
KNOWLEDGE_SUFFIXES = (".yaml", ".yml")

SOURCE = Fields("source", {
    "id": Field(IDENT),
    "title": Field(Text(max_length=300), doc="the thread's title"),
    "forum": Field(Text(max_length=200), doc="where the thread was posted"),
    "url": Field(URL, required=False),
    "seen": Field(DATE, doc="the date the thread was read, as YYYY-MM-DD"),
})
EVIDENCE = Fields("evidence", {
    "quote": Field(Text(max_length=600), doc="a short quote from the official page"),
    "url": Field(URL, doc="the link to the page quoted"),
}, label=lambda record: "this evidence")
CAVEAT = Fields("caveat", {
    "text": Field(Text(max_length=600)),
    "as_of": Field(DATE, doc="the date this caveat was last checked, as YYYY-MM-DD"),
}, label=lambda record: "this caveat")
CLAIM = Fields("claim", {
    "id": Field(IDENT),
    "source": Field(IDENT, doc="the id of the source (thread) the claim was made in"),
    "who": Field(Text(max_length=100), doc="the name shown in the thread, or 'Community Member'"),
    "role": Field(OneOf("member", "moderator")),
    "label": Field(Text(max_length=100), doc="a few words naming the claim, like 'No money, no JSS impact'"),
    "said": Field(Text(max_length=1000), doc="a faithful paraphrase of what was said"),
    "verdict": Field(OneOf(*(v.value for v in Verdict))),
    "corrected_by": Field(IDENT, required=False),
    "correct_part": Field(Text(max_length=600), required=False),
    "note": Field(Text(max_length=1000), required=False),
    "evidence": Field(ListOf(EVIDENCE), required=False),
    "caveats": Field(ListOf(CAVEAT), required=False),
})
TOPIC = Fields("topic", {
    "id": Field(IDENT),
    "title": Field(Text(max_length=200), doc="the question members ask, in a few words"),
    "asks": Field(Text(max_length=200), required=False,
                  doc="what the member asks, after 'It sounds like you're asking': shown when the bot is less than sure"),
    "verdict": Field(Text(max_length=250), doc="the one-line answer"),
    "detail": Field(Text(max_length=3000), doc="the full answer"),
    "claims": Field(ListOf(IDENT, min_items=1), doc="the ids of the claims the answer rests on"),
    "myths": Field(ListOf(IDENT), required=False),
    "examples": Field(ListOf(Text(max_length=500), min_items=3), doc="at least 3 ways members ask this"),
    "interview": Field(IDENT, required=False),
    "related": Field(ListOf(IDENT), required=False),
})
DECLINE = Fields("decline", {
    "id": Field(IDENT),
    "reply": Field(Text(max_length=1000), doc="what the bot says instead of an answer"),
    "scope": Field(OneOf("in-domain", "outside"), required=False,
                   doc="in-domain: questions we should cover one day, listed by kb gaps; outside (the default): never"),
    "examples": Field(ListOf(Text(max_length=500), min_items=3), doc="at least 3 ways members ask this"),
})
CONCEPT = Fields("concept", {
    "id": Field(IDENT),
    "terms": Field(ListOf(Text(max_length=100), min_items=1), doc="words and phrases that mean the same"),
})
CHOICE = Fields("choice", {
    "value": Field(IDENT, doc="the short value scripts use, like none or some"),
    "label": Field(Text(max_length=80), doc="the button text, at most 80 characters"),
    "said": Field(Text(max_length=80), required=False,
                  doc="the fact in a few words, as the bot repeats it: 'nothing paid'"),
    "cues": Field(ListOf(Text(max_length=100)), required=False,
                  doc="ways members state this fact in a question ('paid nothing', 'never paid'), read to pre-fill the checkup"),
}, label=lambda record: f"choice '{record['value']}'" if "value" in record else "this choice")
QUESTION = Fields("question", {
    "slot": Field(IDENT, doc="the name of the answer, like payments"),
    "prompt": Field(Text(max_length=300)),
    "help": Field(Text(max_length=600), required=False),
    "decides": Field(Text(max_length=120), required=False,
                     doc="what this question settles, after 'It depends on': 'whether the client leaves negative feedback'"),
    "choices": Field(ListOf(CHOICE, min_items=2, max_items=5)),
}, label=lambda record: f"question '{record['slot']}'" if "slot" in record else "this question")
RULE = Fields("rule", {
    "id": Field(IDENT),
    "title": Field(Text(max_length=200)),
    "text": Field(Text(max_length=1500)),
    "sources": Field(ListOf(IDENT), required=False),
    "when": Field(MapOf(OneOrMany(IDENT), shape="'slot: value' lines"), required=False),
})
INTERVIEW = Fields("interview", {
    "id": Field(IDENT),
    "title": Field(Text(max_length=200)),
    "intro": Field(Text(max_length=1000)),
    "questions": Field(ListOf(QUESTION, min_items=1, max_items=MAX_INTERVIEW_QUESTIONS)),
    "outcomes": Field(ListOf(RULE, min_items=1)),
    "advice": Field(ListOf(RULE), required=False),
})
LEARNED = Fields("learned phrasing", {
    "topic": Field(IDENT),
    "phrasing": Field(Text(max_length=500)),
    "by": Field(Text(max_length=200), doc="who taught it"),
    "at": Field(Text(max_length=40), doc="when, as an ISO timestamp"),
}, label=lambda record: f"learned phrasing for '{record['topic']}'" if "topic" in record else "this learned phrasing")
FILE = Fields("knowledge file", {
    "sources": Field(ListOf(SOURCE), required=False),
    "claims": Field(ListOf(CLAIM), required=False),
    "topics": Field(ListOf(TOPIC), required=False),
    "declines": Field(ListOf(DECLINE), required=False),
    "concepts": Field(ListOf(CONCEPT), required=False),
    "stopwords": Field(ListOf(Text(max_length=40)), required=False),
    "interviews": Field(ListOf(INTERVIEW), required=False),
    "learned": Field(ListOf(LEARNED), required=False),
}, label=lambda record: "this file")


def knowledge_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.suffix in KNOWLEDGE_SUFFIXES)


#: A folder that keeps changing while it is read is refused after this many tries.
READ_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class FolderReading:
    """Every knowledge file's bytes, read once from a folder that did not change meanwhile, and their digest:
    what a build uses, and what a cached build is found by."""

    directory: Path
    files: tuple[tuple[Path, bytes | None], ...]
    problems: tuple[Problem, ...]
    digest: str


def load_knowledge(directory: Path | str) -> KnowledgeBase:
    """The knowledge in `directory`, or a `KnowledgeError` naming every problem found."""
    return build_knowledge(read_knowledge(directory))


def read_knowledge(directory: Path | str) -> FolderReading:
    """Every file's bytes, read once; if the folder changed while it was read (a moderator saving a file,
    another reload), it is read again, so a snapshot never mixes two versions of the knowledge."""
    directory = Path(directory)
    for _ in range(READ_ATTEMPTS):
        try:
            files, problems, seen = _read_folder(directory)
            if _fingerprint(directory) == seen:
                digest = hashlib.sha256()
                for path, raw in files:
                    digest.update(path.name.encode() + b"\0" + (raw or b"") + b"\0")
                return FolderReading(directory, tuple(files), tuple(problems), digest.hexdigest()[:16])
        except OSError as error:
            raise KnowledgeError([Problem(Where(str(directory), 0, 0), f"cannot read the folder: {error.strerror}")]) from None
    raise KnowledgeError([Problem(Where(str(directory), 0, 0), "the files kept changing while they were read; try again")])


StatKey = tuple[int, int, int] | None


def _stat_key(path: Path) -> StatKey:
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size, info.st_ino)


def _fingerprint(directory: Path) -> list[tuple[Path, StatKey]]:
    return [(path, _stat_key(path)) for path in knowledge_files(directory)]


def _read_folder(directory: Path) -> tuple[list[tuple[Path, bytes | None]], list[Problem], list[tuple[Path, StatKey]]]:
    """Each knowledge file's bytes (None for one that cannot be used, with the problem said), and each
    file's state as it was just before it was read, to compare with the folder once all are read."""
    paths = knowledge_files(directory)
    if not paths:
        raise KnowledgeError([Problem(Where(str(directory), 0, 0), "no .yaml knowledge files in this folder")])
    problems: list[Problem] = []
    files, seen = [], []
    for path in paths:
        seen.append((path, _stat_key(path)))
        files.append((path, _read_bytes(path, directory, problems)))
    return files, problems, seen


def _read_bytes(path: Path, directory: Path, problems: list[Problem]) -> bytes | None:
    """A regular file inside the folder, read with its size checked first: never a device, a FIFO that would
    block, or a link to a file elsewhere (whose content must not be echoed back in an error)."""
    start = Where(str(path), 1, 1)
    if path.is_symlink():
        try:
            path.resolve(strict=True).relative_to(directory.resolve())
        except (OSError, ValueError, RuntimeError):
            problems.append(Problem(start, "is a link to something outside the knowledge folder; copy the file in instead"))
            return None
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        problems.append(Problem(start, f"cannot read the file: {error.strerror}"))
        return None
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            problems.append(Problem(start, "is not a regular file (a folder, device or pipe); remove it from the knowledge folder"))
            return None
        if info.st_size > MAX_FILE_BYTES:
            problems.append(Problem(start, f"the file is {info.st_size:,} bytes; split it, files are limited to {MAX_FILE_BYTES:,}"))
            return None
        raw = handle.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:  # it grew while being read
        problems.append(Problem(start, f"the file is over {MAX_FILE_BYTES:,} bytes; split it"))
        return None
    return raw


def build_knowledge(reading: FolderReading) -> KnowledgeBase:
    """Parse and validate what was read; a `KnowledgeError` names every problem found."""
    problems = list(reading.problems)
    documents: list[Record] = []
    broken: set[str] = set()
    for path, raw in reading.files:
        record = _parse(path, raw, problems, broken) if raw is not None else None
        if record is not None:
            documents.append(record)
    knowledge = _Builder(documents, problems, broken).build(tuple(str(p) for p, _ in reading.files), reading.digest)
    if problems:
        raise KnowledgeError(sorted(problems, key=lambda p: (p.where.file, p.where.line, p.where.col)))
    return knowledge


def _parse(path: Path, raw: bytes, problems: list[Problem], broken: set[str]) -> Record | None:
    start = Where(str(path), 1, 1)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        problems.append(Problem(Where(str(path), line, 1), "the file is not UTF-8 text; save it as UTF-8"))
        return None
    ctx = Context(str(path))
    try:
        node = yaml.compose(text, Loader=YAML_LOADER)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = Where(str(path), mark.line + 1, mark.column + 1) if mark else start
        line = text.splitlines()[where.line - 1] if 0 < where.line <= len(text.splitlines()) else ""
        problems.append(Problem(where, _syntax_message(error, line)))
        return None
    except yaml.reader.ReaderError as error:
        line = text[: error.position].count("\n") + 1
        problems.append(Problem(Where(str(path), line, 1), f"the file has a character YAML cannot read ({error.reason})"))
        return None
    except (yaml.YAMLError, RecursionError) as error:
        problems.append(Problem(start, f"the file cannot be read as YAML: {type(error).__name__}"))
        return None
    if node is None:
        problems.append(Problem(start, "the file is empty; add a section such as 'topics:' or delete the file"))
        return None
    try:
        record = FILE.convert(node, ctx, "file")
    except RecursionError:
        ctx.problems.append(Problem(start, "the file is nested too deeply to be knowledge"))
        record = INVALID
    problems.extend(ctx.problems)
    broken.update(ctx.broken)
    return record if record is not INVALID else None


def _duplicate(kind: str, ident: str, first: Where, second: Where) -> tuple[Where, str]:
    """One problem for an id defined twice, placed in the file edited last (most likely the moderator's own),
    naming the other place and which of the two was loaded last."""
    def modified(where: Where) -> float:
        try:
            return Path(where.file).stat().st_mtime
        except OSError:
            return 0.0

    here, there = (first, second) if modified(first) > modified(second) else (second, first)
    order = "here is loaded last" if here is second else f"{there.file} is loaded last"
    return here, f"{kind} id '{ident}' is also defined at {there} ({order}); ids must be unique, rename one"


def _syntax_message(error: yaml.MarkedYAMLError, line: str) -> str:
    problem = error.problem or "invalid YAML"
    hint = "check the indentation, and put text that contains ': ' or starts with a symbol in quotes"
    if "\t" in line[: len(line) - len(line.lstrip())]:
        hint = "YAML does not allow tabs for indentation; use spaces"
    elif "duplicate anchor" in problem or "found undefined alias" in problem:
        hint = "anchors (&) and aliases (*) are not supported; write the value out"
    return f"YAML syntax error: {problem}; {hint}"


class _Builder:
    """Turns validated records into model objects and checks what spans records and files."""

    def __init__(self, documents: list[Record], problems: list[Problem], broken: set[str] = frozenset()) -> None:
        self.documents = documents
        self.problems = problems
        self.broken = broken

    def report(self, where: Where, message: str) -> None:
        self.problems.append(Problem(where, message))

    def section(self, name: str) -> Iterable[Record]:
        for document in self.documents:
            yield from document.get(name, ())

    def unique(self, kind: str, records: Iterable[Record], key: str = "id", taken: dict[str, Where] | None = None) -> list[Record]:
        seen: dict[str, Where] = dict(taken or {})
        kept = []
        for record in records:
            ident = record[key]
            if ident in seen:
                self.report(*_duplicate(kind, ident, seen[ident], record.at(key)))
                continue
            seen[ident] = record.at(key)
            kept.append(record)
        return kept

    def check_ref(self, record: Record, field: str, ident: str, kind: str, known: Mapping[str, object]) -> bool:
        if ident in known:
            return True
        if ident in self.broken:
            return False  # defined, but invalid: that item's own problem is the one to fix
        guess = difflib.get_close_matches(ident, list(known), n=1)
        hint = f"; did you mean '{guess[0]}'?" if guess else f"; define the {kind} or fix the id"
        self.report(record.at(field), f"'{field}' names {kind} '{ident}', which is not defined{hint}")
        return False

    def build(self, files: tuple[str, ...], digest: str) -> KnowledgeBase:
        sources = {r["id"]: self.source(r) for r in self.unique("source", self.section("sources"))}
        claim_records = self.unique("claim", self.section("claims"))
        claims = {r["id"]: self.claim(r) for r in claim_records}
        for record in claim_records:
            self.check_claim(record, sources, claims)
        interviews = {r["id"]: self.interview(r, claims) for r in self.unique("interview", self.section("interviews"))}
        topic_records = self.unique("topic", self.section("topics"))
        taken = {r["id"]: r.at("id") for r in topic_records}
        declines = {r["id"]: self.decline(r) for r in self.unique("topic or decline", self.section("declines"), taken=taken)}
        topics = {r["id"]: self.topic(r, claims, interviews) for r in topic_records}
        for record in topic_records:
            for ident in record.get("related", ()):
                self.check_ref(record, "related", ident, "topic", topics)
        learned = self.learned(topics)
        concepts = self.concepts()
        stopwords = frozenset(word.lower() for document in self.documents for word in document.get("stopwords", ()))
        return KnowledgeBase(
            sources=MappingProxyType(sources),
            claims=MappingProxyType(claims),
            topics=MappingProxyType(topics),
            declines=MappingProxyType(declines),
            concepts=MappingProxyType(concepts),
            stopwords=stopwords,
            interviews=MappingProxyType(interviews),
            files=files,
            digest=digest,
        ).with_learned(learned)

    def learned(self, topics: Mapping[str, Topic]) -> list[Learned]:
        """Taught phrasings; one taught to two different topics would make the bot contradict itself."""
        owner: dict[str, Learned] = {}
        kept = []
        for r in self.section("learned"):
            if not self.check_ref(r, "topic", r["topic"], "topic", topics):
                continue
            entry = Learned(r["topic"], r["phrasing"], r["by"], r["at"], r.where)
            key = " ".join(entry.phrasing.lower().split())
            first = owner.setdefault(key, entry)
            if first.topic != entry.topic:
                self.report(r.at("phrasing"), f"'{entry.phrasing}' is taught for topic '{entry.topic}' and for '{first.topic}' ({first.where}); keep one")
            elif first is entry:
                kept.append(entry)
        return kept

    @staticmethod
    def source(r: Record) -> Source:
        return Source(r["id"], r["title"], r["forum"], r.get("url"), r["seen"], r.where)

    @staticmethod
    def claim(r: Record) -> Claim:
        return Claim(
            id=r["id"],
            source=r["source"],
            who=r["who"],
            role=r["role"],
            label=r["label"],
            said=r["said"],
            verdict=Verdict(r["verdict"]),
            corrected_by=r.get("corrected_by"),
            correct_part=r.get("correct_part"),
            note=r.get("note"),
            evidence=tuple(Evidence(e["quote"], e["url"]) for e in r.get("evidence", ())),
            caveats=tuple(Caveat(c["text"], c["as_of"]) for c in r.get("caveats", ())),
            where=r.where,
        )

    def check_claim(self, r: Record, sources: Mapping[str, Source], claims: Mapping[str, Claim]) -> None:
        self.check_ref(r, "source", r["source"], "source", sources)
        verdict = Verdict(r["verdict"])
        corrector = r.get("corrected_by")
        if verdict is Verdict.CORRECTED and corrector is None:
            self.report(r.at("verdict"), f"claim '{r['id']}' is 'corrected' but has no 'corrected_by': name the claim that corrects it")
        if verdict is not Verdict.CORRECTED and corrector is not None:
            self.report(r.at("corrected_by"), f"claim '{r['id']}' has 'corrected_by' but its verdict is '{verdict.value}'; set verdict: corrected or remove corrected_by")
        if corrector is not None and self.check_ref(r, "corrected_by", corrector, "claim", claims):
            if corrector == r["id"]:
                self.report(r.at("corrected_by"), f"claim '{r['id']}' cannot correct itself")
            elif claims[corrector].is_myth:
                self.report(r.at("corrected_by"), f"claim '{r['id']}' is corrected by '{corrector}', which is itself '{claims[corrector].verdict.value}'; name a confirmed claim")
        if verdict is Verdict.PARTLY_CORRECT and "correct_part" not in r:
            self.report(r.at("verdict"), f"claim '{r['id']}' is 'partly-correct': add 'correct_part' saying which part holds")

    def topic(self, r: Record, claims: Mapping[str, Claim], interviews: Mapping[str, Interview]) -> Topic:
        for ident in r["claims"]:
            self.check_ref(r, "claims", ident, "claim", claims)
        for ident in r.get("myths", ()):
            if self.check_ref(r, "myths", ident, "claim", claims) and not claims[ident].is_myth:
                self.report(r.at("myths"), f"topic '{r['id']}' lists '{ident}' as a myth, but that claim is '{claims[ident].verdict.value}'; only corrected, partly-correct or unverified claims are myths")
        if "interview" in r:
            self.check_ref(r, "interview", r["interview"], "interview", interviews)
        return Topic(
            id=r["id"],
            title=r["title"],
            asks=r.get("asks"),
            verdict=r["verdict"],
            detail=r["detail"],
            claims=r["claims"],
            myths=r.get("myths", ()),
            examples=r["examples"],
            interview=r.get("interview"),
            related=r.get("related", ()),
            where=r.where,
        )

    @staticmethod
    def decline(r: Record) -> Decline:
        return Decline(r["id"], r["reply"], r["examples"], r.where, r.get("scope") == "in-domain")

    def concepts(self) -> dict[str, Concept]:
        # Terms shared by two concepts are found by the engine's analyzer, which compares them as it reads
        # them (stemmed, stopwords out): a stricter test than comparing the raw text here.
        return {r["id"]: Concept(r["id"], r["terms"], r.where) for r in self.unique("concept", self.section("concepts"))}

    def interview(self, r: Record, claims: Mapping[str, Claim]) -> Interview:
        questions = []
        for q in self.unique("question slot", r["questions"], key="slot"):
            if q["slot"] == Interview.OUTCOME:
                self.report(q.at("slot"), f"'{Interview.OUTCOME}' is reserved for advice that depends on the outcome; name the slot differently")
            values = [c["value"] for c in q["choices"]]
            for value in {v for v in values if values.count(v) > 1}:
                self.report(q.at("choices"), f"question '{q['slot']}' offers the value '{value}' twice")
            choices = tuple(
                Choice(c["value"], c["label"], c.get("said"), c.get("cues", ()), c.where) for c in q["choices"]
            )
            questions.append(Question(q["slot"], q["prompt"], q.get("help"), choices, q.get("decides")))
        valid = {q.slot: {c.value for c in q.choices} for q in questions}
        rules_seen: dict[str, Where] = {}
        outcomes = tuple(self.rule(rule, valid, claims, r["id"], rules_seen) for rule in r["outcomes"])
        # Advice may depend on the outcome, as if it were one more question.
        valid_for_advice = {**valid, Interview.OUTCOME: {rule.id for rule in outcomes}}
        advice = tuple(self.rule(rule, valid_for_advice, claims, r["id"], rules_seen) for rule in r.get("advice", ()))
        interview = Interview(r["id"], r["title"], r["intro"], tuple(questions), outcomes, advice, r.where)
        self.check_outcomes_cover(interview, r)
        return interview

    def rule(self, r: Record, valid: dict[str, set[str]], claims: Mapping[str, Claim], interview: str, seen: dict[str, Where]) -> Rule:
        if r["id"] in seen:
            self.report(r.at("id"), f"interview '{interview}' uses the outcome/advice id '{r['id']}' twice (first at {seen[r['id']]})")
        seen.setdefault(r["id"], r.at("id"))
        for ident in r.get("sources", ()):
            self.check_ref(r, "sources", ident, "claim", claims)
        when: dict[str, frozenset[str]] = {}
        conditions: Record = r.get("when", Record(r.where))
        for slot, values in conditions.items():
            if slot not in valid:
                guess = difflib.get_close_matches(slot, list(valid), n=1)
                hint = f"; did you mean '{guess[0]}'?" if guess else "; it must be the slot of one of the questions"
                self.report(conditions.at(slot), f"'{r['id']}' depends on '{slot}', which is not a question of this interview{hint}")
                continue
            for value in values:
                if value not in valid[slot]:
                    what = "an outcome" if slot == Interview.OUTCOME else f"a choice of question '{slot}'"
                    self.report(conditions.at(slot), f"'{r['id']}': '{value}' is not {what} (known: {', '.join(sorted(valid[slot]))})")
            when[slot] = frozenset(values)
        return Rule(r["id"], r["title"], r["text"], r.get("sources", ()), MappingProxyType(when))

    def check_outcomes_cover(self, interview: Interview, r: Record) -> None:
        """Every combination of answers must reach an outcome, or a member could finish with no verdict."""
        slots = [q.slot for q in interview.questions]
        for values in itertools.product(*([c.value for c in q.choices] for q in interview.questions)):
            answers = dict(zip(slots, values))
            if not any(rule.holds(answers) for rule in interview.outcomes):
                combo = ", ".join(f"{k}={v}" for k, v in answers.items())
                self.report(r.at("outcomes"), f"interview '{interview.id}' has no outcome for {combo}; add an outcome whose 'when' covers it")
                return

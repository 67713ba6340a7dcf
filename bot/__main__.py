"""The command line: `python -m bot` runs the bot (or the console chat without a token); subcommands script it.

Exit codes: 0 success, 1 the knowledge or the environment is unusable, 2 the command line is wrong
(unknown option, unknown interview slot or value).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import re
import sys
from pathlib import Path
from typing import Any, Awaitable, Callable, TypeVar

from dotenv import load_dotenv

from bot.config import ConfigError, Settings
from bot.evaluation import EVAL_FILES
from bot.engine.answers import Answer, render_question, render_result, render_text, rule_sources, short_text
from bot.engine.interview import InterviewEngine, InterviewError, Step
from bot.knowledge import KnowledgeError
from bot.service import DEFAULT_INTERVIEW, Knowledge, Service, Snapshot, build_snapshot, check_knowledge
from bot.storage import Storage, StorageError

EXIT_OK, EXIT_UNUSABLE, EXIT_USAGE = 0, 1, 2
T = TypeVar("T")


def main(argv: list[str] | None = None) -> int:
    load_dotenv(override=False)
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    if getattr(args, "knowledge", None):
        settings = dataclasses.replace(settings, knowledge_dir=Path(args.knowledge))
    try:
        return args.handler(args, settings)
    except BrokenPipeError:
        # The reader went away (`python -m bot topics | head`): nothing left to say, and no traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KnowledgeError as error:
        print(f"The knowledge in {settings.knowledge_dir} is not valid:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_UNUSABLE
    except StorageError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_UNUSABLE


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: a subcommand that is not given --knowledge must not reset one given before it.
    common.add_argument("--knowledge", metavar="DIR", default=argparse.SUPPRESS,
                        help="the knowledge folder (default: KNOWLEDGE_DIR or ./knowledge)")
    top = argparse.ArgumentParser(prog="python -m bot", description=__doc__, parents=[common])
    top.set_defaults(handler=run_default)
    commands = top.add_subparsers(title="commands", metavar="COMMAND")

    console = commands.add_parser("console", parents=[common], help="the console chat, even if a Discord token is set")
    console.set_defaults(handler=run_console)

    ask = commands.add_parser("ask", parents=[common], help="answer one question")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="machine-readable output")
    ask.add_argument("--explain", action="store_true", help="show why the topic matched")
    ask.add_argument("--record", action="store_true",
                     help="record the question like a member's (kb gaps lists it if unanswered); off by default")
    ask.set_defaults(handler=run_ask)

    interview = commands.add_parser("interview", parents=[common], help="run the checkup non-interactively")
    interview.add_argument("--answer", action="append", default=[], metavar="SLOT=VALUE", help="an answer; repeat")
    interview.add_argument("--interview", default=DEFAULT_INTERVIEW, metavar="ID", help="which interview")
    interview.add_argument("--from-text", metavar="TEXT", help="pre-fill what this message states (as a question to the bot would)")
    interview.add_argument("--json", action="store_true", help="machine-readable output")
    interview.set_defaults(handler=run_interview)

    topics = commands.add_parser("topics", parents=[common], help="list what the bot knows")
    topics.add_argument("--json", action="store_true")
    topics.set_defaults(handler=run_topics)

    bench = commands.add_parser("bench", parents=[common], help="speed and memory figures against a BM25 baseline")
    bench.add_argument("--quick", action="store_true", help="the smallest sizes only (what CI runs)")
    bench.add_argument("--out", default="bench/out", metavar="DIR", help="where to write results.md, .json and the chart")
    bench.add_argument("--repeat", type=int, default=3, help=argparse.SUPPRESS)
    bench.add_argument("--child-size", help=argparse.SUPPRESS)
    bench.add_argument("--child-console", action="store_true", help=argparse.SUPPRESS)
    bench.add_argument("--child-started", nargs=2, help=argparse.SUPPRESS)
    bench.add_argument("--child-answer", nargs=5, help=argparse.SUPPRESS)
    bench.add_argument("--instructions", type=int, metavar="TOPICS", nargs="?", const=100,
                       help="instead, count instructions per answer with valgrind at TOPICS synthetic topics (default 100)")
    bench.set_defaults(handler=run_bench)

    sync = commands.add_parser("sync", parents=[common], help="register the slash commands with Discord")
    sync.add_argument("--guild", type=int, metavar="ID", help="one server, instantly (default: global)")
    sync.set_defaults(handler=run_sync)

    kb = commands.add_parser("kb", parents=[common], help="knowledge tools for moderators")
    kb_commands = kb.add_subparsers(title="kb commands", metavar="COMMAND", required=True)
    check = kb_commands.add_parser("check", parents=[common], help="validate the knowledge files")
    check.add_argument("directory", nargs="?", metavar="DIR")
    check.set_defaults(handler=run_kb_check)
    evaluation = commands.add_parser("eval", parents=[common], help="measure answers against a labelled question set")
    evaluation.add_argument("files", nargs="*", default=[str(f) for f in EVAL_FILES], metavar="FILE",
                            help="labelled sets (default: the real set, then the written one)")
    evaluation.add_argument("--json", action="store_true", help="machine-readable output")
    evaluation.add_argument("--show-holdout", action="store_true", help="also list the holdout's failures")
    evaluation.add_argument("--cross-validate", type=int, metavar="K",
                            help="instead, measure the real sets' tuning questions by K-fold cross-validation: "
                                 "the figure to choose a change by")
    evaluation.set_defaults(handler=run_eval)

    merge = kb_commands.add_parser("merge-learned", parents=[common],
                                   help="fold learned.yaml, or one server's taught phrasings, into the topic files")
    merge.add_argument("directory", nargs="?", metavar="DIR")
    merge.add_argument("--server", type=int, metavar="ID",
                       help="merge what this server's moderators taught (from the database), giving it to every server")
    merge.set_defaults(handler=run_kb_merge)
    gaps = kb_commands.add_parser("gaps", parents=[common], help="questions the bot could not answer")
    gaps.add_argument("--days", type=positive_days, default=30, help="how far back (1 to 36500 days)")
    gaps.set_defaults(handler=run_kb_gaps)
    graph = kb_commands.add_parser("graph", parents=[common], help="the checkup as a diagram (Mermaid or SVG)")
    graph.add_argument("--interview", default=DEFAULT_INTERVIEW, metavar="ID")
    graph.add_argument("--svg", metavar="FILE", help="also write an SVG picture to FILE")
    graph.set_defaults(handler=run_kb_graph)
    impact = kb_commands.add_parser("impact", parents=[common], help="what an edit changes: answers to labelled questions")
    impact.add_argument("--base", metavar="DIR", help="the knowledge to compare with (default: the last committed one)")
    impact.add_argument("--json", action="store_true", help="machine-readable output")
    impact.set_defaults(handler=run_kb_impact)

    db = commands.add_parser("db", parents=[common], help="database tools for operators")
    db_commands = db.add_subparsers(title="db commands", metavar="COMMAND", required=True)
    migrate_to = db_commands.add_parser(
        "migrate-to", parents=[common],
        help="copy the SQLite file (DATABASE_PATH) into a new, empty PostgreSQL database; stop the bot first")
    migrate_to.add_argument("url", metavar="URL", help="postgresql://USER:PASSWORD@HOST/DATABASE")
    migrate_to.set_defaults(handler=run_db_migrate_to)
    return top


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """Member text for an operator's terminal: escape sequences and other control characters made visible,
    so a question cannot recolour, move or clear the screen."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text)


def positive_days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of days") from None
    if not 1 <= days <= 36_500:
        raise argparse.ArgumentTypeError(f"{days} is not between 1 and 36500 days")
    return days


def open_service(settings: Settings, work: Callable[[Service], Awaitable[T]]) -> T:
    """Run `work` with a service on the configured knowledge and database, closing the database after."""
    knowledge = Knowledge(settings.knowledge_dir, settings.thresholds, settings.cache_dir)

    async def go() -> T:
        storage = await Storage.open(settings.database, pool_size=settings.database_pool_size)
        try:
            service = Service(knowledge, storage)
            await service.purge(settings.retention_days)
            return await work(service)
        finally:
            await storage.close()

    return asyncio.run(go())


def run_default(args: argparse.Namespace, settings: Settings) -> int:
    if settings.discord_token:
        from bot.discord.runner import run_discord

        return run_discord(settings)
    return run_console(args, settings)


def run_bench(args: argparse.Namespace, settings: Settings) -> int:
    from bot.benchmark import main as bench_main

    return bench_main(args)


def run_sync(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.discord_token:
        print("error: set DISCORD_TOKEN (in .env or the environment) to register commands", file=sys.stderr)
        return EXIT_USAGE
    from bot.discord.runner import sync_commands

    return sync_commands(settings, args.guild or settings.dev_guild_id)


def run_console(args: argparse.Namespace, settings: Settings) -> int:
    from bot.console import Console

    async def work(service: Service) -> int:
        await Console(service).run()
        return EXIT_OK

    try:
        return open_service(settings, work)
    except KeyboardInterrupt:
        return EXIT_OK


def run_ask(args: argparse.Namespace, settings: Settings) -> int:
    async def work(service: Service) -> int:
        asked = await service.ask(args.question, user_id="cli", via="cli", record=args.record)
        answer = asked.answer
        if args.json:
            print(json.dumps(answer_json(answer), indent=2, ensure_ascii=False))
        else:
            print(render_text(answer))
            if args.explain:
                ranking, parts = service.knowledge.current.responder.explain(args.question)
                label = ranking.best.id if ranking.best else None
                print(f"\nWhy: terms {list(ranking.terms)}, coverage {ranking.coverage:.2f}, best {label}")
                print("  " + ", ".join(f"{f} {w:.2f}" for f, w in parts) if parts else "  no known terms")
                print("  ranking: " + ", ".join(f"{s.id} {s.score:.2f}" for s in ranking.scored))
        return EXIT_OK

    return open_service(settings, work)


def answer_json(answer: Answer) -> dict[str, Any]:
    return {
        "kind": answer.kind.value,
        "topic": answer.topic.id if answer.topic else None,
        "title": answer.topic.title if answer.topic else None,
        "confidence": answer.confidence,
        "verdict": answer.verdict or None,
        "answer": render_text(answer),
        "short": short_text(answer),
        "band": answer.band.value if answer.answered else None,
        "understood": answer.understood,
        "alternative": answer.alternative.topic.id if answer.alternative else None,
        "situation": situation_json(answer.situation),
        "outcome": answer.outcome.id if answer.outcome else None,
        "myths": [m.claim.claim_id for m in answer.myths],
        "sources": [s.claim_id for s in answer.sources],
        "links": sorted({url for s in answer.sources for url in s.urls}),
        "suggestions": [s.id for s in answer.suggestions],
        "also": [a.topic.id for a in answer.also],
        "declined": None if answer.answered else (answer.decline or answer.kind.value),
        "interview": answer.interview,
    }


def situation_json(facts) -> dict[str, Any]:
    return {fact.slot: {"value": fact.value, "evidence": fact.evidence} for fact in facts}


def _interview(args: argparse.Namespace, settings: Settings) -> tuple[Snapshot, InterviewEngine] | None:
    """The knowledge and the interview `--interview` names, or None after saying which ones exist."""
    snapshot = build_snapshot(settings.knowledge_dir, settings.thresholds, settings.cache_dir)
    engine = snapshot.interviews.get(args.interview)
    if engine is None:
        print(f"error: no interview '{args.interview}' (known: {', '.join(snapshot.interviews)})", file=sys.stderr)
        return None
    return snapshot, engine


def run_interview(args: argparse.Namespace, settings: Settings) -> int:
    if (found := _interview(args, settings)) is None:
        return EXIT_USAGE
    snapshot, engine = found
    prefilled = snapshot.responder.read_situation(args.from_text, args.interview) if args.from_text else ()
    try:
        given = [_slot_value(item) for item in args.answer]
        # An explicit --answer wins over what the text says for the same slot.
        asked = [(f.slot, f.value) for f in prefilled if f.slot not in dict(given)] + given
        step = engine.step(asked)
    except InterviewError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        data = step_json(snapshot.kb, step)
        if args.from_text is not None:
            data["prefilled"] = situation_json(f for f in prefilled if f.slot not in dict(given))
        print(json.dumps(data, indent=2, ensure_ascii=False))
    elif step.finished:
        if prefilled:
            print(f"From your text: {'; '.join(f.slot + '=' + f.value for f in prefilled)}\n")
        print(render_result(snapshot.kb, step))
    else:
        print(render_question(step))
        print(f"\nAnswer with: --answer {step.next.slot}=VALUE")
    return EXIT_OK


def _slot_value(item: str) -> tuple[str, str]:
    slot, sep, value = item.partition("=")
    if not sep or not slot.strip() or not value.strip():
        raise InterviewError(f"'{item}' is not SLOT=VALUE, for example payments=none")
    return slot.strip(), value.strip()


def step_json(kb, step: Step) -> dict[str, Any]:
    question = step.next
    return {
        "interview": step.interview.id,
        "finished": step.finished,
        "outcome": step.outcome.id if step.outcome else None,
        "advice": [a.id for a in step.advice],  # settled advice only: empty until the answers fix it
        "next": None if question is None else {
            "slot": question.slot,
            "prompt": question.prompt,
            "choices": [{"value": c.value, "label": c.label} for c in question.choices],
        },
        "verdict": f"{step.outcome.title}. {step.outcome.text}" if step.outcome else None,
        "asked": [slot for slot, _ in step.asked],
        "answers": dict(step.asked),
        "text": render_result(kb, step) if step.finished else render_question(step),
        "sources": [s.claim_id for s in rule_sources(kb, (step.outcome, *step.advice))] if step.outcome else [],
    }


def run_topics(args: argparse.Namespace, settings: Settings) -> int:
    kb = build_snapshot(settings.knowledge_dir, settings.thresholds, settings.cache_dir).kb
    if args.json:
        print(json.dumps([{"id": t.id, "title": t.title, "verdict": t.verdict} for t in kb.topics.values()], indent=2))
    else:
        for topic in kb.topics.values():
            print(f"{topic.id:30} {topic.title}")
    return EXIT_OK


def run_kb_check(args: argparse.Namespace, settings: Settings) -> int:
    directory = Path(args.directory) if args.directory else settings.knowledge_dir
    _, report = check_knowledge(directory, settings.thresholds, settings.cache_dir)
    if not report.ok:
        for problem in report.problems:
            print(problem)
        print(f"{len(report.problems)} problem(s) in {directory}; nothing was loaded.", file=sys.stderr)
        return EXIT_UNUSABLE
    print(f"OK: {directory}: {report.summary} (checked in {report.seconds * 1000:.0f} ms, digest {report.digest})")
    return EXIT_OK


def run_eval(args: argparse.Namespace, settings: Settings) -> int:
    from bot.evaluation import EvalFileError, cross_validate, evaluate, render_report

    snapshot = build_snapshot(settings.knowledge_dir, settings.thresholds, settings.cache_dir)
    paths = [Path(f) for f in args.files]
    try:
        if args.cross_validate is None:
            report = evaluate(snapshot.responder, paths)
        else:
            report = cross_validate(snapshot.responder, paths, args.cross_validate)
    except EvalFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(report.as_json(args.show_holdout), indent=2))
    else:
        print(render_report(report, args.show_holdout))
    return EXIT_OK if not report.shortfalls() else EXIT_UNUSABLE


def run_kb_merge(args: argparse.Namespace, settings: Settings) -> int:
    from bot.knowledge.learned import merge_learned

    directory = Path(args.directory) if args.directory else settings.knowledge_dir
    if args.server is None:
        merged = merge_learned(directory)
        source = "learned.yaml is merged and removed"
    else:
        async def from_server(service: Service) -> dict[str, int]:
            return await service.merge_taught(args.server)

        merged = open_service(dataclasses.replace(settings, knowledge_dir=directory), from_server)
        source = f"server {args.server}'s phrasings are merged (every server now has them) and removed from the database"
    if not merged:
        print(f"Nothing to merge: no learned phrasings for {'server ' + str(args.server) if args.server else directory}.")
    for file, count in merged.items():
        print(f"{file}: {count} phrasing(s) added to the topics' examples")
    if merged:
        print(f"{source}. Review the changes (git diff), then reload the bot.")
    return EXIT_OK


def run_kb_graph(args: argparse.Namespace, settings: Settings) -> int:
    from bot.engine.diagram import flow, mermaid, svg

    if (found := _interview(args, settings)) is None:
        return EXIT_USAGE
    diagram = flow(found[1])
    print(mermaid(diagram))
    if args.svg:
        Path(args.svg).write_text(svg(diagram), encoding="utf-8")
        print(f"%% SVG written to {args.svg}", file=sys.stderr)
    return EXIT_OK


def run_kb_impact(args: argparse.Namespace, settings: Settings) -> int:
    from bot.impact import ImpactError, committed_knowledge, compare, labelled_questions, render

    work = build_snapshot(settings.knowledge_dir, settings.thresholds, settings.cache_dir)
    try:
        if args.base:
            base = build_snapshot(Path(args.base), settings.thresholds, settings.cache_dir)
        else:
            with committed_knowledge(settings.knowledge_dir) as folder:
                base = build_snapshot(folder, settings.thresholds, settings.cache_dir)
    except ImpactError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KnowledgeError as error:
        print("The base knowledge is not valid, so there is nothing to compare with:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_UNUSABLE
    impact = compare(base.responder, work.responder, labelled_questions(list(EVAL_FILES), work.kb))
    print(json.dumps(impact.as_json(), indent=2, ensure_ascii=False) if args.json else render(impact))
    return EXIT_UNUSABLE if impact.wrong else EXIT_OK


def run_kb_gaps(args: argparse.Namespace, settings: Settings) -> int:
    async def work(service: Service) -> int:
        groups = await service.gaps(args.days)
        if not groups:
            print(f"No unanswered questions in the last {args.days} days.")
        for group in groups:
            print(f"{group.count:4}x  {terminal_safe(group.example)}")
        return EXIT_OK

    return open_service(settings, work)


def run_db_migrate_to(args: argparse.Namespace, settings: Settings) -> int:
    """Copy the SQLite file into an empty PostgreSQL database, ids included (see bot.storage.transfer)."""
    from bot.storage.backend import is_postgres_url
    from bot.storage.postgres import redacted
    from bot.storage.transfer import copy_database

    if not is_postgres_url(args.url):  # not echoed: it may hold another database's password
        print("error: the URL must start with postgresql:// (the SQLite file at DATABASE_PATH is the source)", file=sys.stderr)
        return EXIT_USAGE
    source_path = Path(settings.database_path)
    if not source_path.is_file():
        print(f"error: there is no SQLite database at {source_path} to copy; set DATABASE_PATH to the bot's file",
              file=sys.stderr)
        return EXIT_UNUSABLE
    shown = redacted(args.url)  # the password never reaches the terminal

    async def go() -> dict[str, int]:
        source = await Storage.open(source_path)
        try:
            target = await Storage.open(args.url, pool_size=settings.database_pool_size)
            try:
                return await copy_database(source, target)
            finally:
                await target.close()
        finally:
            await source.close()

    counts = asyncio.run(go())
    for table, count in counts.items():
        print(f"{table:14} {count:8} row(s) copied")
    print(f"Copied {source_path} to {shown}. Now set DATABASE_URL={shown} (with the real password) and restart the bot.")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())

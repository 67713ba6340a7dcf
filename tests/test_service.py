"""The service both adapters share: recording, checkups by session, reloads that never lose good knowledge."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.service import CheckupError, Knowledge, Service
from bot.storage import Storage
from tests.conftest import edit_a_title, shows_the_edit


@pytest.fixture
async def service(knowledge_copy: Path, tmp_path: Path):
    storage = await Storage.open(tmp_path / "bot.sqlite3")
    yield Service(Knowledge(knowledge_copy), storage)
    await storage.close()


async def test_questions_are_recorded_byte_for_byte(service: Service) -> None:
    text = "will ending an unpaid contract hurt my JSS? \u200b<@&1> 'quotes' ; DROP TABLE questions; --"
    asked = await service.ask(text, user_id="u", via="test")
    stored = await service.storage.question(asked.question_id)
    assert stored.text == text and stored.topic_id == "end-unpaid-contract-jss"


async def test_refused_input_is_not_recorded(service: Service) -> None:
    asked = await service.ask("x" * 5000, user_id="u", via="test")
    assert asked.question_id is None


async def test_gaps_group_similar_unanswered_questions(service: Service) -> None:
    for text in ["best laptop for coding?", "which laptop is best for coding", "recommend a pizza place"]:
        await service.ask(text, user_id="u", via="test")
    groups = await service.gaps(days=7)
    assert [g.count for g in groups] == [2, 1]


async def test_a_checkup_runs_by_session_and_refuses_stale_or_foreign_clicks(service: Service) -> None:
    checkup = await service.start_checkup("me")
    session = checkup.session
    with pytest.raises(CheckupError, match="someone else"):
        await service.answer_checkup(session.id, "intruder", session.version, "none")
    checkup = await service.answer_checkup(session.id, "me", session.version, "none")
    with pytest.raises(CheckupError, match="earlier question") as stale:
        await service.answer_checkup(session.id, "me", session.version, "some")
    assert stale.value.checkup.step.next.slot == "client_feedback"
    for value in ["negative", "empty", "yes", "no"]:
        checkup = await service.answer_checkup(session.id, "me", checkup.session.version, value)
    assert checkup.step.finished and checkup.step.outcome.id == "counted-negative"
    assert (await service.storage.interview(session.id)).outcome == "counted-negative"
    with pytest.raises(CheckupError, match="already finished"):
        await service.answer_checkup(session.id, "me", checkup.session.version, "yes")


async def test_a_wrong_value_is_refused_without_moving_on(service: Service) -> None:
    checkup = await service.start_checkup("me")
    with pytest.raises(CheckupError, match="not one of this question's answers"):
        await service.answer_checkup(checkup.session.id, "me", 0, "lots")
    assert (await service.checkup(checkup.session.id, "me")).step.next.slot == "payments"


async def test_an_unfinished_checkup_can_be_found_again(service: Service) -> None:
    checkup = await service.start_checkup("me")
    assert await service.unfinished_checkup("me") is None  # nothing answered yet: nothing to resume
    await service.answer_checkup(checkup.session.id, "me", 0, "some")
    resumed = await service.unfinished_checkup("me")
    assert resumed.session.id == checkup.session.id and resumed.step.next.slot == "escrow"


async def test_a_broken_reload_keeps_the_old_knowledge_and_is_audited(service: Service, knowledge_copy: Path) -> None:
    before = service.knowledge.current
    topics = knowledge_copy / "topics.yaml"
    topics.write_text(topics.read_text().replace("    verdict: >-\n", "    verdikt: >-\n", 1))
    report = await service.reload(actor="mod#1")
    assert not report.ok
    assert any(str(p).startswith(f"{topics}:") and "verdikt" in str(p) for p in report.problems)
    assert service.knowledge.current is before
    answer = (await service.ask("will ending an unpaid contract hurt my jss", user_id="u", via="test")).answer
    assert answer.topic.id == "end-unpaid-contract-jss"
    [audit] = await service.storage.reloads()
    assert audit["actor"] == "mod#1" and not audit["ok"] and "verdikt" in audit["detail"]


async def test_a_good_reload_swaps_the_knowledge_without_restart(service: Service, knowledge_copy: Path) -> None:
    topics = knowledge_copy / "topics.yaml"
    topics.write_text(topics.read_text().replace(
        "Ending it is not what decides", "Reloaded: ending it is not what decides"
    ))
    report = await service.reload(actor="mod#1")
    assert report.ok and report.digest == service.knowledge.current.kb.digest
    answer = (await service.ask("will ending an unpaid contract hurt my jss", user_id="u", via="test")).answer
    assert answer.verdict.startswith("Reloaded:")


async def test_unprompted_chatter_is_not_recorded_but_unprompted_questions_are(service: Service) -> None:
    chatter = await service.ask("lol same here", user_id="u", via="test", unprompted=True)
    question = await service.ask("anyone know a good pizza place?", user_id="u", via="test", unprompted=True)
    assert chatter.question_id is None and not chatter.answer.answered
    assert question.question_id is not None and not question.answer.answered


async def test_teaching_a_phrasing_twice_is_audited_once(service: Service) -> None:
    first = await service.teach("escrow after the end, who gets it", "escrow-on-end", guild_id=1, actor="mod", moderator_id="9")
    again = await service.teach("Escrow after the END, who gets it", "escrow-on-end", guild_id=1, actor="mod", moderator_id="9")
    assert first.added and not again.added
    assert [r["ok"] for r in await service.storage.reloads()] == [True]


async def test_merging_a_servers_phrasings_moves_them_into_the_files_and_off_its_list(service: Service) -> None:
    phrasing = "escrow after the end, who gets it"
    await service.teach(phrasing, "escrow-on-end", guild_id=1, actor="mod", moderator_id="9")
    assert [e.phrasing for e in await service.taught(1)] == [phrasing]

    merged = await service.merge_taught(1)

    assert sum(merged.values()) == 1
    assert await service.taught(1) == ()  # this process's own copy is dropped too, not only the database's
    assert (await service.reload("owner")).ok
    assert phrasing in service.knowledge.current.kb.topics["escrow-on-end"].examples


async def test_a_servers_snapshot_is_built_once_and_rebuilt_when_the_shared_knowledge_changes(service: Service) -> None:
    await service.teach("escrow after the end, who gets it", "escrow-on-end", guild_id=1, actor="mod", moderator_id="9")
    mine = await service.snapshot(1)
    assert await service.snapshot(1) is mine and await service.snapshot(2) is service.knowledge.current
    assert mine.kb.digest.startswith(service.knowledge.current.kb.digest + "+")
    assert (await service.ask("escrow after the end, who gets it", user_id="m", via="t", guild_id=1)).answer.topic.id == "escrow-on-end"
    await service.reload("owner")  # the same files: nothing to rebuild
    assert await service.snapshot(1) is mine
    edit_a_title(service.knowledge.directory)
    await service.reload("owner")
    again = await service.snapshot(1)
    assert again is not mine and again.kb.learned == mine.kb.learned
    assert shows_the_edit(again.kb)


async def test_a_checkup_click_is_one_database_hop_and_still_exact_when_another_process_moved_on(tmp_path: Path) -> None:
    from bot.service import CheckupError, Knowledge, Service
    from bot.storage import Storage
    from tests.conftest import KNOWLEDGE

    path = tmp_path / "shared.sqlite3"
    first_storage, second_storage = await Storage.open(path), await Storage.open(path)
    knowledge = Knowledge(KNOWLEDGE)
    first, second = Service(knowledge, first_storage), Service(knowledge, second_storage)
    try:
        started = await first.start_checkup("m")
        value = started.step.next.choices[0].value
        reads = []
        original = first_storage.interview

        async def counting(session_id):
            reads.append(session_id)
            return await original(session_id)

        first_storage.interview = counting
        step1 = await first.answer_checkup(started.session.id, "m", started.session.version, value)
        assert reads == []  # the session came from memory: only the UPDATE touched the database
        # Another process answers the next question; the first process's memory is now stale.
        elsewhere = await second.checkup(started.session.id, "m")
        await second.answer_checkup(started.session.id, "m", elsewhere.session.version, elsewhere.step.next.choices[0].value)
        with pytest.raises(CheckupError, match="already answered") as caught:
            await first.answer_checkup(started.session.id, "m", step1.session.version, step1.step.next.choices[0].value)
        assert caught.value.checkup.session.version == step1.session.version + 1  # shown as it really stands
    finally:
        await first_storage.close()
        await second_storage.close()


def test_of_two_racing_reloads_the_newer_knowledge_stays_live(knowledge_copy: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A slow reload (it read the folder, then took long to go on) and a fast one started after the folder
    changed: whatever the timing, the live knowledge ends as the folder is now, never as it was before."""
    import threading

    import bot.service

    knowledge = Knowledge(knowledge_copy, cache_dir=tmp_path / "cache")  # a title edit reuses the training: fast
    read_knowledge, read, fast_done = bot.service.read_knowledge, threading.Event(), threading.Event()

    def slow_read(directory):  # noqa: ANN001
        reading = read_knowledge(directory)
        if threading.current_thread().name == "slow":
            read.set()
            fast_done.wait(1.5)  # with reloads serialised the fast one cannot finish first: this times out
        return reading

    monkeypatch.setattr(bot.service, "read_knowledge", slow_read)
    slow = threading.Thread(target=knowledge.reload, name="slow")
    slow.start()
    assert read.wait(10)
    edit_a_title(knowledge_copy)
    fast = threading.Thread(target=lambda: (knowledge.reload(), fast_done.set()))
    fast.start()
    for thread in (slow, fast):
        thread.join(30)
    assert shows_the_edit(knowledge.current.kb)


UNTAUGHT = "gig went sideways and the guy vanished, am I toast"


@pytest.fixture
async def two_processes(database_target: str, knowledge_copy: Path):
    """Two services on one database and one folder, as two bot processes would be."""
    services = [Service(Knowledge(knowledge_copy), await Storage.open(database_target)) for _ in range(2)]
    yield services
    for service in services:
        await service.storage.close()


async def test_a_phrasing_taught_in_one_process_is_answered_by_another(two_processes: list[Service]) -> None:
    """PostgreSQL tells the other process at once (NOTIFY); on SQLite, the periodic refresh finds it."""
    import asyncio

    first, second = two_processes
    await second.listen()
    topic = next(iter(first.knowledge.current.kb.topics))
    assert not (await second.ask(UNTAUGHT, user_id="m", via="t", guild_id=7)).answer.answered
    await first.teach(UNTAUGHT, topic, guild_id=7, actor="mod", moderator_id="9")
    if first.storage.backend.kind == "sqlite":
        await second.refresh()
    for _ in range(40):  # a notification arrives within moments; 2 s at most
        if (await second.ask(UNTAUGHT, user_id="m", via="t", guild_id=7, record=False)).answer.answered:
            break
        await asyncio.sleep(0.05)
    assert (await second.ask(UNTAUGHT, user_id="m", via="t", guild_id=7, record=False)).answer.topic.id == topic
    await first.forget_phrasing(UNTAUGHT, "mod", 7)
    await second.refresh()
    assert not (await second.ask(UNTAUGHT, user_id="m", via="t", guild_id=7, record=False)).answer.answered


async def test_a_help_channel_set_in_one_process_is_one_in_another(two_processes: list[Service]) -> None:
    """A server's messages move to another process when its shard goes down: that process must know the
    server's help channels, whenever they were set."""
    import asyncio

    first, second = two_processes
    await second.listen()
    await first.set_help_channel(7, 70, True)
    assert first.is_help_channel(70) and not first.is_help_channel(71)
    if first.storage.backend.kind == "sqlite":
        await second.refresh()
    for _ in range(40):  # a notification arrives within moments; 2 s at most
        if second.is_help_channel(70):
            break
        await asyncio.sleep(0.05)
    assert second.is_help_channel(70)
    await first.set_help_channel(7, 70, False)
    await second.refresh()
    assert not second.is_help_channel(70) and not first.is_help_channel(70)


async def test_a_reload_in_one_process_is_followed_by_another(two_processes: list[Service], knowledge_copy: Path) -> None:
    first, second = two_processes
    edit_a_title(knowledge_copy)
    report = await first.reload("owner")
    assert report.ok and second.knowledge.current.kb.digest != report.digest
    await second.refresh()
    assert second.knowledge.current.kb.digest == report.digest


def test_a_snapshot_is_no_cyclic_garbage_so_freezing_it_leaks_nothing() -> None:
    """Snapshots are built with the collector paused and frozen after (bot.service.gc_paused): an old snapshot
    is then freed by reference counting alone, which holds only while a snapshot has no reference cycles."""
    import gc

    from bot.service import build_snapshot
    from tests.conftest import KNOWLEDGE

    snapshot = build_snapshot(KNOWLEDGE)
    for question in ("will ending an unpaid contract hurt my jss?", "refund?", "hello"):
        snapshot.responder.respond(question)
    gc.unfreeze()
    gc.collect()
    del snapshot
    assert gc.collect() == 0


def test_a_dropped_snapshot_leaves_nothing_of_its_words_behind(tmp_path: Path) -> None:
    """A reload drops the old snapshot. Whatever a build leaves in process-wide caches outlives it, and a few
    such survivors scattered through the build's memory keep all of it from the system."""
    import gc
    import tracemalloc

    from bot.benchmark import write_synthetic
    from bot.service import build_snapshot
    from tests.conftest import KNOWLEDGE

    build_snapshot(KNOWLEDGE).responder.respond("will ending an unpaid contract hurt my jss?")  # imports, regexes
    write_synthetic(tmp_path, 300)  # about 2,000 words the shipped knowledge never uses
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        snapshot = build_snapshot(tmp_path)
        built = tracemalloc.get_traced_memory()[0] - before
        del snapshot
        gc.collect()  # empties the interpreter's free lists of tuples and floats; finds no garbage (test above)
        left = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert left < built / 100, (left, built)


async def test_a_process_started_after_a_reload_does_not_reload_again(service: Service, monkeypatch) -> None:
    """Files deployed and the bot restarted: the last recorded reload (of the files before) is not followed,
    since the process has just loaded the folder as it is."""
    await service.storage.record_reload(actor="owner", ok=True, digest="digest-of-the-files-before", detail="")

    def no_reload():
        raise AssertionError("reloaded on its first refresh")

    monkeypatch.setattr(service.knowledge, "reload", no_reload)
    await service.listen()
    await service.refresh()

"""`learned.yaml`, the format of taught phrasings, and folding them into the human-written topic files.

Each server's moderators teach their own server from Discord (kept in the database, see `bot.storage`);
`/kb export` gives them as a learned.yaml. The bot's owners fold phrasings into the shared topic files with
`python -m bot kb merge-learned` (a learned.yaml in the folder, or one server's with `--server`), as new
lines of text placed with PyYAML's node marks, so every comment and the layout around them stay exactly
as the moderators left them (which is why no round-trip YAML library is needed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import yaml

from bot.files import replace_atomically
from bot.knowledge.loader import YAML_LOADER, KnowledgeError, load_knowledge
from bot.knowledge.model import Learned, fold

LEARNED_FILE = "learned.yaml"
HEADER = """\
# Phrasings moderators taught the bot for their server (/kb teach, or "Assign to topic" in /kb gaps).
# Fold them into the topic files with `python -m bot kb merge-learned` (the bot's owners), then reload.
"""


def learned_path(directory: Path) -> Path:
    return directory / LEARNED_FILE


def read_entries(directory: Path) -> list[dict[str, Any]]:
    path = learned_path(directory)
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return list(data.get("learned") or [])


def render(entries: Sequence[Learned]) -> str:
    """Phrasings as a learned.yaml, the one format they travel in (export, the folder's own file)."""
    return _document([{"topic": e.topic, "phrasing": e.phrasing, "by": e.by, "at": e.at} for e in entries])


def _document(records: list[dict[str, Any]]) -> str:
    return HEADER + yaml.safe_dump({"learned": records}, sort_keys=False, allow_unicode=True, width=1000)


def write_entries(directory: Path, entries: list[dict[str, Any]]) -> None:
    """Replace learned.yaml atomically: a crash leaves the old file or the new one, never half of one.
    With nothing left to hold, the file goes: an empty learned.yaml is clutter a moderator must wonder about."""
    path = learned_path(directory)
    if not entries:
        path.unlink(missing_ok=True)
        return
    text = _document(entries)
    replace_atomically(path, lambda handle: handle.write(text.encode("utf-8")))


def remove_entries(directory: Path, phrasing: str) -> int:
    entries = read_entries(directory)
    kept = [e for e in entries if fold(e.get("phrasing", "")) != fold(phrasing)]
    if len(kept) != len(entries):
        write_entries(directory, kept)
    return len(entries) - len(kept)


@dataclass(frozen=True, slots=True)
class Insertion:
    line: int  # 0-based index of the line to insert before (block lists), or the line to edit (flow lists)
    column: int | None  # None for a new block line; else where to insert in a flow list
    text: str
    order: int  # keeps phrasings for the same place in the order they were learned


def merge_learned(directory: Path, phrasings: Sequence[Learned] | None = None) -> dict[str, int]:
    """Move phrasings into their topics' `examples` in each topic's own file; returns counts per file.

    Without `phrasings`, the folder's learned.yaml is merged and removed. Given (one server's), a phrasing
    whose topic the files no longer have is left out. All files are checked again afterwards; if the result
    would not load, every file is put back as it was.
    """
    kb = load_knowledge(directory)
    entries = kb.learned if phrasings is None else [e for e in phrasings if e.topic in kb.topics]
    if not entries:
        return {}
    originals: dict[Path, str] = {}
    plan: dict[Path, list[Insertion]] = {}
    for entry in entries:
        path = Path(kb.topics[entry.topic].where.file)
        if path not in originals:
            originals[path] = path.read_text(encoding="utf-8")
        plan.setdefault(path, []).append(_insertion(originals[path], entry.topic, entry.phrasing, len(plan.get(path, ()))))
    learned_file = learned_path(directory)
    learned_original = learned_file.read_text(encoding="utf-8") if phrasings is None else None
    try:
        for path, insertions in plan.items():
            path.write_text(_apply(originals[path], insertions), encoding="utf-8")
        if learned_original is not None:
            write_entries(directory, [])
        load_knowledge(directory)
    except (KnowledgeError, OSError):
        for path, text in originals.items():
            path.write_text(text, encoding="utf-8")
        if learned_original is not None:
            learned_file.write_text(learned_original, encoding="utf-8")
        raise
    return {str(path): len(insertions) for path, insertions in plan.items()}


def _insertion(text: str, topic_id: str, phrasing: str, order: int) -> Insertion:
    document = yaml.compose(text, Loader=YAML_LOADER)
    for key, value in document.value:
        if key.value != "topics":
            continue
        for topic in value.value:
            fields = {k.value: v for k, v in topic.value}
            if getattr(fields.get("id"), "value", None) != topic_id:
                continue
            examples = fields["examples"]
            quoted = json.dumps(phrasing, ensure_ascii=False)
            if examples.flow_style:
                end = examples.end_mark
                return Insertion(end.line, end.column - 1, f", {quoted}", order)
            last = examples.value[-1]
            indent = last.start_mark.column - 2
            after = last.end_mark.line if last.end_mark.column > 0 else last.end_mark.line - 1
            return Insertion(after + 1, None, " " * indent + "- " + quoted, order)
    raise ValueError(f"topic '{topic_id}' is not in this file")


def _apply(text: str, insertions: list[Insertion]) -> str:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    # Bottom-up, right to left, so earlier positions stay valid.
    for insertion in sorted(insertions, key=lambda i: (i.line, -1 if i.column is None else i.column, i.order), reverse=True):
        if insertion.column is None:
            lines.insert(insertion.line, insertion.text + "\n")
        else:
            line = lines[insertion.line]
            lines[insertion.line] = line[: insertion.column] + insertion.text + line[insertion.column :]
    return "".join(lines)

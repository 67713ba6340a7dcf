"""The checkup as a picture: which question follows which answer, and where each path ends.

Moderators edit outcomes and advice as `when` conditions; what members actually go through is easier to
check as a flow. The flow is read from the interview engine itself, by walking every path a member can
click, so the picture shows what the bot really asks, not what the YAML seems to say.

A node per question and per outcome; an edge per (question, answer) to the next question or the outcome,
labelled with the answers that take it; advice hangs off the outcomes it can follow.
"""

from __future__ import annotations

import html
from collections import defaultdict
from dataclasses import dataclass

from bot.engine.interview import InterviewEngine
from bot.knowledge.model import Interview


@dataclass(frozen=True, slots=True)
class Flow:
    """Questions, outcomes and advice as nodes (id -> label); edges as (from, to) -> answer labels."""

    questions: dict[str, str]
    outcomes: dict[str, str]
    advice: dict[str, str]
    edges: dict[tuple[str, str], tuple[str, ...]]


def flow(engine: InterviewEngine) -> Flow:
    """Walk every path a member can click. Until the outcome is settled, an answer leads to the next question
    or to the outcome it settles; after that, the questions that remain only decide advice, so an answer
    leads to the advice it triggers, and each question to the next one ("then")."""
    interview = engine.interview
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    seen: set[tuple[tuple[str, str], ...]] = set()
    pending = [engine.step(())]

    def link(source: str, target: str, label: str) -> None:
        labels = edges[(source, target)]
        if label not in labels:
            labels.append(label)

    while pending:
        step = pending.pop()
        if step.asked in seen or step.next is None:
            continue
        seen.add(step.asked)
        question = f"q:{step.next.slot}"
        for choice in step.next.choices:
            after = engine.answer(step, choice.value)
            if step.outcome is None and after.outcome is not None:
                link(question, f"o:{after.outcome.id}", choice.label)
                if after.next is not None:
                    link(f"o:{after.outcome.id}", f"q:{after.next.slot}", "then")
            elif step.outcome is None:
                link(question, f"q:{after.next.slot}", choice.label)
            else:
                answers = {**after.answers, Interview.OUTCOME: after.outcome.id}
                for rule in interview.advice:
                    if step.next.slot in rule.when and rule.holds(answers):
                        link(question, f"a:{rule.id}", choice.label)
                if after.next is not None:
                    link(question, f"q:{after.next.slot}", "then")
            if after.next is not None:
                pending.append(after)
    return Flow(
        questions={f"q:{q.slot}": q.prompt for q in interview.questions},
        outcomes={f"o:{o.id}": o.title for o in interview.outcomes},
        advice={f"a:{a.id}": a.title for a in interview.advice},
        edges={key: tuple(labels) for key, labels in edges.items()},
    )


def mermaid(diagram: Flow) -> str:
    """Mermaid flowchart text: GitHub renders it in Markdown, and mermaid.live draws it anywhere."""
    names: dict[str, str] = {}

    def name(node: str) -> str:
        return names.setdefault(node, f"n{len(names)}")

    def text(label: str) -> str:
        return label.replace('"', "'")

    used = {n for edge in diagram.edges for n in edge}
    lines = ["flowchart TD"]
    lines += [f'  {name(q)}["{text(label)}"]' for q, label in diagram.questions.items() if q in used]
    lines += [f'  {name(o)}(["{text(label)}"])' for o, label in diagram.outcomes.items() if o in used]
    lines += [f'  {name(a)}>"{text(label)}"]' for a, label in diagram.advice.items() if a in used]
    for (source, target), labels in diagram.edges.items():
        arrow = "-.->" if labels == ("then",) else "-->"
        lines.append(f'  {name(source)} {arrow}|"{text(" / ".join(labels))}"| {name(target)}')
    return "\n".join(lines)


def svg(diagram: Flow, width: int = 1100) -> str:
    """A plain SVG of the same flow, laid out in rows: questions, then outcomes, then advice."""
    used = {n for edge in diagram.edges for n in edge}
    rows = _levels(diagram, used)
    box_w, box_h, gap_y = 200, 56, 130
    places: dict[str, tuple[float, float]] = {}
    for r, row in enumerate(rows):
        for c, node in enumerate(row):
            places[node] = ((c + 0.5) * width / max(len(row), 1), 40 + r * (box_h + gap_y))
    labels = {**diagram.questions, **diagram.outcomes, **diagram.advice}
    height = 40 + len(rows) * (box_h + gap_y)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto">'
           '<path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>']
    for (source, target), answers in diagram.edges.items():
        dashed = answers == ("then",)
        out.append(_edge(places[source], places[target], box_h, "" if dashed else " / ".join(answers), dashed))
    colours = {"q": "#dbe8ff", "o": "#d8f5d0", "a": "#fff2cc"}
    for node, (x, y) in places.items():
        out.append(f'<rect x="{x - box_w / 2:.0f}" y="{y:.0f}" width="{box_w}" height="{box_h}" rx="8" '
                   f'fill="{colours[node[0]]}" stroke="#555"/>')
        for n, line in enumerate(_wrap(labels[node], 34)[:4]):
            out.append(f'<text x="{x:.0f}" y="{y + 14 + n * 12:.0f}" text-anchor="middle">{html.escape(line)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _levels(diagram: Flow, used: set[str]) -> list[list[str]]:
    """Nodes in rows by their longest distance from the first question, so every edge points down."""
    level = {node: 0 for node in used}
    for _ in range(len(used)):  # relax until stable: the flow has no cycles, so this ends
        changed = False
        for source, target in diagram.edges:
            if level[target] < level[source] + 1:
                level[target], changed = level[source] + 1, True
        if not changed:
            break
    order = [*diagram.questions, *diagram.outcomes, *diagram.advice]
    rows: list[list[str]] = [[] for _ in range(max(level.values(), default=0) + 1)]
    for node in sorted(used, key=order.index):
        rows[level[node]].append(node)
    return rows


def _edge(start: tuple[float, float], end: tuple[float, float], box_h: int, label: str, dashed: bool = False) -> str:
    (x1, y1), (x2, y2) = start, end
    y1 += box_h
    if y2 <= y1 - box_h:  # an edge to a box on the same row or above: go out at the side
        y1 -= box_h / 2
        y2 += box_h / 2
    dash = ' stroke-dasharray="4 3"' if dashed else ""
    line = f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" stroke="#555"{dash} marker-end="url(#arrow)"/>'
    if label:
        line += (f'<text x="{(x1 + x2) / 2:.0f}" y="{(y1 + y2) / 2:.0f}" text-anchor="middle" fill="#333" '
                 f'font-size="10">{html.escape(label[:60])}</text>')
    return line


def _wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line] if line else lines


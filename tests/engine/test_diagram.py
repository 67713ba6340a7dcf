"""The checkup diagram is drawn from the engine's own paths: every outcome a member can reach, every edge a
real answer, and well-formed Mermaid and SVG."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ElementTree

from bot.engine.diagram import flow, mermaid, svg


def test_every_reachable_outcome_and_every_answer_is_drawn(snapshot) -> None:
    for engine in snapshot.interviews.values():
        diagram = flow(engine)
        interview = engine.interview
        reachable = {
            engine.result(dict(zip((q.slot for q in interview.questions), values)))[0]
            for values in itertools.product(*([c.value for c in q.choices] for q in interview.questions))
        }
        drawn = {target.removeprefix("o:") for _, target in diagram.edges if target.startswith("o:")}
        assert drawn == reachable
        labels = {c.label for q in interview.questions for c in q.choices} | {"then"}
        assert all(set(answers) <= labels for answers in diagram.edges.values())
        first = f"q:{interview.questions[0].slot}"
        assert all(target != first for _, target in diagram.edges)  # the first question starts every path


def test_mermaid_and_svg_are_well_formed(snapshot) -> None:
    diagram = flow(next(iter(snapshot.interviews.values())))
    text = mermaid(diagram)
    assert text.startswith("flowchart TD") and text.count("-->") + text.count("-.->") == len(diagram.edges)
    root = ElementTree.fromstring(svg(diagram))
    assert root.tag.endswith("svg") and len(root.findall("{http://www.w3.org/2000/svg}rect")) >= len(diagram.outcomes)

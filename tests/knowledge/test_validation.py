"""Every broken construct a moderator can write is reported with its file and line, all at once."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeError, load_knowledge

VALID = """\
sources:
  - id: thread
    title: A thread
    forum: A forum
    seen: 2026-01-02
claims:
  - id: rule
    source: thread
    who: Mod
    role: moderator
    label: The rule
    said: What is true.
    verdict: confirmed
  - id: myth
    source: thread
    who: Someone
    role: member
    label: The myth
    said: What is not true.
    verdict: corrected
    corrected_by: rule
topics:
  - id: the-topic
    title: A question
    verdict: The answer.
    detail: The long answer.
    claims: [rule]
    myths: [myth]
    examples: [one way to ask, another way to ask, a third way to ask]
"""


def write(directory: Path, text: str, name: str = "k.yaml") -> Path:
    directory.mkdir(exist_ok=True)
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(directory: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(directory)
    return [str(p) for p in caught.value.problems]


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    lines = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    return lines[occurrence - 1]


def test_the_valid_base_loads(tmp_path: Path) -> None:
    write(tmp_path, VALID)
    kb = load_knowledge(tmp_path)
    assert list(kb.topics) == ["the-topic"]
    assert kb.claims["myth"].corrected_by == "rule"


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    text = VALID.replace("    title: A question\n", "    title: A question\n   bad: [unclosed\n")
    path = write(tmp_path, text)
    found = problems(tmp_path)
    assert len(found) == 1
    assert found[0].startswith(f"{path}:")
    assert "YAML syntax error" in found[0]
    reported_line = int(found[0].split(":")[1])
    assert abs(reported_line - line_of(text, "bad: [unclosed")) <= 1


def test_tab_indentation_is_explained(tmp_path: Path) -> None:
    write(tmp_path, VALID.replace("    title: A question", "\ttitle: A question"))
    assert any("tabs" in p for p in problems(tmp_path))


def test_misspelled_key_suggests_the_right_one(tmp_path: Path) -> None:
    text = VALID.replace("    examples:", "    exmaples:")
    path = write(tmp_path, text)
    found = problems(tmp_path)
    assert f"{path}:{line_of(text, 'exmaples')}:5: unknown key 'exmaples' in topic 'the-topic'; did you mean 'examples'?" in found
    assert any("missing 'examples'" in p for p in found)


def test_missing_field_is_named_with_what_to_write(tmp_path: Path) -> None:
    text = VALID.replace("    verdict: The answer.\n", "")
    path = write(tmp_path, text)
    found = problems(tmp_path)
    assert any(p.startswith(f"{path}:{line_of(text, 'id: the-topic')}:") and "missing 'verdict' (the one-line answer)" in p for p in found)


def test_wrong_type_is_explained(tmp_path: Path) -> None:
    text = VALID.replace("    examples: [one way to ask, another way to ask, a third way to ask]", "    examples: just one text")
    path = write(tmp_path, text)
    found = problems(tmp_path)
    assert any(p.startswith(f"{path}:{line_of(text, 'examples: just')}:") and "must be a list" in p for p in found)


def test_duplicate_key_is_reported_not_silently_dropped(tmp_path: Path) -> None:
    text = VALID.replace("    title: A question\n", "    title: A question\n    title: Another question\n")
    path = write(tmp_path, text)
    found = problems(tmp_path)
    assert any(p.startswith(f"{path}:{line_of(text, 'title: Another')}:") and "written twice" in p for p in found)


def test_duplicate_id_across_files_names_both_places(tmp_path: Path) -> None:
    write(tmp_path, VALID, "a.yaml")
    second = write(tmp_path, """\
        topics:
          - id: the-topic
            title: Again
            verdict: v
            detail: d
            claims: [rule]
            examples: [x y, y z, z w]
        """, "b.yaml")
    found = problems(tmp_path)
    assert any(p.startswith(f"{second}:2:") and "is also defined at" in p and "a.yaml" in p for p in found)


def test_reference_to_undefined_claim(tmp_path: Path) -> None:
    text = VALID.replace("    claims: [rule]", "    claims: [rulle]")
    path = write(tmp_path, text)
    found = problems(tmp_path)
    assert any(p.startswith(f"{path}:{line_of(text, 'claims: [rulle]')}:") and "'rulle'" in p and "did you mean 'rule'" in p for p in found)


def test_reference_to_undefined_topic(tmp_path: Path) -> None:
    text = VALID.replace("    myths: [myth]", "    myths: [myth]\n    related: [no-such-topic]")
    path = write(tmp_path, text)
    found = problems(tmp_path)
    assert any(p.startswith(f"{path}:{line_of(text, 'related:')}:") and "topic 'no-such-topic'" in p for p in found)


def test_corrected_claim_without_its_correction(tmp_path: Path) -> None:
    text = VALID.replace("    corrected_by: rule\n", "")
    path = write(tmp_path, text)
    found = problems(tmp_path)
    assert any(p.startswith(f"{path}:{line_of(text, 'verdict: corrected')}:") and "corrected_by" in p for p in found)


def test_confirmed_claim_listed_as_myth(tmp_path: Path) -> None:
    write(tmp_path, VALID.replace("    myths: [myth]", "    myths: [rule]"))
    assert any("only corrected, partly-correct or unverified claims are myths" in p for p in problems(tmp_path))


def test_yes_no_booleans_must_be_quoted(tmp_path: Path) -> None:
    text = VALID.replace("    label: The rule", "    label: yes")
    path = write(tmp_path, text)
    found = problems(tmp_path)
    assert f'{path}:{line_of(text, "label: yes")}:12: \'label\': YAML reads yes as true/false, not as text; put it in quotes: "yes"' in found


def test_misspelled_verdict_value(tmp_path: Path) -> None:
    write(tmp_path, VALID.replace("verdict: confirmed", "verdict: confimed"))
    assert any("did you mean 'confirmed'" in p for p in problems(tmp_path))


def test_all_problems_are_reported_together(tmp_path: Path) -> None:
    text = VALID.replace("    label: The rule", "    label: no").replace("claims: [rule]", "claims: [nope]")
    text = text.replace("    examples:", "    exemples:")
    write(tmp_path, text)
    found = problems(tmp_path)
    # Three mistakes, three problems: the claim broken by its label is not reported again where it is named.
    assert len(found) == 3
    assert any("true/false" in p for p in found) and any("'exemples'" in p for p in found)
    assert any("missing 'examples'" in p for p in found)


def test_aliases_are_refused_so_a_bomb_cannot_expand(tmp_path: Path) -> None:
    bomb = "stopwords: &a [x, x, x]\nconcepts:\n  - id: c\n    terms: *a\n"
    write(tmp_path, VALID + bomb)
    assert any("reuses an anchor" in p for p in problems(tmp_path))


def test_empty_and_binary_files(tmp_path: Path) -> None:
    write(tmp_path, VALID)
    (tmp_path / "empty.yaml").write_text("")
    (tmp_path / "binary.yaml").write_bytes(b"\xff\xfe\x00garbage")
    found = problems(tmp_path)
    assert any("empty.yaml:1:1: the file is empty" in p for p in found)
    assert any("binary.yaml:1:1:" in p and "UTF-8" in p for p in found)


INTERVIEW = """\
interviews:
  - id: toy
    title: Toy
    intro: A toy interview.
    questions:
      - slot: colour
        prompt: Colour?
        choices:
          - {value: red, label: Red}
          - {value: blue, label: Blue}
    outcomes:
      - id: warm
        when: {colour: red}
        title: Warm
        text: Warm.
      - id: cold
        when: {colour: blue}
        title: Cold
        text: Cold.
    advice:
      - id: wear-a-coat
        when: {outcome: cold}
        title: Coat
        text: Wear a coat.
        sources: [rule]
"""


def test_interview_reference_to_undefined_question(tmp_path: Path) -> None:
    text = VALID + INTERVIEW.replace("when: {colour: blue}", "when: {color: blue}")
    path = write(tmp_path, text)
    found = problems(tmp_path)
    assert any(p.startswith(f"{path}:{line_of(text, 'color: blue')}:") and "'color'" in p and "did you mean 'colour'" in p for p in found)


def test_interview_reference_to_undefined_outcome(tmp_path: Path) -> None:
    text = VALID + INTERVIEW.replace("when: {outcome: cold}", "when: {outcome: freezing}")
    path = write(tmp_path, text)
    found = problems(tmp_path)
    assert any(p.startswith(f"{path}:{line_of(text, 'outcome: freezing')}:") and "'freezing' is not an outcome" in p for p in found)


def test_interview_outcomes_must_cover_every_answer(tmp_path: Path) -> None:
    text = VALID + INTERVIEW.replace("          - {value: blue, label: Blue}", "          - {value: blue, label: Blue}\n          - {value: green, label: Green}")
    write(tmp_path, text)
    assert any("no outcome for colour=green" in p for p in problems(tmp_path))


def test_unknown_claim_in_rule_sources(tmp_path: Path) -> None:
    write(tmp_path, VALID + INTERVIEW.replace("sources: [rule]", "sources: [ghost]"))
    assert any("claim 'ghost', which is not defined" in p for p in problems(tmp_path))


def test_concept_terms_that_can_never_match_are_reported(tmp_path: Path) -> None:
    from bot.service import build_snapshot

    text = VALID + "concepts:\n  - id: a\n    terms: [pay, paid]\n  - id: b\n    terms: [paying]\nstopwords: [the, of]\n"
    write(tmp_path, text)
    with pytest.raises(KnowledgeError) as caught:
        build_snapshot(tmp_path)
    assert any("'paying' reads the same as a term of concept 'a'" in str(p) for p in caught.value.problems)


def test_shipped_knowledge_is_valid(snapshot) -> None:
    kb = snapshot.kb
    required = {
        "end-unpaid-contract-jss", "no-earnings-feedback", "public-feedback-no-earnings", "escrow-on-end",
        "jss-dollar-weighting", "scope-creep-new-milestone", "unreleased-payment", "terms-changed-before-start",
        "client-closes-feedback",
    }
    assert required <= set(kb.topics)
    assert kb.claims["no-money-no-jss"].verdict.value == "corrected"
    assert kb.claims["no-money-no-jss"].corrected_by == "moderator-no-earnings-rule"
    assert kb.claims["moderator-no-earnings-rule"].role == "moderator"


def _problems(directory: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(directory)
    return [str(p) for p in caught.value.problems]


def test_a_missing_choice_lists_the_allowed_values(tmp_path: Path) -> None:
    write(tmp_path, VALID.replace("    role: member\n", ""))
    [problem] = _problems(tmp_path)
    assert "is missing 'role' (one of: member, moderator)" in problem


def test_an_invalid_item_is_one_problem_not_a_cascade(tmp_path: Path) -> None:
    write(tmp_path, VALID.replace("    verdict: confirmed\n", ""))  # the rule claim, which the topic and the myth name
    [problem] = _problems(tmp_path)
    assert "claim 'rule' is missing 'verdict'" in problem


def test_a_duplicate_id_is_reported_in_the_file_edited_last_and_names_the_other(tmp_path: Path) -> None:
    import os
    import time

    shipped = write(tmp_path, VALID, "z-shipped.yaml")
    os.utime(shipped, (time.time() - 3600, time.time() - 3600))
    write(tmp_path, """\
        topics:
          - id: the-topic
            title: Another question
            verdict: Another answer.
            detail: More.
            claims: [rule]
            examples: [a way, another way, a third way]
        """, "a-mine.yaml")
    [problem] = _problems(tmp_path)
    assert problem.startswith(str(tmp_path / "a-mine.yaml")) and "z-shipped.yaml:" in problem
    assert "is loaded last" in problem

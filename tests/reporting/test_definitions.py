from pathlib import Path

from allervers.reporting.definitions import INDICATORS

DOC = Path(__file__).resolve().parents[2] / "docs" / "indicators.md"


def test_the_documentation_holds_every_definition_word_for_word():
    text = DOC.read_text(encoding="utf-8")
    for indicator in INDICATORS.values():
        assert f"| {indicator.label} | `{indicator.key}` | {indicator.definition} |" in text


def test_every_figure_and_table_has_a_definition():
    from allervers.reception.questions import QUESTIONS, SHARES

    assert {question.report_key for question in QUESTIONS} <= set(INDICATORS)
    assert {share.key for share in SHARES} <= set(INDICATORS)

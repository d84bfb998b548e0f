"""docs/access.md's table of parts says what casework/parts.py declares, row by row."""

from pathlib import Path

from casework.parts import RULES, Part

DOC = Path(__file__).resolve().parents[2] / "docs" / "access.md"


def documented_rows() -> dict[str, tuple[str, str, str]]:
    rows = {}
    for line in DOC.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0] in Part.values:
            rows[cells[0]] = (cells[1], cells[2], cells[3])
    return rows


def test_the_access_doc_lists_every_part_as_declared():
    declared = {
        part.value: (str(part.label), rule.read.describe(), rule.write.describe())
        for part, rule in RULES.items()
    }
    assert documented_rows() == declared

"""How a case is named to people: its reference, e.g. HW-000123."""

REFERENCE_PREFIX = "HW-"


def reference_for(case_id: int) -> str:
    return f"{REFERENCE_PREFIX}{case_id:06d}"


def case_id_from_reference(text: str) -> int | None:
    """'HW-000123', 'hw-123' or '123' → 123; anything else → None."""
    value = text.strip().upper().removeprefix(REFERENCE_PREFIX)
    if value.isascii() and value.isdigit() and len(value) <= 12:
        return int(value)
    return None

"""Keyboard-only operation: reach an element with Tab, as a person without a mouse does,
and check that the focused element shows where it is."""

MAX_TABS = 80


def tab_to(page, selector: str) -> None:
    """Press Tab until the focused element matches `selector`; fail if it is never reached."""
    for _ in range(MAX_TABS):
        if page.evaluate("s => !!document.activeElement?.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} is not reachable with Tab ({MAX_TABS} presses)")


def assert_focus_visible(page, selector: str) -> None:
    """The focused element matches `selector` and draws a visible focus outline."""
    style = page.evaluate(
        """s => {
            const e = document.activeElement;
            const css = getComputedStyle(e);
            return {matches: e.matches(s), focusVisible: e.matches(":focus-visible"),
                    outline: css.outlineStyle, width: parseFloat(css.outlineWidth),
                    color: css.outlineColor};
        }""",
        selector,
    )
    assert style["matches"], f"focus is not on {selector}"
    assert style["focusVisible"], style
    assert style["outline"] != "none", style
    assert style["width"] >= 2, style

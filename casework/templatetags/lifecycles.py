"""`{% actions record … as offered %}`: the steps of the record's lifecycle to offer the
reader (casework/lifecycles.py), so a template asks the table instead of testing states.

Say where the reader stands: `viewer=viewer` on a case page (the parts of the case
they may write, or the sides the record's lifecycle derives from them), or the side
a list found the record on, e.g. `"receiver"` in an inbox.
"""

from django import template

from casework.lifecycles import lifecycle_of

register = template.Library()


@register.simple_tag(takes_context=True)
def actions(context, record, *sides, viewer=None) -> frozenset[str]:
    lifecycle = lifecycle_of(record)
    held = set(sides)
    if viewer is not None:
        held |= lifecycle.sides_of_viewer(record, viewer)
    return lifecycle.offered(record, user=context["user"], sides=held)

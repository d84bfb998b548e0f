"""A task's steps: open → done (complete) and done → open (reopen), for the case team.

The state is derived from `done_at`, never stored twice. The table serves the
services (which step is allowed), the templates (`{% actions task viewer=viewer %}`)
and the API (one `TransitionApi` per step), as casework/lifecycles.py explains.
"""

from django.utils.translation import gettext_lazy

from casework.lifecycles import Lifecycle, Transition
from casework.parts import Part
from tasks.models import Task

OPEN = "open"
DONE = "done"
# The role that works tasks: the case team's (social workers, program managers).
TASK_PERMISSION = "casework.change_case"


def task_state(task: Task) -> str:
    return DONE if task.done_at is not None else OPEN


TASK = Lifecycle(
    model=Task,
    transitions=(
        Transition(
            action="complete",
            sources=(OPEN,),
            target=DONE,
            permission=TASK_PERMISSION,
            side=Part.TASKS,
            refusal=gettext_lazy("This task is already done."),
        ),
        Transition(
            action="reopen",
            sources=(DONE,),
            target=OPEN,
            permission=TASK_PERMISSION,
            side=Part.TASKS,
            refusal=gettext_lazy("This task is not done."),
        ),
    ),
    state=task_state,
    code="task_state",
)

"""The one write path of the audit trail from Python.

`audit_record(*, action, actor=None, request=None, case=None, returnee_id=None,
obj=None, detail=None) -> AuditEvent` — a stable interface: the exports, the
lockout receiver and anything else that must leave a trace call it.

- `action`: an `AuditAction`.
- `actor`: the user who acted; defaults to the request's user.
- `request`: defaults to the request being served (see `audit.middleware`);
  gives the address, path and method. Outside a request (a Celery task, a
  command) they stay empty.
- `case`: a Case or a case id. Its returnee id is filled in when a Case is given.
- `obj`: a model instance, or an `(object_type, object_id)` pair.
- `detail`: JSON-serialisable facts about the event (never a password; ids and
  field names rather than personal data wherever they suffice).

Changes to records are not written here: Postgres triggers write them
(`audit/migrations/0001_initial.py`), so no code path can skip them.
"""

from django.db.models import Subquery

from audit import middleware
from audit.models import AuditAction, AuditEvent


def _agency_of(user_id) -> Subquery:
    """The actor's agency (the lowest id if several), taken inside the INSERT: no extra query."""
    from agencies.models import Agency

    return Subquery(Agency.objects.filter(group__user=user_id).order_by("pk").values("pk")[:1])


def audit_record(
    *,
    action: AuditAction | str,
    actor=None,
    request=None,
    case=None,
    returnee_id: int | None = None,
    obj=None,
    detail: dict | None = None,
) -> AuditEvent:
    if request is None and (state := middleware.current()) is not None:
        request = state.request
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    case_id = getattr(case, "pk", case)
    if case is not None and hasattr(case, "returnee_id") and returnee_id is None:
        returnee_id = case.returnee_id
    if obj is None:
        object_type, object_id = "", ""
    elif isinstance(obj, tuple):
        object_type, object_id = obj
    else:
        object_type, object_id = obj._meta.label_lower, obj.pk
    event = AuditEvent(
        action=action,
        actor_id=actor.pk if actor else None,
        actor_username=actor.get_username() if actor else "",
        agency_id=_agency_of(actor.pk) if actor else None,
        case_id=int(case_id) if case_id is not None else None,
        returnee_id=returnee_id,
        object_type=object_type,
        object_id="" if object_id is None else str(object_id),
        detail=detail or {},
    )
    if request is not None:
        event.ip_address = middleware.client_ip(request)
        event.path = request.path[:500]
        event.method = request.method or ""
    event.save(force_insert=True)
    return event


def audit_refusal(*, object_type: str, object_id, case_id=None) -> None:
    """The access funnels call this when they answer 404.

    During a request the event is written by the middleware once the response
    is ready, outside any transaction the view may roll back; elsewhere at once.
    """
    try:
        object_id = int(object_id)
        if len(str(object_id)) > 64:  # the column's width: keep what was tried, cut
            raise ValueError
    except (TypeError, ValueError):
        object_id = str(object_id)[:64]
    if case_id is not None and not isinstance(case_id, int):
        case_id = None
    state = middleware.current()
    if state is not None:
        state.refusals.append((object_type, object_id, case_id))
    else:
        audit_record(action=AuditAction.ACCESS_REFUSED, case=case_id, obj=(object_type, object_id))


def audit_case_read(*, case_id: int, obj=None) -> None:
    """A view that shows case content at a URL naming no case (a referral) declares it here;
    the read is written after a 200 response like any case page's. Outside a request: at once."""
    state = middleware.current()
    if state is not None:
        state.read_of = (case_id, obj)
    else:
        audit_record(action=AuditAction.CASE_API_VIEWED, case=case_id, obj=obj)

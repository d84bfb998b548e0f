"""Request metadata for the audit trail.

`AuditMiddleware` does three things for every request:

- keeps the request in a context variable, so code that gets no request (the
  access funnel, signal receivers) can still say who asked and from where;
- opens a django-pghistory context carrying the user, address, path and method,
  which pghistory injects into every write as a transaction-local setting; the
  change triggers read it, so a change made by a queryset `.update()` or raw SQL
  in this request is attributed like any other (DRF authenticates in the view,
  and pghistory's request class updates the user when it does);
- after the response, writes the read event of a case page or case API (a GET
  answered 200 whose URL names a `case_id`), and the refusals the access funnel
  noted. Writing them here, outside any transaction the view opened, means a
  rollback can never take a refusal or a read back out of the trail.
"""

import contextvars
import ipaddress
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from pghistory.middleware import HistoryMiddleware

from audit.models import AuditAction


@dataclass
class RequestAudit:
    request: object
    # Refusals noted by the access funnels: (object_type, object_id, case_id).
    refusals: list = field(default_factory=list)
    # A view may name its read differently (e.g. the access log page).
    read_action: str | None = None
    # A read of case content at a URL that names no case (e.g. a referral): (case_id, obj).
    read_of: tuple | None = None


_current: contextvars.ContextVar[RequestAudit | None] = contextvars.ContextVar(
    "homeward_audit_request", default=None
)


def current() -> RequestAudit | None:
    return _current.get()


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or the address the trusted proxies saw when some are configured.

    With HOMEWARD_TRUSTED_PROXY_COUNT = n, the n-th address from the right of
    X-Forwarded-For is the one our outermost trusted proxy received the request
    from; anything left of it was written by the client and is not trusted.
    """
    address = request.META.get("REMOTE_ADDR", "")
    proxies = getattr(settings, "HOMEWARD_TRUSTED_PROXY_COUNT", 0)
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def _read_action(request) -> str | None:
    match = getattr(request, "resolver_match", None)
    if request.method != "GET" or match is None or "case_id" not in match.kwargs:
        return None
    return (
        AuditAction.CASE_API_VIEWED if request.path.startswith("/api/") else AuditAction.CASE_VIEWED
    )


class AuditMiddleware(HistoryMiddleware):
    def get_context(self, request) -> dict:
        context = super().get_context(request)
        context.update(ip=client_ip(request), method=request.method)
        return context

    def __call__(self, request):
        state = RequestAudit(request)
        token = _current.set(state)
        try:
            response = super().__call__(request)
            self._write(state, request, response)
            return response
        finally:
            _current.reset(token)

    def _write(self, state, request, response) -> None:
        from audit.services import audit_record

        # A request that broke its transaction wrote nothing, and can record nothing now.
        if connection.in_atomic_block and connection.needs_rollback:
            return
        for object_type, object_id, case_id in state.refusals:
            audit_record(
                action=AuditAction.ACCESS_REFUSED,
                request=request,
                case=case_id,
                obj=(object_type, object_id),
                detail={"status": response.status_code},
            )
        action = state.read_action or _read_action(request)
        if state.read_of is not None and request.method == "GET":
            action = action or (
                AuditAction.CASE_API_VIEWED
                if request.path.startswith("/api/")
                else AuditAction.CASE_VIEWED
            )
        if action and response.status_code == 200:
            detail = {"htmx": True} if request.headers.get("HX-Request") else {}
            case_id, obj = state.read_of or (request.resolver_match.kwargs["case_id"], None)
            audit_record(action=action, request=request, case=case_id, obj=obj, detail=detail)

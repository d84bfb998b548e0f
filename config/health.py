import logging

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        logger.exception("healthz: database unreachable")
        return False


def _redis_ok() -> bool:
    try:
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2)
        return bool(client.ping())
    except Exception:
        logger.exception("healthz: redis unreachable")
        return False


def _sweep_age_seconds() -> int | None:
    from notifications.sweep import last_sweep_age

    try:
        age = last_sweep_age()
    except Exception:
        logger.exception("healthz: cannot read the last reminder sweep")
        return None
    return None if age is None else int(age.total_seconds())


@never_cache
@require_GET
def healthz(request):
    """For load balancers and operators: 200 when the database and Redis answer.

    Also reports how long ago the last reminder sweep finished (null: never),
    so monitoring can alert when beat or the worker stopped; it does not make
    the web tier unhealthy, which could not fix it.
    """
    checks = {"database": _database_ok(), "redis": _redis_ok()}
    healthy = all(checks.values())
    body = {"status": "ok" if healthy else "degraded"} | {
        name: "ok" if ok else "unreachable" for name, ok in checks.items()
    }
    body["last_sweep_seconds_ago"] = _sweep_age_seconds() if checks["database"] else None
    return JsonResponse(body, status=200 if healthy else 503)

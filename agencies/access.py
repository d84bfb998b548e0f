"""Membership checks: whether a person acts for an agency (its group holds them)."""

from django.core.exceptions import PermissionDenied


def is_member(actor, agency_id: int) -> bool:
    return actor.groups.filter(agency__pk=agency_id).exists()


def require_member(actor, agency_id: int) -> None:
    if not is_member(actor, agency_id):
        raise PermissionDenied

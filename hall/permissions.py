"""Role predicates: one place that says who may do what. Services raise PermissionDeniedError
when these say no; the admin and DRF permissions read the same functions."""
from common.errors import PermissionDeniedError

from .models import Role


def is_superuser(actor) -> bool:
    return bool(getattr(actor, "is_superuser", False))


def is_manager(actor) -> bool:
    return is_superuser(actor) or getattr(actor, "role", None) == Role.MANAGER


def is_supervisor(actor) -> bool:
    return getattr(actor, "role", None) == Role.SUPERVISOR


def can_read_centre_records(actor) -> bool:
    """Staff (and supervisors, read-only) see their own centre's records."""
    return is_superuser(actor) or getattr(actor, "role", None) in (
        Role.CLERK,
        Role.APPROVER,
        Role.MANAGER,
        Role.SUPERVISOR,
        Role.CALLBACK_OPERATOR,
    )


def is_manager_of(actor, centre_id: int | None) -> bool:
    """Managers change only their own centre: extra_centres grants reading (授权查看), not writing."""
    if is_superuser(actor):
        return True
    return is_manager(actor) and centre_id is not None and getattr(actor, "centre_id", None) == centre_id


def ensure_manager_of(actor, centre_id: int) -> None:
    if not is_manager_of(actor, centre_id):
        raise PermissionDeniedError()

"""Domain errors. Each carries a message a person can read (Chinese by default); the DRF exception
handler and the page views turn them into 400/403/409 answers without leaking internals."""
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A rule refused the operation. Nothing was changed."""

    status_code = 400
    default_message = _("操作无法完成。")

    def __init__(self, message=None, *, field: str | None = None):
        self.message = message if message is not None else self.default_message
        self.field = field
        super().__init__(str(self.message))


class ValidationFailed(DomainError):
    status_code = 400


class PermissionDeniedError(DomainError):
    status_code = 403
    default_message = _("您没有权限执行此操作。")


class NotFound(DomainError):
    status_code = 404
    default_message = _("记录不存在。")


class Conflict(DomainError):
    """The operation clashes with the current state (for example a duplicate)."""

    status_code = 409
    default_message = _("与当前状态冲突，请刷新后重试。")


class InvalidTransition(Conflict):
    default_message = _("当前状态不允许此操作。")

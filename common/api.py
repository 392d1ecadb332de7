"""One DRF exception handler: domain errors become 400/403/404/409 with a Chinese `detail`."""
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError, ValidationFailed


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = {"detail": str(exc.message)}
        if exc.field:
            body["field"] = exc.field
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        messages = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(messages, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, RequestDataTooBig):
        # Raised while DRF reads a body over DATA_UPLOAD_MAX_MEMORY_SIZE; Django's own answer is an English page.
        return Response({"detail": _("请求内容过大。")}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ParseError):
        # DRF's parser message is English and quotes the parser's internals.
        return Response({"detail": _("请求内容格式不正确，无法解析。")}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoPermissionDenied):
        return Response({"detail": _("您没有权限执行此操作。")}, status=status.HTTP_403_FORBIDDEN)
    return drf_exception_handler(exc, context)


def first_error_message(errors) -> tuple[str | None, str]:
    """The first message of a DRF error structure (dicts of lists; lists of dicts for nested rows, where rows
    without a problem are empty) and the top-level field it belongs to."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            if value:
                _field, message = first_error_message(value)
                return (None if key == "non_field_errors" or str(key).isdigit() else str(key)), message
    if isinstance(errors, list):
        for value in errors:
            if value:
                return first_error_message(value)
    return None, str(errors) if errors else _("输入不正确。")


def validated_input(serializer_class, data) -> dict:
    """Validate API input; the first problem becomes a Chinese `detail` (and `field`), like a service refusal."""
    if not isinstance(data, dict) and not hasattr(data, "getlist"):
        raise ValidationFailed(_("请求内容应为 JSON 对象。"))
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        field, message = first_error_message(serializer.errors)
        raise ValidationFailed(message, field=field)
    return serializer.validated_data

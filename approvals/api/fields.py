"""Field builders shared by the approvals API input serializers: shape only — types, lengths, choices —
each refusal with a Chinese message. The rules themselves live in approvals/services."""

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from ..forms import with_own_null_check
from ..services.transitions import MAX_COMMENT

MAX_ID = 2**31 - 1
MAX_MATERIALS = 200


def messages(message, *names) -> dict:
    return dict.fromkeys(names, message)


def id_field(message, **kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        error_messages=messages(message, "required", "invalid", "min_value", "max_value", "max_string_length", "null"),
        **kwargs,
    )


class Text(serializers.CharField):
    """A CharField whose refusal of NUL characters reads correctly in Chinese."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators = with_own_null_check(self.validators)


def text_field(help_text, *, max_length=MAX_COMMENT, message=None, **kwargs) -> serializers.CharField:
    kwargs.setdefault("default", "")
    return Text(
        allow_blank=True,
        max_length=max_length,
        help_text=help_text,
        error_messages={
            **messages(message or gettext_lazy("意见不能超过1000个字。"), "max_length"),
            **messages(gettext_lazy("请填写文字。"), "invalid", "null", "required"),
        },
        **kwargs,
    )


def ids_field(help_text) -> serializers.ListField:
    return serializers.ListField(
        child=id_field(gettext_lazy("材料编号应为正整数。")),
        max_length=MAX_MATERIALS,
        default=list,
        help_text=help_text,
        error_messages=messages(gettext_lazy("材料编号应为整数列表。"), "not_a_list", "max_length", "null", "empty"),
    )


def choice_field(choices, message, help_text) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=choices, help_text=help_text, error_messages=messages(message, "invalid_choice", "required", "null")
    )


def date_field(help_text) -> serializers.DateField:
    return serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=help_text,
        error_messages=messages(gettext_lazy("日期格式不正确，应为 YYYY-MM-DD。"), "invalid", "datetime", "date"),
    )


def page_field() -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=1,
        max_value=100000,
        required=False,
        default=1,
        error_messages=messages(gettext_lazy("页码不正确。"), "invalid", "min_value", "max_value",
                                 "max_string_length"),
    )


class Input(serializers.Serializer):
    default_error_messages = {"invalid": gettext_lazy("请求内容应为 JSON 对象。")}

"""Telling the applicant of each stage change (SMS through the pluggable sender, outside any transaction)."""

from django.utils.translation import gettext as _

from common.sms import send_sms

from ..models import Application, ApplicationEvent


def applicant_stage_message(*, application_id: int, event_id: int) -> tuple[str, str] | None:
    event = (
        ApplicationEvent.objects.select_related("application__matter", "application__centre")
        .filter(pk=event_id, application_id=application_id)
        .first()
    )
    if event is None or not event.public_note:
        return None
    application: Application = event.application
    text = _("【%(centre)s】您申请的“%(matter)s”（查询码 %(code)s）：%(note)s。") % {
        "centre": application.centre.name,
        "matter": application.matter.name,
        "code": application.tracking_code,
        "note": event.public_note,
    }
    return application.contact_phone, text


def notify_applicant(*, application_id: int, event_id: int) -> bool:
    message = applicant_stage_message(application_id=application_id, event_id=event_id)
    if message is None:
        return False
    send_sms(*message)
    return True

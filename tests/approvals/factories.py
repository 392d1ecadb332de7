"""Factories for approvals models, shared by the approvals tests (append new ones at the end).

ApplicationFactory builds a case directly in a given state, with its due dates computed by the same
deadlines functions the services use, so tests can start from "accepted eight working days ago" without
replaying every transition. Traits give the states; the default is a window case accepted today."""
import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from approvals import deadlines
from approvals.models import (
    Application,
    ApplicationEvent,
    CaseWarning,
    Chain,
    ChainFinding,
    ChainStep,
    ChainTemplate,
    ChainTemplateStep,
    DeficiencyCommitment,
    WarningPolicy,
)
from hall import workdays

from ..hall.factories import (
    CentreFactory,
    DepartmentFactory,
    MatterFactory,
    StaffFactory,
    make_credit_code,
    make_id_number,
)

Status = Application.Status


def _due(application, attribute: str):
    if application.accepted_on is None:
        return None
    matter = application.matter
    limit = matter.promised_days if attribute == "promised" else matter.statutory_days
    return deadlines.due_date(
        accepted_on=application.accepted_on,
        limit_days=limit,
        stopped_days=application.stopped_days,
        extension_days=application.extension_days,
    )


def working_days_ago(n: int, *, today: dt.date | None = None) -> dt.date:
    return workdays.add_working_days(today or timezone.localdate(), -n)


class ApplicationFactory(DjangoModelFactory):
    class Meta:
        model = Application
        skip_postgeneration_save = True

    matter = factory.SubFactory(MatterFactory)
    centre = factory.SelfAttribute("matter.centre")
    department = factory.SelfAttribute("matter.department")
    applicant_kind = Application.ApplicantKind.PERSON
    applicant_name = "张三丰"
    id_number = factory.Sequence(lambda n: make_id_number(n, birth="19750505"))
    contact_phone = factory.Sequence(lambda n: f"137{n:08d}")
    source = Application.Source.WINDOW
    status = Status.ACCEPTED
    stage_position = 1
    submitted_at = factory.LazyFunction(timezone.now)
    accepted_on = factory.LazyFunction(timezone.localdate)
    stopped_days = 0
    extension_days = 0
    promised_due = factory.LazyAttribute(lambda o: _due(o, "promised"))
    statutory_due = factory.LazyAttribute(lambda o: _due(o, "statutory"))

    class Params:
        submitted_online = factory.Trait(
            source=Application.Source.ONLINE,
            status=Status.SUBMITTED,
            stage_position=0,
            accepted_on=None,
            online_answer_due=factory.LazyAttribute(
                lambda o: deadlines.online_answer_deadline(submitted_on=timezone.localdate(o.submitted_at))
            ),
        )
        draft = factory.Trait(source=Application.Source.ONLINE, status=Status.DRAFT, stage_position=0,
                              accepted_on=None, submitted_at=None)
        in_review = factory.Trait(status=Status.REVIEW, stage_position=2)
        in_approval = factory.Trait(status=Status.APPROVAL, stage_position=3)
        suspended = factory.Trait(status=Status.SUSPENDED, suspended_from=Status.REVIEW, stage_position=2)
        completed = factory.Trait(
            status=Status.COMPLETED,
            stage_position=3,
            outcome=Application.Outcome.GRANTED,
            completed_at=factory.LazyFunction(timezone.now),
            early_completion=factory.LazyAttribute(
                lambda o: deadlines.is_early_completion(
                    completed_on=timezone.localdate(o.completed_at), promised_due=o.promised_due
                )
            ),
        )
        withdrawn = factory.Trait(status=Status.WITHDRAWN)


class ApplicationEventFactory(DjangoModelFactory):
    class Meta:
        model = ApplicationEvent

    application = factory.SubFactory(ApplicationFactory)
    kind = "accepted"
    from_status = Status.SUBMITTED
    to_status = Status.ACCEPTED
    stage_position = 1
    department = factory.SelfAttribute("application.department")


class DeficiencyCommitmentFactory(DjangoModelFactory):
    class Meta:
        model = DeficiencyCommitment

    application = factory.SubFactory(ApplicationFactory)
    deadline = factory.LazyFunction(lambda: workdays.add_working_days(timezone.localdate(), 5))


class CaseWarningFactory(DjangoModelFactory):
    class Meta:
        model = CaseWarning

    application = factory.SubFactory(ApplicationFactory)
    stage_position = 0
    level = CaseWarning.Level.YELLOW
    reason = CaseWarning.Reason.DEADLINE
    department = factory.SelfAttribute("application.department")
    due_on = factory.SelfAttribute("application.promised_due")


class WarningPolicyFactory(DjangoModelFactory):
    class Meta:
        model = WarningPolicy
        django_get_or_create = ("centre",)

    centre = factory.SubFactory(CentreFactory)


class ChainTemplateFactory(DjangoModelFactory):
    class Meta:
        model = ChainTemplate

    centre = factory.SubFactory(CentreFactory)
    code = factory.Sequence(lambda n: f"chain-{n}")
    name = factory.Sequence(lambda n: f"并联审批{n}")
    lead_department = factory.SubFactory(DepartmentFactory, centre=factory.SelfAttribute("..centre"))
    promised_days = 3


class ChainTemplateStepFactory(DjangoModelFactory):
    class Meta:
        model = ChainTemplateStep

    template = factory.SubFactory(ChainTemplateFactory)
    key = factory.Sequence(lambda n: f"step-{n}")
    matter = factory.SubFactory(MatterFactory, centre=factory.SelfAttribute("..template.centre"))
    position = factory.Sequence(lambda n: n + 1)


class ChainFactory(DjangoModelFactory):
    class Meta:
        model = Chain

    template = factory.SubFactory(ChainTemplateFactory)
    centre = factory.SelfAttribute("template.centre")
    lead_department = factory.SelfAttribute("template.lead_department")
    applicant_name = "南通某某餐饮有限公司"
    accepted_on = factory.LazyFunction(timezone.localdate)
    accepted_by = factory.SubFactory(StaffFactory, centre=factory.SelfAttribute("..centre"))


class ChainStepFactory(DjangoModelFactory):
    class Meta:
        model = ChainStep

    chain = factory.SubFactory(ChainFactory)
    template_step = factory.SubFactory(ChainTemplateStepFactory, template=factory.SelfAttribute("..chain.template"))
    application = factory.SubFactory(
        ApplicationFactory,
        matter=factory.SelfAttribute("..template_step.matter"),
        accepted_on=factory.SelfAttribute("..chain.accepted_on"),
        applicant_kind=Application.ApplicantKind.ENTERPRISE,
        applicant_name=factory.SelfAttribute("..chain.applicant_name"),
        id_number="",
        credit_code=factory.Sequence(make_credit_code),
    )
    started = True


# --- parallel approval chains (chains helper) ---

class ChainFindingFactory(DjangoModelFactory):
    """A department's pending finding on a step (as chain_step_report_finding records it)."""

    class Meta:
        model = ChainFinding

    step = factory.SubFactory(ChainStepFactory)
    chain = factory.SelfAttribute("step.chain")
    problem = factory.Sequence(lambda n: f"材料问题{n}")
    found_by = factory.SubFactory(
        StaffFactory,
        centre=factory.SelfAttribute("..step.chain.centre"),
        department=factory.SelfAttribute("..step.application.department"),
        role="approver",
    )

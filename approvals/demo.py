"""Demo data for approvals (`manage.py seed_demo_approvals`, run after `seed_demo`): the two parallel
approval chains of the demo city centre and a realistic past month of cases in every state — early,
on time and overdue completions, cases in review, suspended, in correction, refused, withdrawn, handed
out; chains completed, partly done, waiting for one merged notice, stopped for the lead department.

How the past is made: every case is played through the real services on a simulated clock. `_at(moment)`
sets `django.utils.timezone.now` for the length of one service call, so acceptance dates, due dates,
events, clock stops, history rows and staff notices are exactly what the services write on that day.
An action planned after the real now is not played: its case stays where it got to (that is how the
month ends with open, overdue and waiting cases). The past is not news: no message to an applicant is
queued while seeding. Deterministic for a given load moment (fixed random seed)."""

import datetime as dt
import random
from collections.abc import Callable
from contextlib import contextmanager
from unittest import mock

from django.db import transaction
from django.utils import timezone

from common.checkdigits import credit_code_check_char, id_number_check_char
from hall import demo_data as hall_data
from hall import workdays
from hall.models import Centre, Department, Matter, Role, User
from hall.services import catalogue, staff

from .chain_selectors import chain_materials
from .models import Application, Chain, ChainStep, ChainTemplate
from .services import chain_notices, chain_templates, chains, intake, transitions

SEED = 20261202
HISTORY_WORKING_DAYS = 22
SINGLE_CASES_PER_DAY = (6, 9)

# 公章刻制备案 is not in the hall's catalogue: the demo adds it through the catalogue services.
SEAL_MATTER = {
    "department": "psb",
    "code": "GA-007",
    "name": "公章刻制备案",
    "kind": Matter.Kind.PUBLIC_SERVICE,
    "statutory_days": 5,
    "promised_days": 1,
    "materials": [
        catalogue.MaterialSpec(name="营业执照", form="original_and_copy"),
        catalogue.MaterialSpec(name="法定代表人身份证", form="original_and_copy"),
        catalogue.MaterialSpec(name="印章印模样式", notes="公章、财务章、发票专用章"),
    ],
    "stages": [catalogue.StageSpec("受理", 30), catalogue.StageSpec("审核", 50), catalogue.StageSpec("办结", 20)],
}

# (code, name, lead department, promised working days, [(key, matter code, depends on)])
TEMPLATES = [
    (
        "business-startup",
        "企业开办（一窗通办）",
        "amr",
        3,
        [
            ("licence", "SC-001", []),
            ("seal", "GA-007", ["licence"]),
            ("tax", "SW-001", ["licence"]),
            ("social", "RS-005", ["licence"]),
        ],
    ),
    (
        "construction-permit",
        "工程建设项目施工许可并联审批",
        "housing",
        22,
        [
            ("project", "FG-001", []),
            ("planning", "ZG-002", ["project"]),
            ("land", "ZG-003", ["project"]),
            ("fire", "XF-002", ["project"]),
            ("airdefence", "RF-001", ["project"]),
            ("permit", "ZJ-001", ["planning", "land", "fire", "airdefence"]),
        ],
    ),
]

COMPANY_WORDS = ["启航", "恒通", "云帆", "瑞丰", "星河", "海纳", "博远", "鼎盛", "华创", "润泽", "金桥", "新程", "沿江",
                 "通海", "紫琅", "濠河"]
COMPANY_TRADES = ["科技", "餐饮", "贸易", "物流", "文化传媒", "医药", "电子商务", "教育咨询"]
BUILDERS = ["置业", "建设发展", "城市更新", "产业园开发", "安居建设"]
# Cases that show a state the random month may miss: (matter code, working days ago, what happened).
SHOWCASE = [
    ("SC-003", 6, "extended"),  # the department head approved one extension (Art. 42); in review
    ("XF-001", 4, "suspended"),  # a site inspection is going on: the clock is stopped
    ("BDC-001", 1, "accepted"),  # accepted yesterday, not yet taken up by the department
    ("ZG-001", 12, "overdue"),  # waiting for approval well past its promised date
    ("GJJ-002", 9, "deficient"),  # 容缺: the commitment's deadline passed, the material is still missing
]
REFUSALS = ["申请材料与实际情况不符", "不符合法定条件", "经现场核查，场所不符合要求"]
RETURN_REASONS = ["审核意见需补充说明", "材料核对有误，退回重审", "附图指标需复核"]


@contextmanager
def _at(moment: dt.datetime):
    """The services' clock for one call: everything they date (events, history, due dates) is `moment`."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def demo_approvals_loaded() -> bool:
    return ChainTemplate.objects.filter(centre__code=hall_data.CITY["code"], code=TEMPLATES[0][0]).exists()


class _Demo:
    def __init__(self, *, now: dt.datetime):
        self.now = now
        self.today = timezone.localdate(now)
        self.rng = random.Random(SEED)
        self.centre = Centre.objects.get(code=hall_data.CITY["code"])
        self.admin = User.objects.filter(is_superuser=True).order_by("pk").first()
        self.manager = User.objects.filter(centre=self.centre, role=Role.MANAGER).order_by("is_superuser", "pk").first()
        self.departments = {d.code: d for d in Department.objects.filter(centre=self.centre)}
        self.workers: dict[int, User] = {}
        self.serial = 0
        self.counts = {"cases": 0, "chains": 0}

    # --- time ---

    def moment(self, day: dt.date, offset: int, hour: int, minute: int = 0) -> dt.datetime:
        """`offset` working days after `day`, at a time of the working day."""
        target = workdays.add_working_days(day, offset)
        return dt.datetime.combine(target, dt.time(hour, minute), timezone.get_current_timezone())

    def play(self, actions: list[tuple[dt.datetime, Callable[[], object]]]) -> None:
        for moment, action in sorted(actions, key=lambda pair: pair[0]):
            if moment >= self.now:
                return
            with _at(moment):
                action()

    # --- people ---

    def clerk(self, window_number: str) -> User:
        user = User.objects.filter(username=f"{self.centre.code}-w{window_number}").first()
        return user or User.objects.filter(centre=self.centre, role=Role.CLERK).order_by("pk").first()

    def worker(self, department: Department) -> User:
        """Someone of the department to work its cases: its approver, else its window clerk, else a new
        approver (the departments that have no window in the demo hall)."""
        if department.pk not in self.workers:
            members = User.objects.filter(department=department, is_active=True).order_by("-is_department_head", "pk")
            user = members.filter(role=Role.APPROVER).first() or members.filter(role=Role.CLERK).first()
            if user is None:
                user = staff.staff_create(
                    actor=self.admin,
                    centre_id=self.centre.pk,
                    username=f"approver_{department.code}",
                    password=hall_data.DEMO_PASSWORD,
                    real_name=self.rng.choice(hall_data.SURNAMES) + self.rng.choice(hall_data.GIVEN_NAMES),
                    role=Role.APPROVER,
                    department_id=department.pk,
                    staff_number=f"A{9000 + len(self.workers)}",
                )
            self.workers[department.pk] = user
        return self.workers[department.pk]

    def head(self, department: Department) -> User | None:
        return User.objects.filter(department=department, is_department_head=True, is_active=True).first()

    def person(self) -> dict:
        self.serial += 1
        birth = dt.date(1955, 1, 1) + dt.timedelta(days=self.rng.randint(0, 45 * 365))
        first17 = f"320602{birth:%Y%m%d}{self.serial % 1000:03d}"
        return {
            "applicant_kind": Application.ApplicantKind.PERSON,
            "applicant_name": self.rng.choice(hall_data.SURNAMES) + self.rng.choice(hall_data.GIVEN_NAMES),
            "id_number": first17 + id_number_check_char(first17),
            "contact_phone": self.phone(),
        }

    def company(self, trades: list[str]) -> dict:
        self.serial += 1
        first17 = f"91320602{self.serial:09d}"
        name = f"江海{self.rng.choice(COMPANY_WORDS)}{self.rng.choice(trades)}有限公司"
        return {
            "applicant_kind": Application.ApplicantKind.ENTERPRISE,
            "applicant_name": name,
            "credit_code": first17 + credit_code_check_char(first17),
            "contact_phone": self.phone(),
        }

    def phone(self) -> str:
        return f"1{self.rng.choice('3578')}{self.rng.randint(0, 999_999_999):09d}"

    # --- catalogue and templates ---

    def seal_matter(self) -> Matter:
        found = Matter.objects.filter(centre=self.centre, code=SEAL_MATTER["code"]).first()
        if found is not None:
            return found
        spec = SEAL_MATTER
        matter = catalogue.matter_create(
            actor=self.manager,
            centre=self.centre,
            department=self.departments[spec["department"]],
            code=spec["code"],
            name=spec["name"],
            kind=spec["kind"],
            statutory_days=spec["statutory_days"],
            promised_days=spec["promised_days"],
            conditions="企业已取得营业执照。",
            legal_basis="《印铸刻字业暂行管理规则》",
            online_apply=True,
        )
        catalogue.matter_set_materials(actor=self.manager, matter_id=matter.pk, materials=spec["materials"])
        catalogue.matter_set_stages(actor=self.manager, matter_id=matter.pk, stages=spec["stages"])
        return catalogue.matter_publish(actor=self.manager, matter_id=matter.pk, reason="并联审批（企业开办）")

    def templates(self) -> dict[str, ChainTemplate]:
        self.seal_matter()
        matters = {m.code: m for m in Matter.objects.filter(centre=self.centre)}
        created = {}
        for code, name, lead, promised, steps in TEMPLATES:
            created[code] = chain_templates.chain_template_create(
                actor=self.manager,
                centre_id=self.centre.pk,
                code=code,
                name=name,
                lead_department_id=self.departments[lead].pk,
                promised_days=promised,
                steps=[{"key": k, "matter_id": matters[m].pk, "depends_on": d} for k, m, d in steps],
            )
        return created

    # --- single cases ---

    def single_cases(self, days: list[dt.date]) -> None:
        matters = list(
            Matter.objects.filter(centre=self.centre, status=Matter.Status.PUBLISHED)
            .exclude(code=SEAL_MATTER["code"])
            .select_related("department")
            .prefetch_related("materials")
            .order_by("code")
        )
        instant = [m for m in matters if m.is_instant]
        timed = [m for m in matters if not m.is_instant]
        for day in days:
            for number in range(self.rng.randint(*SINGLE_CASES_PER_DAY)):
                matter = self.rng.choice(instant if self.rng.random() < 0.45 else timed)
                self.single_case(matter, day, hour=9 + number % 7)

    def single_case(self, matter: Matter, day: dt.date, *, hour: int) -> None:
        """One case at a window, played from acceptance to where it has got to by now."""
        rng = self.rng
        clerk = self.clerk(rng.choice("1234"))
        worker = self.worker(matter.department)
        company = matter.kind == Matter.Kind.LICENCE and rng.random() < 0.6
        applicant = self.company(COMPANY_TRADES) if company else self.person()
        required = [m for m in matter.materials.all() if m.required]
        # 容缺 for cases that take days; an instant case is handed out at once, so it has it all.
        deficient = [m.pk for m in required if m.deficiency_allowed and rng.random() < 0.5 and not matter.is_instant]
        case: dict = {}

        def accept():
            case["application"] = intake.application_accept_at_window(
                actor=clerk,
                matter_id=matter.pk,
                **applicant,
                provided_material_ids=[m.pk for m in required if m.pk not in deficient],
                deficient_material_ids=deficient,
                commitment_deadline=workdays.add_working_days(day, 5) if deficient else None,
            )
            self.counts["cases"] += 1

        def do(function, **kwargs):
            return lambda: function(application_id=case["application"].pk, **kwargs)

        if matter.is_instant:  # 即办件: completed at the window, most picked up at once
            accepted_at = self.moment(day, 0, hour, rng.randint(0, 50))
            actions = [(accepted_at, accept)]
            if rng.random() < 0.7:
                deliver = do(transitions.application_deliver, actor=self.clerk("10"), method="pickup")
                actions.append((accepted_at + dt.timedelta(minutes=8), deliver))
            self.play(actions)
            return
        promised, draw = matter.promised_days, rng.random()
        if draw < 0.55:
            days = rng.randint(0, promised - 1)  # 提前办结
        elif draw < 0.68:
            days = promised
        elif draw < 0.78:
            days = promised + rng.randint(1, 4)  # completed, but late
        else:
            days = None  # still open now: overdue when accepted long enough ago
        accepted_at = self.moment(day, 0, 9 + rng.randint(0, 2) if days == 0 else hour, rng.randint(0, 50))
        review_at = accepted_at + dt.timedelta(hours=1)
        if days == 0:
            approval_at = accepted_at + dt.timedelta(hours=2)
        elif days is None:
            approval_at = self.moment(day, promised // 2 + 1, 14)
        else:
            approval_at = self.moment(day, days - 1, 14) if days >= 2 else self.moment(day, 1, 9, 30)
        actions = [
            (accepted_at, accept),
            (review_at, do(transitions.application_start_review, actor=worker)),
        ]
        special, shift = rng.random(), 0
        if special < 0.05:  # 特别程序 (Art. 45): the clock stops, then the work goes on
            resume = rng.randint(2, 6)
            kind = rng.choice(["hearing", "expert_review", "site_inspection"])
            actions += [
                (review_at + dt.timedelta(minutes=30),
                 do(transitions.application_suspend, actor=worker, kind=kind, reason="依法组织特别程序")),
                (self.moment(day, resume, 10),
                 do(transitions.application_resume, actor=worker, comment="特别程序结束")),
            ]
            shift = resume
            approval_at = self.moment(day, resume + (days or promised) // 2, 14)
        actions.append((approval_at, do(transitions.application_submit_for_approval, actor=worker)))
        if 0.05 <= special < 0.1:  # 退回: sent back once with a reason, then approved again
            actions += [
                (approval_at + dt.timedelta(minutes=30),
                 do(transitions.application_return, actor=worker, reason=rng.choice(RETURN_REASONS))),
                (approval_at + dt.timedelta(hours=1, minutes=30),
                 do(transitions.application_submit_for_approval, actor=worker)),
            ]
        head = self.head(matter.department)
        if 0.1 <= special < 0.16 and head is not None and days is None:  # Art. 42: one extension
            actions += [
                (review_at + dt.timedelta(hours=2), do(
                    transitions.application_request_extension, actor=worker, days=10, reason="需组织专家论证")),
                (review_at + dt.timedelta(hours=3), do(transitions.application_approve_extension, actor=head)),
            ]
        if days is None:
            self.play(actions)
            return
        decided_at = self.moment(day, days + shift, 16, rng.randint(0, 40))
        refused = rng.random() < 0.05
        fulfilled = bool(deficient) and rng.random() < 0.7
        if fulfilled:
            actions.append((decided_at - dt.timedelta(minutes=20), do(intake.deficiency_fulfil, actor=clerk)))
        actions.append((decided_at, do(
            transitions.application_decide, actor=worker, outcome="refused" if refused else "granted",
            comment=rng.choice(REFUSALS) if refused else "",
        )))
        # Hand-out waits for the 容缺 materials; most results are collected the next working day.
        if (not deficient or fulfilled or refused) and rng.random() < 0.75:
            method = "mail" if matter.mail_delivery and rng.random() < 0.4 else "pickup"
            number = f"SF{rng.randint(10**11, 10**12 - 1)}" if method == "mail" else ""
            actions.append((self.moment(day, days + shift + 1, 10), do(
                transitions.application_deliver, actor=self.clerk("10"), method=method, mail_tracking_number=number)))
        self.play(actions)

    def showcase_cases(self) -> None:
        matters = {m.code: m for m in Matter.objects.filter(centre=self.centre).prefetch_related("materials")}
        for code, back, story in SHOWCASE:
            matter = matters.get(code)
            if matter is None:
                continue
            day = workdays.add_working_days(self.today, -back)
            clerk, worker = self.clerk("1"), self.worker(matter.department)
            required = [m for m in matter.materials.all() if m.required]
            deficient = [m.pk for m in required if m.deficiency_allowed] if story == "deficient" else []
            applicant = self.person()
            case: dict = {}

            def accept(matter=matter, applicant=applicant, required=required, deficient=deficient, case=case,
                       clerk=clerk, day=day):
                case["application"] = intake.application_accept_at_window(
                    actor=clerk, matter_id=matter.pk, **applicant,
                    provided_material_ids=[m.pk for m in required if m.pk not in deficient],
                    deficient_material_ids=deficient,
                    commitment_deadline=workdays.add_working_days(day, 5) if deficient else None,
                )
                self.counts["cases"] += 1

            def do(function, case=case, **kwargs):
                return lambda: function(application_id=case["application"].pk, **kwargs)

            actions = [(self.moment(day, 0, 9, 30), accept)]
            if story != "accepted":
                actions.append((self.moment(day, 1, 10), do(transitions.application_start_review, actor=worker)))
            if story == "extended" and self.head(matter.department):
                actions += [
                    (self.moment(day, 2, 10), do(transitions.application_request_extension, actor=worker, days=10,
                                                 reason="需组织专家论证")),
                    (self.moment(day, 2, 15), do(transitions.application_approve_extension,
                                                 actor=self.head(matter.department))),
                ]
            elif story == "suspended":
                actions.append((self.moment(day, 2, 10), do(transitions.application_suspend, actor=worker,
                                                            kind="site_inspection", reason="现场勘查消防设施")))
            elif story == "overdue":
                actions.append((self.moment(day, 3, 10), do(transitions.application_submit_for_approval,
                                                            actor=worker)))
            self.play(actions)

    # --- online applications of the demo accounts ---

    def online_cases(self) -> None:
        citizen = User.objects.filter(username=hall_data.CITIZEN["username"]).first()
        enterprise = User.objects.filter(username=hall_data.ENTERPRISE["username"]).first()
        clerk = self.clerk("1")
        plans = []
        if citizen is not None:
            person = {"applicant_kind": "person", "applicant_name": citizen.real_name, "id_number": citizen.id_number,
                      "contact_phone": citizen.phone}
            plans += [
                (citizen, person, "GJJ-002", 2, "draft"),
                (citizen, person, "RS-003", 1, "submitted"),
                (citizen, person, "YB-003", 7, "submitted"),  # past its Art. 32 answer deadline
                (citizen, person, "GA-002", 4, "correction"),
                (citizen, person, "MZ-002", 10, "not_accepted"),
                (citizen, person, "RS-003", 12, "withdrawn"),
            ]
        if enterprise is not None:
            company = {"applicant_kind": "enterprise", "applicant_name": enterprise.enterprise_name,
                       "credit_code": enterprise.credit_code, "contact_phone": enterprise.phone}
            plans += [
                (enterprise, company, "SC-004", 3, "correction"),
                (enterprise, company, "SC-003", 1, "draft"),
            ]
        matters = {m.code: m for m in Matter.objects.filter(centre=self.centre).prefetch_related("materials")}
        for account, applicant, code, back, target in plans:
            matter = matters.get(code)
            if matter is None or not matter.online_apply:
                continue
            day = workdays.add_working_days(self.today, -back)
            case: dict = {}

            def create(account=account, applicant=applicant, matter=matter, case=case):
                case["application"] = intake.application_create_draft(actor=account, matter_id=matter.pk, **applicant)
                self.counts["cases"] += 1

            actions = [(self.moment(day, 0, 20), create)]
            if target != "draft":
                actions.append((self.moment(day, 0, 20, 10), lambda a=account, c=case: transitions.application_submit(
                    application_id=c["application"].pk, actor=a)))
            if target == "correction":
                first = matter.materials.order_by("position").first()
                actions.append((self.moment(day, 1, 10), lambda m=first, c=case: intake.application_request_correction(
                    application_id=c["application"].pk, actor=clerk,
                    items=[(m.pk if m else None, "材料不清晰，请重新上传"), (None, "申请表缺少签名")])))
            elif target == "not_accepted":
                actions.append((self.moment(day, 2, 10), lambda c=case: transitions.application_reject_acceptance(
                    application_id=c["application"].pk, actor=clerk, reason="不符合申请条件")))
            elif target == "withdrawn":
                actions.append((self.moment(day, 1, 21), lambda a=account, c=case: transitions.application_withdraw(
                    application_id=c["application"].pk, actor=a, reason="材料准备不全，暂不办理")))
            self.play(actions)

    # --- chains ---

    def chain_accept(self, template: ChainTemplate, clerk: User, applicant: dict, *, deficient_names=()) -> Chain:
        lines = [line for line in chain_materials(template) if line.required]
        provided = [line.material_ids[0] for line in lines if line.name not in deficient_names]
        deficient = [line.material_ids[0] for line in lines if line.name in deficient_names]
        chain = chains.chain_accept(
            actor=clerk,
            template_id=template.pk,
            **applicant,
            provided_material_ids=provided,
            deficient_material_ids=deficient,
            commitment_deadline=workdays.add_working_days(timezone.localdate(), 5) if deficient else None,
        )
        self.counts["chains"] += 1
        return chain

    def step(self, ctx: dict, key: str) -> ChainStep:
        return ChainStep.objects.select_related("application__department").get(
            chain=ctx["chain"], template_step__key=key
        )

    def work(self, ctx: dict, key: str, until: str, *, outcome: str = "granted", comment: str = ""):
        """Move a step's case on towards `until` (review, approval or decided), one stage per call; a step
        not yet started or already past that stage is left alone."""

        def run():
            application = self.step(ctx, key).application
            worker = self.worker(application.department)
            if until == "review" and application.status == Application.Status.ACCEPTED:
                transitions.application_start_review(application_id=application.pk, actor=worker)
            elif until == "approval" and application.status == Application.Status.REVIEW:
                transitions.application_submit_for_approval(application_id=application.pk, actor=worker)
            elif until == "decided" and application.status == Application.Status.APPROVAL:
                chains.chain_step_decide(application_id=application.pk, actor=worker, outcome=outcome, comment=comment)
            elif until == "returned" and application.status == Application.Status.APPROVAL:
                transitions.application_return(application_id=application.pk, actor=worker, reason=comment)

        return run

    def through(self, ctx, key, day, offsets, *, outcome="granted", comment=""):
        """Review, approval and decision of one step on the given working-day offsets."""
        review, approval, decided = offsets
        return [
            (self.moment(day, review, 9, 40), self.work(ctx, key, "review")),
            (self.moment(day, approval, 11, 10), self.work(ctx, key, "approval")),
            (self.moment(day, decided, 15, 20), self.work(ctx, key, "decided", outcome=outcome, comment=comment)),
        ]

    def finding(self, ctx, key, material_name: str | None, problem: str):
        def run():
            step = self.step(ctx, key)
            material = step.application.matter.materials.filter(name=material_name).first() if material_name else None
            chain_notices.chain_step_report_finding(
                step_id=step.pk, actor=self.worker(step.application.department),
                material_id=material.pk if material else None, problem=problem,
            )

        return run

    def resubmit(self, ctx, clerk):
        def run():
            chain = ctx["chain"]
            notice = chain.correction_notices.filter(answered_at__isnull=True).first()
            handed_in = [i.material_id for i in notice.items.all() if i.material_id] if notice else []
            chain_notices.chain_resubmit(chain_id=chain.pk, actor=clerk, provided_material_ids=handed_in)

        return run

    def business_chains(self, template: ChainTemplate, days: list[dt.date]) -> None:
        """企业开办: 公司设立登记 first, then seal, tax and social insurance in parallel (the last two are
        instant and complete as they start); promised 3 working days."""
        clerk = self.clerk("5")
        lead = self.worker(self.departments["amr"])
        chosen = days[::2]
        for index, day in enumerate(chosen):
            ctx: dict = {}
            applicant = self.company(COMPANY_TRADES)
            deficient = ("经营场所使用证明（产权证明或租赁合同）",) if index % 4 == 1 else ()

            def accept(ctx=ctx, applicant=applicant, deficient=deficient):
                ctx["chain"] = self.chain_accept(template, clerk, applicant, deficient_names=deficient)

            slow = index % 3 == 2  # the licence takes a second day
            actions = [(self.moment(day, 0, 9, 20), accept)]
            variant = len(chosen) - 1 - index  # 0 = the most recent chain
            if variant == 9:  # the licence is refused and the lead department ends the chain
                actions += self.through(ctx, "licence", day, (0, 0, 1), outcome="refused",
                                        comment="名称与在先登记的企业名称近似")
                actions.append((self.moment(day, 2, 10), lambda ctx=ctx: chains.chain_lead_decide(
                    chain_id=ctx["chain"].pk, actor=lead, decision="terminate", comment="申请人将重新申报名称")))
                self.play(actions)
                continue
            actions += self.through(ctx, "licence", day, (0, 0, 1) if slow else (0, 0, 0))
            start = 1 if slow else 0
            if variant == 0:  # partly done: the licence is issued, the seal is in review
                actions.append((self.moment(day, start + 1, 10), self.work(ctx, "seal", "review")))
            elif variant == 2:  # the seal's department finds a problem; one notice; still waiting for the applicant
                actions += [
                    (self.moment(day, start + 1, 10), self.work(ctx, "seal", "review")),
                    (self.moment(day, start + 1, 10, 30),
                     self.finding(ctx, "seal", "印章印模样式", "印模样式缺少防伪码")),
                    (self.moment(day, start + 1, 14), lambda ctx=ctx: chain_notices.chain_issue_notice(
                        chain_id=ctx["chain"].pk, actor=clerk, note="请按告知书一次补齐")),
                ]
            elif variant == 4:  # the seal is refused: the chain waits for the lead department
                actions += self.through(ctx, "seal", day, (start + 1, start + 1, start + 1), outcome="refused",
                                        comment="印模样式不符合规定")
            elif variant == 6:  # refused, and the lead department lets the chain finish
                actions += self.through(ctx, "seal", day, (start + 1, start + 1, start + 1), outcome="refused",
                                        comment="印模样式不符合规定")
                actions.append((self.moment(day, start + 2, 9, 30), lambda ctx=ctx: chains.chain_lead_decide(
                    chain_id=ctx["chain"].pk, actor=lead, decision="continue", comment="申请人另行刻制，其余事项继续")))
            elif variant == 8:  # a notice answered: the clock stopped two days and restarted
                actions += [
                    (self.moment(day, start, 16), self.finding(ctx, "seal", "法定代表人身份证", "身份证复印件不清晰")),
                    (self.moment(day, start, 16, 30), lambda ctx=ctx: chain_notices.chain_issue_notice(
                        chain_id=ctx["chain"].pk, actor=clerk)),
                    (self.moment(day, start + 2, 9), self.resubmit(ctx, clerk)),
                ]
                actions += self.through(ctx, "seal", day, (start + 2, start + 2, start + 3))
            else:
                actions += self.through(ctx, "seal", day, (start + 1, start + 1, start + 1 + index % 2))
            self.play(actions)

    def construction_chains(self, template: ChainTemplate, days: list[dt.date]) -> None:
        """工程建设项目: 项目备案 → planning, land, fire design and civil air defence in parallel → 施工许可;
        promised 22 working days (the seeds: 50 → 22)."""
        clerk = self.clerk("6")
        for back, variant in [(21, "completed"), (17, "overdue"), (12, "permit"), (8, "correction"), (3, "early")]:
            if back > len(days):
                continue
            day = days[-back]
            ctx: dict = {}
            applicant = self.company(BUILDERS)

            def accept(ctx=ctx, applicant=applicant):
                ctx["chain"] = self.chain_accept(template, clerk, applicant)

            actions = [(self.moment(day, 0, 9), accept)]
            actions += self.through(ctx, "project", day, (0, 0, 1))
            parallel = {"planning": (2, 4, 5), "land": (2, 5, 6), "fire": (3, 6, 7), "airdefence": (2, 3, 4)}
            if variant == "completed":
                actions += [
                    (self.moment(day, 2, 10), self.finding(ctx, "fire", "消防设计文件", "消防设计文件缺少防火分区图")),
                    (self.moment(day, 2, 11),
                     self.finding(ctx, "airdefence", "人防工程设计图", "人防设计图未盖出图章")),
                    (self.moment(day, 2, 15), lambda ctx=ctx: chain_notices.chain_issue_notice(
                        chain_id=ctx["chain"].pk, actor=clerk, note="各部门意见合并告知")),
                    (self.moment(day, 4, 9), self.resubmit(ctx, clerk)),
                    (self.moment(day, 7, 11, 40), self.work(ctx, "planning", "returned", comment="总平面图指标需复核")),
                    (self.moment(day, 7, 14), self.work(ctx, "planning", "approval")),
                ]
                parallel = {"planning": (4, 6, 8), "land": (4, 7, 9), "fire": (5, 8, 10), "airdefence": (4, 5, 6)}
                actions += self.through(ctx, "permit", day, (11, 12, 13))
            elif variant == "overdue":
                parallel["fire"] = (3, 30, 30)  # still in review, past its 7-day promise
            elif variant == "permit":
                actions += [(self.moment(day, 8, 10), self.work(ctx, "permit", "review")),
                            (self.moment(day, 10, 10), self.work(ctx, "permit", "approval"))]
            elif variant == "correction":
                actions += [
                    (self.moment(day, 3, 10), self.finding(ctx, "fire", "消防设计文件", "缺少消防设施平面布置图")),
                    (self.moment(day, 3, 11), self.finding(ctx, "airdefence", None, "人防面积计算书与图纸不一致")),
                    (self.moment(day, 3, 16), lambda ctx=ctx: chain_notices.chain_issue_notice(
                        chain_id=ctx["chain"].pk, actor=clerk, note="消防、人防意见合并一次告知")),
                ]
                parallel = {"planning": (2, 3, 3), "land": (2, 9, 9), "fire": (2, 9, 9), "airdefence": (2, 9, 9)}
            for key, offsets in parallel.items():
                actions += self.through(ctx, key, day, offsets)
            self.play(actions)


def _no_message(*_args, **_kwargs) -> None:
    """Seeding replays the past: nobody is told about it again."""


@transaction.atomic
def demo_seed_approvals(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Load the demo chains and a month of cases. The caller checks `demo_approvals_loaded()` first."""
    demo = _Demo(now=now or timezone.now())
    with mock.patch.object(transitions, "_notify_applicant", _no_message):
        with _at(demo.now):
            templates = demo.templates()
        days = [workdays.add_working_days(demo.today, -n) for n in range(HISTORY_WORKING_DAYS, 0, -1)]
        demo.business_chains(templates["business-startup"], days)
        demo.construction_chains(templates["construction-permit"], days)
        demo.single_cases(days)
        demo.showcase_cases()
        demo.online_cases()
    return {
        "chain templates": len(templates),
        "chains": Chain.objects.filter(centre=demo.centre).count(),
        "cases": Application.objects.filter(centre=demo.centre).count(),
    }

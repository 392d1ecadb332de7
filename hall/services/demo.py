"""Load the deterministic demo hall (`manage.py seed_demo`). Later issues extend it with queues,
cases and ratings. Rows are created through the ORM with history, in one transaction."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from hall import demo_data as data
from hall.api_auth import hash_device_secret
from hall.models import Centre, Department, Device, Material, Matter, MatterStage, Role, User, Window

from .demo_queue import demo_seed_queue


def demo_is_loaded() -> bool:
    return Centre.objects.filter(code=data.CITY["code"]).exists()


def _create_centre(spec: dict, parent: Centre | None = None) -> Centre:
    return Centre.objects.create(parent=parent, **spec)


def _create_departments(centre: Centre, codes: list[str] | None = None) -> dict[str, Department]:
    departments = {}
    for code, name, short in data.DEPARTMENTS:
        if codes is None or code in codes:
            departments[code] = Department.objects.create(centre=centre, code=code, name=name, short_name=short)
    return departments


def _create_windows(centre: Centre, specs, departments: dict[str, Department]) -> dict[str, Window]:
    windows = {}
    for number, name, kind, department_code, location in specs:
        windows[number] = Window.objects.create(
            centre=centre,
            number=number,
            name=name,
            kind=kind,
            department=departments.get(department_code) if department_code else None,
            location=location,
        )
    return windows


def _create_matters(centre: Centre, departments: dict[str, Department], codes: list[str] | None = None) -> int:
    now = timezone.now()
    created = 0
    for (
        dept,
        code,
        name,
        kind,
        statutory,
        promised,
        fee,
        fee_basis,
        online,
        appointment,
        mail,
        materials,
    ) in data.MATTERS:
        if codes is not None and code not in codes:
            continue
        if dept not in departments:
            continue
        matter = Matter.objects.create(
            centre=centre,
            department=departments[dept],
            code=code,
            name=name,
            kind=kind,
            statutory_days=statutory,
            promised_days=promised,
            fee=Decimal(fee),
            fee_basis=fee_basis,
            conditions="申请人符合法定条件、材料齐全、符合法定形式的，予以受理。",
            online_apply=online,
            appointment=appointment,
            mail_delivery=mail,
            status=Matter.Status.PUBLISHED,
            published_at=now,
        )
        for position, (m_name, form, copies, required, deficiency, notes) in enumerate(materials, start=1):
            Material.objects.create(
                matter=matter,
                position=position,
                name=m_name,
                form=form,
                copies=copies,
                required=required,
                deficiency_allowed=deficiency,
                notes=notes,
            )
        stages = (
            data.INSTANT_STAGES
            if promised == 0
            else (data.LICENCE_STAGES if kind == Matter.Kind.LICENCE else data.SERVICE_STAGES)
        )
        for position, (s_name, share) in enumerate(stages, start=1):
            MatterStage.objects.create(matter=matter, position=position, name=s_name, share_percent=share)
        created += 1
    return created


def _create_people(centres: dict[str, Centre], departments: dict[str, dict[str, Department]]) -> None:
    admin = User(
        username="admin",
        real_name="系统管理员",
        role=Role.MANAGER,
        centre=centres["city"],
        is_staff=True,
        is_superuser=True,
    )
    admin.set_password(data.DEMO_PASSWORD)
    admin.save()
    for username, role, centre_code, dept_code, real_name, staff_number, head, is_staff in data.STAFF:
        user = User(
            username=username,
            role=role,
            centre=centres[centre_code],
            department=departments[centre_code].get(dept_code) if dept_code else None,
            real_name=real_name,
            staff_number=staff_number,
            is_department_head=head,
            is_staff=is_staff,
        )
        user.set_password(data.DEMO_PASSWORD)
        user.save()
    citizen = User(role=Role.CITIZEN, **data.CITIZEN)
    citizen.set_password(data.DEMO_PASSWORD)
    citizen.save()
    enterprise = User(role=Role.CITIZEN, applicant_kind=User.ApplicantKind.ENTERPRISE, **data.ENTERPRISE)
    enterprise.set_password(data.DEMO_PASSWORD)
    enterprise.save()


def _create_devices(centre: Centre, windows: dict[str, Window]) -> None:
    for kind, name, window_number, key in data.DEVICES:
        prefix, _sep, secret = key.partition(".")
        Device.objects.create(
            centre=centre,
            kind=kind,
            name=name,
            window=windows.get(window_number) if window_number else None,
            key_prefix=prefix,
            key_hash=hash_device_secret(secret),
        )


@transaction.atomic
def demo_seed(*, history_days: int = 30) -> dict[str, int]:
    """Create the demo hall. Refuses to run twice (the city centre's code is unique)."""
    city = _create_centre(data.CITY)
    branch = _create_centre(data.BRANCH, parent=city)
    departments = {"city": _create_departments(city), "haimen": _create_departments(branch, data.BRANCH_DEPARTMENTS)}
    city_windows = _create_windows(city, data.CITY_WINDOWS, departments["city"])
    _create_windows(branch, data.BRANCH_WINDOWS, departments["haimen"])
    matters = _create_matters(city, departments["city"])
    matters += _create_matters(branch, departments["haimen"], data.BRANCH_MATTER_CODES)
    _create_people({"city": city, "haimen": branch}, departments)
    _create_devices(city, city_windows)
    queue = demo_seed_queue(history_days=history_days)
    return {
        "centres": Centre.objects.count(),
        "departments": Department.objects.count(),
        "windows": Window.objects.count(),
        "matters": matters,
        **queue,
    }


def demo_accounts_text() -> str:
    rows = [("admin", "系统管理员（超级用户）")]
    rows += [(u[0], f"{Role(u[1]).label} · {u[4]}") for u in data.STAFF]
    rows += [(data.CITIZEN["phone"], f"办事群众 · {data.CITIZEN['real_name']}（手机号登录）")]
    rows += [(data.ENTERPRISE["phone"], f"企业 · {data.ENTERPRISE['enterprise_name']}（手机号登录）")]
    lines = [f"  Demo accounts (password for all: {data.DEMO_PASSWORD}):"]
    lines += [f"    {login:<16} {label}" for login, label in rows]
    lines.append("  Demo device keys (Authorization: Device <key>):")
    lines += [f"    {kind:<11} {key}" for kind, _n, _w, key in data.DEVICES]
    return "\n".join(lines)

"""Factories for hall models. Traits give states; nothing here writes behind a service's back
except the plain catalogue rows that the services would create the same way."""
import factory
from factory.django import DjangoModelFactory

from common.checkdigits import credit_code_check_char, id_number_check_char
from hall.models import Centre, Department, Device, Material, Matter, MatterStage, Notice, Role, User, Window


def make_id_number(n: int, birth: str = "19800101", region: str = "110101") -> str:
    first17 = f"{region}{birth}{n % 1000:03d}"
    return first17 + id_number_check_char(first17)


def make_credit_code(n: int) -> str:
    first17 = f"913206{n % 1000000:06d}MA1234"[:17]
    first17 = first17[:8] + f"{n % 10**9:09d}"
    return first17 + credit_code_check_char(first17)


class CentreFactory(DjangoModelFactory):
    class Meta:
        model = Centre
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"centre-{n}")
    name = factory.Sequence(lambda n: f"测试政务服务中心{n}")
    kind = Centre.Kind.CITY


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department

    centre = factory.SubFactory(CentreFactory)
    code = factory.Sequence(lambda n: f"dept-{n}")
    name = factory.Sequence(lambda n: f"测试局{n}")


class WindowFactory(DjangoModelFactory):
    class Meta:
        model = Window

    centre = factory.SubFactory(CentreFactory)
    number = factory.Sequence(lambda n: str(n + 1))
    name = factory.Sequence(lambda n: f"测试窗口{n}")
    kind = Window.Kind.DEDICATED
    department = factory.SubFactory(DepartmentFactory, centre=factory.SelfAttribute("..centre"))

    class Params:
        integrated = factory.Trait(kind=Window.Kind.INTEGRATED, department=None)


class MatterFactory(DjangoModelFactory):
    class Meta:
        model = Matter

    centre = factory.SubFactory(CentreFactory)
    department = factory.SubFactory(DepartmentFactory, centre=factory.SelfAttribute("..centre"))
    code = factory.Sequence(lambda n: f"M{n:05d}")
    name = factory.Sequence(lambda n: f"测试事项{n}")
    kind = Matter.Kind.LICENCE
    statutory_days = 20
    promised_days = 5
    status = Matter.Status.PUBLISHED

    class Params:
        instant = factory.Trait(promised_days=0, statutory_days=0, kind=Matter.Kind.CONVENIENCE)
        draft = factory.Trait(status=Matter.Status.DRAFT)


class MaterialFactory(DjangoModelFactory):
    class Meta:
        model = Material

    matter = factory.SubFactory(MatterFactory)
    position = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"申请材料{n}")


class MatterStageFactory(DjangoModelFactory):
    class Meta:
        model = MatterStage

    matter = factory.SubFactory(MatterFactory)
    position = factory.Sequence(lambda n: n + 1)
    name = "受理"
    share_percent = 100


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    real_name = factory.Sequence(lambda n: f"用户{n}")
    role = Role.CITIZEN
    password = factory.PostGenerationMethodCall("set_password", "Hall-pass-2026")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CitizenFactory(UserFactory):
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    id_number = factory.Sequence(lambda n: make_id_number(n))


class StaffFactory(UserFactory):
    role = Role.CLERK
    centre = factory.SubFactory(CentreFactory)
    staff_number = factory.Sequence(lambda n: f"S{n:04d}")


# --- people and devices (accounts helper) ---

class DeviceFactory(DjangoModelFactory):
    """A device row with a throwaway key hash; tests that need a working key use device_register."""

    class Meta:
        model = Device

    centre = factory.SubFactory(CentreFactory)
    kind = Device.Kind.KIOSK
    name = factory.Sequence(lambda n: f"测试设备{n}")
    key_prefix = factory.Sequence(lambda n: f"t{n:07d}")
    key_hash = factory.Sequence(lambda n: f"{n:064x}")


class NoticeFactory(DjangoModelFactory):
    class Meta:
        model = Notice

    recipient = factory.SubFactory(StaffFactory)
    kind = "test"
    title = factory.Sequence(lambda n: f"测试消息{n}")
    dedupe_key = factory.Sequence(lambda n: f"test-{n}")

"""Reads that depend on who asks. This is the one place where centre scoping happens:
staff see only their centre (plus centres granted to them); superusers see all."""
from django.db.models import Count, Q, QuerySet

from .models import Centre, Department, Device, Material, Matter, MatterStage, Notice, Role, User, Window
from .models.people import STAFF_ROLES


def centre_ids_for_actor(actor) -> set[int]:
    """The centres whose internal records an actor may read. Citizens and anonymous users get none."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return set()
    if getattr(actor, "is_device", False):
        return {actor.centre_id}
    if not getattr(actor, "is_active", False):
        return set()
    if actor.is_superuser:
        return set(Centre.objects.values_list("id", flat=True))
    if not actor.is_hall_staff or actor.centre_id is None:
        return set()
    cached = getattr(actor, "_centre_ids_cache", None)
    if cached is None:
        cached = frozenset({actor.centre_id, *actor.extra_centres.values_list("id", flat=True)})
        actor._centre_ids_cache = cached
    return set(cached)


def scope_to_actor(queryset: QuerySet, actor, *, centre_field: str = "centre") -> QuerySet:
    """Limit any queryset of centre-owned rows to what the actor may see."""
    if getattr(actor, "is_superuser", False):
        return queryset
    return queryset.filter(**{f"{centre_field}__in": centre_ids_for_actor(actor)})


def centres_for_actor(actor) -> QuerySet[Centre]:
    return scope_to_actor(Centre.objects.all(), actor, centre_field="id")


def departments_for_actor(actor) -> QuerySet[Department]:
    return scope_to_actor(Department.objects.select_related("centre"), actor)


def windows_for_actor(actor) -> QuerySet[Window]:
    return scope_to_actor(Window.objects.select_related("centre", "department"), actor)


def matters_for_actor(actor) -> QuerySet[Matter]:
    """Every matter (drafts included) of the actor's centres, for staff screens."""
    return scope_to_actor(Matter.objects.select_related("centre", "department"), actor)


# Public catalogue: published matters of any centre, for anyone (清单之外无审批).

def published_matters(*, centre_id: int | None = None) -> QuerySet[Matter]:
    qs = Matter.objects.filter(status=Matter.Status.PUBLISHED).select_related("centre", "department")
    if centre_id is not None:
        qs = qs.filter(centre_id=centre_id)
    return qs


def catalogue_search(
    *, query: str = "", centre_id: int | None = None, department_id: int | None = None, kind: str = ""
) -> QuerySet[Matter]:
    qs = matter_text_search(published_matters(centre_id=centre_id), query)
    if department_id:
        qs = qs.filter(department_id=department_id)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("department__code", "code")


def matter_text_search(queryset: QuerySet[Matter], query: str) -> QuerySet[Matter]:
    """Matters whose name, code or department name contains the query (the first 100 characters of it)."""
    query = (query or "").strip()[:100]
    if not query:
        return queryset
    return queryset.filter(Q(name__icontains=query) | Q(code__icontains=query) | Q(department__name__icontains=query))


def published_matter_detail(*, matter_id: int) -> Matter | None:
    return (
        published_matters()
        .prefetch_related("materials", "stages")
        .filter(pk=matter_id)
        .first()
    )


def windows_serving_matter(matter: Matter) -> QuerySet[Window]:
    """Where to go: the department's own windows, plus integrated acceptance windows of the centre."""
    return (
        Window.objects.filter(centre_id=matter.centre_id, is_active=True)
        .filter(Q(department_id=matter.department_id) | Q(kind=Window.Kind.INTEGRATED))
        .order_by("number")
    )


def catalogue_centres() -> QuerySet[Centre]:
    """Centres shown to the public, each with its number of published matters."""
    return Centre.objects.annotate(
        published_count=Count("matters", filter=Q(matters__status=Matter.Status.PUBLISHED))
    ).order_by("id")


def catalogue_departments(*, centre_id: int | None = None) -> QuerySet[Department]:
    """Departments that have at least one published matter, for the catalogue's filter."""
    qs = Department.objects.filter(matters__status=Matter.Status.PUBLISHED).select_related("centre").distinct()
    if centre_id is not None:
        qs = qs.filter(centre_id=centre_id)
    return qs.order_by("centre_id", "code")


def catalogue_kind_counts() -> dict[str, int]:
    rows = published_matters().order_by().values("kind").annotate(n=Count("id"))
    return {row["kind"]: row["n"] for row in rows}


# People and devices. Callback operators (a third party) and devices see no staff or device lists.

_PEOPLE_READERS = (Role.CLERK, Role.APPROVER, Role.MANAGER, Role.SUPERVISOR)


def _reads_people(actor) -> bool:
    if getattr(actor, "is_device", False) or not getattr(actor, "is_authenticated", False):
        return False
    return actor.is_superuser or getattr(actor, "role", None) in _PEOPLE_READERS


def materials_for_actor(actor) -> QuerySet[Material]:
    return scope_to_actor(Material.objects.select_related("matter"), actor, centre_field="matter__centre")


def matter_stages_for_actor(actor) -> QuerySet[MatterStage]:
    return scope_to_actor(MatterStage.objects.select_related("matter"), actor, centre_field="matter__centre")


def staff_for_actor(actor) -> QuerySet[User]:
    """Staff accounts of the actor's centres (by their home centre)."""
    qs = User.objects.filter(role__in=STAFF_ROLES).select_related("centre", "department")
    if not _reads_people(actor):
        return qs.none()
    return scope_to_actor(qs, actor)


def users_for_actor(actor) -> QuerySet[User]:
    """What the user admin lists: every account for a superuser (citizens too), else staff_for_actor."""
    if getattr(actor, "is_superuser", False) and getattr(actor, "is_active", False):
        return User.objects.select_related("centre", "department")
    return staff_for_actor(actor)


def devices_for_actor(actor) -> QuerySet[Device]:
    qs = Device.objects.select_related("centre", "window")
    if not _reads_people(actor):
        return qs.none()
    return scope_to_actor(qs, actor)


def notices_for_actor(actor) -> QuerySet[Notice]:
    """A person's own notices; managers and supervisors also those of their centres' staff."""
    qs = Notice.objects.select_related("recipient")
    if getattr(actor, "is_device", False) or not getattr(actor, "is_authenticated", False):
        return qs.none()
    if actor.is_superuser:
        return qs
    if getattr(actor, "role", None) in (Role.MANAGER, Role.SUPERVISOR):
        return qs.filter(Q(recipient=actor) | Q(recipient__centre__in=centre_ids_for_actor(actor)))
    return qs.filter(recipient=actor)

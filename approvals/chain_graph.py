"""The step graph of a parallel approval chain (并联审批), pure: steps come in as keys and the keys they
depend on; nothing here touches the database. The template service checks a graph with
`topological_order` before saving it, and the chain services ask `ready_steps` which steps may start."""

from collections.abc import Iterable, Mapping, Sequence

from django.utils.translation import gettext as _

from common.errors import ValidationFailed

Graph = Mapping[str, Sequence[str]]


def topological_order(steps: Sequence[tuple[str, Sequence[str]]]) -> list[str]:
    """The keys in an order where every step comes after the steps it depends on (ties keep the given
    order). Refuses duplicate keys, unknown or repeated dependencies, a step depending on itself, and
    cycles — naming the steps of one cycle, so the manager sees what to fix."""
    keys = [key for key, _depends in steps]
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise ValidationFailed(_("步骤标识“%(key)s”重复。") % {"key": key}, field="steps")
        seen.add(key)
    graph: dict[str, list[str]] = {}
    for key, depends in steps:
        depends = list(depends)
        if key in depends:
            raise ValidationFailed(_("步骤“%(key)s”不能依赖自己。") % {"key": key}, field="steps")
        unknown = [d for d in depends if d not in seen]
        if unknown:
            raise ValidationFailed(
                _("步骤“%(key)s”的前置步骤“%(unknown)s”不存在。") % {"key": key, "unknown": "、".join(unknown)},
                field="steps",
            )
        if len(set(depends)) != len(depends):
            raise ValidationFailed(_("步骤“%(key)s”的前置步骤重复。") % {"key": key}, field="steps")
        graph[key] = depends
    cycle = find_cycle(graph)
    if cycle:
        raise ValidationFailed(
            _("步骤之间存在循环依赖：%(cycle)s。") % {"cycle": " → ".join([*cycle, cycle[0]])}, field="steps"
        )
    order: list[str] = []
    placed: set[str] = set()
    while len(order) < len(keys):
        for key in keys:
            if key not in placed and all(d in placed for d in graph[key]):
                order.append(key)
                placed.add(key)
                break
    return order


def find_cycle(graph: Graph) -> list[str]:
    """One cycle of the graph as a list of keys (each depending on the next one's predecessor...), or []."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(graph, white)
    path: list[str] = []

    def visit(key: str) -> list[str]:
        colour[key] = grey
        path.append(key)
        for dependency in graph[key]:
            if colour.get(dependency) == grey:
                return path[path.index(dependency):]
            if colour.get(dependency) == white:
                found = visit(dependency)
                if found:
                    return found
        path.pop()
        colour[key] = black
        return []

    for key in graph:
        if colour[key] == white:
            found = visit(key)
            if found:
                return list(reversed(found))
    return []


def roots(graph: Graph) -> list[str]:
    """Steps that depend on nothing: they start at acceptance."""
    return [key for key, depends in graph.items() if not depends]


def critical_path(graph: Graph, durations: Mapping[str, int]) -> int:
    """The longest sum of durations along any chain of dependencies: the least time the whole chain can
    take when every step uses its full limit and parallel steps run side by side."""
    finish: dict[str, int] = {}

    def finish_of(key: str) -> int:
        if key not in finish:
            finish[key] = durations[key] + max((finish_of(d) for d in graph[key]), default=0)
        return finish[key]

    return max((finish_of(key) for key in graph), default=0)


def ready_steps(graph: Graph, *, done: Iterable[str], started: Iterable[str]) -> list[str]:
    """Steps not started yet whose every predecessor is done, in the graph's order."""
    done, started = set(done), set(started)
    return [key for key, depends in graph.items() if key not in started and all(d in done for d in depends)]

"""The pure step-graph checks of a chain template: order, refusals, critical path, ready steps."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from approvals import chain_graph
from common.errors import ValidationFailed

CONSTRUCTION = [
    ("project", []),
    ("planning", ["project"]),
    ("land", ["project"]),
    ("fire", ["project"]),
    ("airdefence", ["project"]),
    ("permit", ["planning", "land", "fire", "airdefence"]),
]
GRAPH = dict(CONSTRUCTION)


def test_topological_order_puts_every_step_after_its_predecessors():
    steps = [("permit", ["planning", "fire"]), ("fire", ["project"]), ("planning", ["project"]), ("project", [])]

    assert chain_graph.topological_order(steps) == ["project", "fire", "planning", "permit"]


def test_a_graph_already_in_order_keeps_its_order():
    assert chain_graph.topological_order(CONSTRUCTION) == [key for key, _d in CONSTRUCTION]


def test_a_cycle_is_refused_naming_its_steps_in_flow_order():
    steps = [("a", ["c"]), ("b", ["a"]), ("c", ["b"]), ("d", [])]

    with pytest.raises(ValidationFailed, match="循环依赖") as refused:
        chain_graph.topological_order(steps)

    shown = str(refused.value.message).split("：")[1].rstrip("。").split(" → ")
    assert shown[0] == shown[-1]
    flow = shown[:-1]
    assert any(flow == ["a", "b", "c"][i:] + ["a", "b", "c"][:i] for i in range(3))  # each step before the next


def test_a_step_depending_on_itself_is_refused():
    with pytest.raises(ValidationFailed, match="不能依赖自己"):
        chain_graph.topological_order([("a", []), ("b", ["b"])])


def test_an_unknown_predecessor_is_refused():
    with pytest.raises(ValidationFailed, match="“licence”不存在"):
        chain_graph.topological_order([("a", []), ("b", ["licence"])])


def test_a_duplicate_key_is_refused():
    with pytest.raises(ValidationFailed, match="重复"):
        chain_graph.topological_order([("a", []), ("a", [])])


def test_a_predecessor_listed_twice_is_refused():
    with pytest.raises(ValidationFailed, match="前置步骤重复"):
        chain_graph.topological_order([("a", []), ("b", ["a", "a"])])


def test_find_cycle_returns_nothing_for_a_dag():
    assert chain_graph.find_cycle(GRAPH) == []


def test_roots_are_the_steps_without_predecessors():
    assert chain_graph.roots(GRAPH) == ["project"]


def test_critical_path_is_the_longest_chain_of_limits():
    statutory = {"project": 5, "planning": 20, "land": 20, "fire": 15, "airdefence": 20, "permit": 15}

    assert chain_graph.critical_path(GRAPH, statutory) == 40


def test_critical_path_of_parallel_roots_is_the_longest_root():
    assert chain_graph.critical_path({"a": [], "b": []}, {"a": 3, "b": 7}) == 7


def test_a_successor_is_ready_only_when_every_predecessor_is_done():
    started = ["project", "planning", "land", "fire", "airdefence"]

    assert chain_graph.ready_steps(GRAPH, done=["project", "planning", "land", "fire"], started=started) == []
    assert chain_graph.ready_steps(GRAPH, done=["project", "airdefence", "land", "fire", "planning"],
                                   started=started) == ["permit"]


def test_started_steps_are_never_ready_again():
    assert chain_graph.ready_steps(GRAPH, done=[], started=["project"]) == []


@st.composite
def dags(draw):
    """Random DAGs: each step may depend only on steps drawn before it, then shuffled."""
    size = draw(st.integers(min_value=1, max_value=12))
    keys = [f"s{i}" for i in range(size)]
    steps = [(key, draw(st.lists(st.sampled_from(keys[:i]), unique=True)) if i else []) for i, key in enumerate(keys)]
    return draw(st.permutations(steps))


@given(dags())
def test_every_dag_is_ordered_with_predecessors_first(steps):
    order = chain_graph.topological_order(steps)

    position = {key: index for index, key in enumerate(order)}
    assert sorted(order) == sorted(key for key, _d in steps)
    assert all(position[d] < position[key] for key, depends in steps for d in depends)


@given(dags(), st.data())
def test_adding_a_back_edge_to_a_dag_makes_a_cycle(steps, data):
    graph = dict(steps)
    with_deps = [key for key, depends in steps if depends]
    if not with_deps:
        return
    key = data.draw(st.sampled_from(with_deps))
    predecessor = graph[key][0]
    graph[predecessor] = [*graph[predecessor], key]

    assert chain_graph.find_cycle(graph)

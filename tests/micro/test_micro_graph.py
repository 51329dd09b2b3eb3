"""to_dot and draw_dot: the picture of a graph."""

import shutil
import sys

import pytest

from micro import Value, draw_dot, to_dot


def small_graph():
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    d = (c + 1.0).tanh()
    d.backward()
    return a, b, c, d


def test_dot_has_one_box_per_value_with_op_data_and_grad():
    a, b, c, d = small_graph()
    dot = to_dot(d, labels={a: "a", b: "b"})
    assert dot.startswith("digraph {") and dot.rstrip().endswith("}")
    assert dot.count("[label=") == 6  # a, b, c, the constant 1, c + 1, tanh
    assert "{ a | data 2 | grad " in dot
    assert "{ b | data -3 | grad " in dot
    assert "{ mul | data -6 | grad " in dot
    assert "{ tanh | data -0.9999 | grad 1 }" in dot
    assert dot.count("->") == 5


def test_dot_edges_follow_argument_order():
    a, b = Value(1.0), Value(2.0)
    dot = to_dot(a - b)
    assert dot.index("v0 -> v2") < dot.index("v1 -> v2")


def test_dot_is_deterministic():
    *_, d = small_graph()
    assert to_dot(d) == to_dot(d)


def test_draw_dot_without_graphviz_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)
    with pytest.raises(ImportError, match="pip install graphviz.*to_dot"):
        draw_dot(Value(1.0))


def test_draw_dot_without_dot_program(monkeypatch):
    pytest.importorskip("graphviz")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="`dot` program.*to_dot"):
        draw_dot(Value(1.0))


@pytest.mark.skipif(
    shutil.which("dot") is None and shutil.which("graphviz-pure") is None,
    reason="needs Graphviz's dot program or graphviz-pure",
)
def test_draw_dot_renders_to_a_file(tmp_path):
    pytest.importorskip("graphviz")
    *_, d = small_graph()
    path = tmp_path / "graph.svg"
    graph = draw_dot(d, path)
    assert path.read_text().lstrip().startswith(("<?xml", "<svg"))
    assert "tanh" in graph.source


def test_draw_dot_builds_a_digraph_of_the_same_boxes(monkeypatch):
    graphviz = pytest.importorskip("graphviz")
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/dot")  # no rendering without path
    a, b, c, d = small_graph()
    graph = draw_dot(d, labels={a: "a"})
    assert isinstance(graph, graphviz.Digraph)
    assert "{ a | data 2 | grad " in graph.source and "{ tanh | data -0.9999" in graph.source
    assert graph.source.count("->") == 5

"""DOT text of the backward graph, and draw_dot's rendering or its install hint."""

import re
import shutil

import pytest

import tensor as T


def parse(dot: str):
    """Node labels by id and the list of edges of to_dot's output."""
    labels = dict(re.findall(r'^\s+(n\d+) \[label="([^"]*)"', dot, flags=re.M))
    edges = re.findall(r"^\s+(n\d+) -> (n\d+);", dot, flags=re.M)
    return labels, edges


def test_nodes_edges_names_and_shapes():
    w = T.randn(3, 4, requires_grad=True)
    w.name = "w"
    x = T.randn(4, requires_grad=True)
    y = ((w @ x).tanh() * 2).sum()
    dot = T.to_dot(y)
    assert dot.startswith("digraph {") and dot.rstrip().endswith("}")
    labels, edges = parse(dot)
    assert labels["n0"] == f"{y.grad_fn.name()}\\n()"
    by_label = {label: node for node, label in labels.items()}
    tanh = by_label["TanhBackward0\\n(3,)"]
    leaf_w = by_label["w\\n(3, 4)"]
    leaf_x = by_label["(4,)"]
    product = next(node for node, label in labels.items() if label.endswith("\\n(3,)")
                   and (leaf_w, node) in edges)
    assert (leaf_x, product) in edges
    assert (product, tanh) in edges
    assert len(labels) == 6 and len(edges) == 5


def test_one_node_per_grad_fn_and_an_edge_per_use():
    x = T.randn(2, requires_grad=True)
    y = x * x + x
    labels, edges = parse(T.to_dot(y))
    assert sorted(labels.values()) == sorted(["AddBackward0\\n(2,)", "MulBackward0\\n(2,)",
                                              "(2,)"])
    leaf = next(node for node, label in labels.items() if label == "(2,)")
    assert sum(1 for source, _ in edges if source == leaf) == 3


def test_ids_are_stable():
    x = T.randn(3, requires_grad=True)
    y = (x.exp() * x.sin()).mean()
    assert T.to_dot(y) == T.to_dot(y)


def test_deep_chain_needs_no_recursion():
    x = T.randn(2, requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0001
    labels, edges = parse(T.to_dot(y))
    assert len(labels) == 5001 and len(edges) == 5000


def test_tensors_without_graph():
    leaf = T.ones(2, 2, requires_grad=True)
    leaf.name = "p"
    labels, edges = parse(T.to_dot(leaf))
    assert labels == {"n0": "p\\n(2, 2)"} and edges == []
    labels, _ = parse(T.to_dot(T.ones(3)))
    assert labels == {"n0": "(3,)\\nno grad"}


def test_draw_dot_without_dot_binary_says_how_to_install(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    y = T.randn(2, requires_grad=True).exp()
    with pytest.raises(RuntimeError, match="install"):
        T.draw_dot(y)


def test_draw_dot_renders_through_graphviz(monkeypatch, tmp_path):
    graphviz = pytest.importorskip("graphviz")
    rendered = {}
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/dot")
    monkeypatch.setattr(graphviz.Source, "render",
                        lambda self, **kw: rendered.update(kw, source=self.source))
    y = T.randn(2, requires_grad=True).exp()
    source = T.draw_dot(y, tmp_path / "graph")
    assert source.source == T.to_dot(y)
    assert rendered["outfile"] == str(tmp_path / "graph.svg")
    T.draw_dot(y, tmp_path / "graph.png")
    assert rendered["outfile"] == str(tmp_path / "graph.png")

"""draw_dot in both engines renders with `dot`, else with graphviz-pure, else says what to install."""

import shutil
import struct

import pytest

import micro
import tensor as T

graphviz = pytest.importorskip("graphviz")
PURE = shutil.which("graphviz-pure")
needs_pure = pytest.mark.skipif(PURE is None, reason="needs graphviz-pure (pip install graphviz-pure)")


def _only_graphviz_pure(monkeypatch):
    """Hide Graphviz's `dot` so that the fallback must render."""
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name: None if name == "dot" else real_which(name))


def _png_size(path):
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n"), data[:16]
    return struct.unpack(">II", data[16:24])


@needs_pure
def test_micro_draw_dot_falls_back_to_graphviz_pure(monkeypatch, tmp_path):
    _only_graphviz_pure(monkeypatch)
    a, b = micro.Value(2.0), micro.Value(-3.0)
    graph = micro.draw_dot(a * b + a.tanh(), tmp_path / "micro.png", labels={a: "a"})
    width, height = _png_size(tmp_path / "micro.png")
    assert width > 200 and height > 50
    micro.draw_dot(a * b, tmp_path / "micro.svg")
    assert "<svg" in (tmp_path / "micro.svg").read_text()
    assert "tanh" in graph.source


@needs_pure
def test_tensor_draw_dot_falls_back_to_graphviz_pure(monkeypatch, tmp_path):
    _only_graphviz_pure(monkeypatch)
    x = T.tensor([1.0, 2.0], requires_grad=True)
    x.name = "x"
    T.draw_dot((x * x).sum(), tmp_path / "tensor", format="png")
    width, height = _png_size(tmp_path / "tensor.png")
    assert width > 50 and height > 100


def test_without_any_renderer_both_say_what_to_install(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    a = micro.Value(1.0)
    for draw, root in ((micro.draw_dot, a * a), (T.draw_dot, T.ones(2, requires_grad=True).exp())):
        with pytest.raises(RuntimeError, match="pip install graphviz-pure.*to_dot"):
            draw(root)

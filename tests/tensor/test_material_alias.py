"""Running torch material unchanged: ``tensor.install_as_torch()`` and ``python -m tensor script.py``.

Each case runs in a fresh interpreter: the test process itself has the real
torch imported (it is the oracle everywhere else).
"""

import subprocess
import sys
import textwrap


def run_python(args, cwd):
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def run_code(code, tmp_path):
    return run_python(["-c", textwrap.dedent(code)], tmp_path)


def test_install_as_torch_resolves_every_import_form(tmp_path):
    result = run_code(
        """
        import tensor
        tensor.install_as_torch()
        tensor.install_as_torch()  # installed once: a second call is harmless
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        from torch import nn as nn2, optim
        from torch.autograd import Function, gradcheck
        import tensor.nn.functional
        assert torch is tensor and nn is tensor.nn and nn2 is nn and optim is tensor.optim
        assert F is tensor.nn.functional and F.__spec__.name == "tensor.nn.functional"
        assert Function is tensor.autograd.Function and gradcheck is tensor.autograd.gradcheck
        model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
        opt = optim.SGD(model.parameters(), lr=0.1)
        x, y = torch.randn(8, 3), torch.randint(0, 2, (8,))
        losses = []
        for _ in range(20):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        assert type(loss) is tensor.Tensor and losses[-1] < losses[0], losses
        try:
            import torch.no_such_module
        except ModuleNotFoundError as error:
            assert "tensor.no_such_module" in str(error), error
        else:
            raise AssertionError("torch.no_such_module imported")
        print("ok")
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_install_after_real_torch_raises_clear_error(tmp_path):
    result = run_code(
        """
        import sys
        import torch
        import tensor
        try:
            tensor.install_as_torch()
        except RuntimeError as error:
            print(error)
        assert sys.modules["torch"] is torch
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "after the real torch was imported" in result.stdout
    assert "python -m tensor script.py" in result.stdout


def test_python_m_tensor_runs_script_as_main_with_argv(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent(
        """
        import sys
        import torch
        import torch.nn as nn

        def main():
            x = torch.ones(2, 2, requires_grad=True)
            (x * 3).sum().backward()
            print(__name__, sys.argv[1:], torch.__name__, nn.__name__, x.grad.tolist())
            if sys.argv[1] == "fail":
                raise ValueError("failed on purpose")

        if __name__ == "__main__":
            main()
        """
    ))
    ok = run_python(["-m", "tensor", "train.py", "go", "--flag"], tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.split("\n")[0] == (
        "__main__ ['go', '--flag'] tensor tensor.nn [[3.0, 3.0], [3.0, 3.0]]"
    )
    failed = run_python(["-m", "tensor", str(script), "fail"], tmp_path)
    assert failed.returncode == 1
    traceback_lines = failed.stderr.splitlines()
    # The traceback starts at the script, as ``python train.py`` prints it.
    assert traceback_lines[0] == "Traceback (most recent call last):"
    assert traceback_lines[1].startswith(f'  File "{script}", line')
    assert traceback_lines[-1] == "ValueError: failed on purpose"
    missing = run_python(["-m", "tensor", "missing.py"], tmp_path)
    assert missing.returncode == 2 and "missing.py" in missing.stderr

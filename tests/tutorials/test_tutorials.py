"""Every tutorial runs headless in its own process, exits cleanly, and writes real pictures.

The fast tutorials run in the default test run; the rest are marked slow, so
`python -m pytest -m slow` (which `.ci/run` runs) runs every tutorial once.
`run_all.py` itself is tested on a folder of two tiny scripts.
"""

import os
import subprocess
import sys
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
TUTORIALS = ROOT / "tutorials"
sys.path.insert(0, str(TUTORIALS))
from run_all import PICTURE, main, tutorials  # noqa: E402

# Each takes a few seconds here; the others (training, interpreter runs) are slow.
FAST = {"01_gradients", "03_computational_graph", "04_backpropagation_step_by_step", "05_managing_gradients"}
TIME_LIMIT = 240


def run_tutorial(script: Path, out: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "LUCIDGRAD_OUT": str(out), "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env,
                          timeout=TIME_LIMIT, cwd=out)


def assert_not_blank(path: Path) -> None:
    """A PNG of sensible size with more than one colour, or an SVG that draws something."""
    assert path.exists(), f"announced picture {path} was not written"
    if path.suffix == ".png":
        image = matplotlib.image.imread(path)
        height, width = image.shape[:2]
        assert 100 <= width <= 5000 and 80 <= height <= 5000, (path, image.shape)
        colours = np.unique(image.reshape(-1, image.shape[-1]), axis=0)
        assert len(colours) > 1, f"{path} is a single colour"
    else:
        text = path.read_text()
        assert "<svg" in text and ("<path" in text or "<polygon" in text or "<text" in text), path


SCRIPTS = tutorials(TUTORIALS, [])


@pytest.mark.parametrize(
    "script",
    [pytest.param(s, id=s.stem, marks=() if s.stem in FAST else pytest.mark.slow) for s in SCRIPTS],
)
def test_tutorial_runs_and_its_pictures_are_real(script, tmp_path):
    result = run_tutorial(script, tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    pictures = [Path(line.removeprefix(PICTURE)) for line in result.stdout.splitlines()
                if line.startswith(PICTURE)]
    assert pictures, "every tutorial writes at least one picture"
    for picture in pictures:
        assert_not_blank(picture if picture.is_absolute() else tmp_path / picture)


def test_the_curriculum_is_there_in_order():
    numbers = [int(s.name[:2]) for s in SCRIPTS]
    assert numbers == sorted(numbers) and set(range(1, 12)) <= set(numbers)


def test_run_all_reports_each_tutorial_and_fails_when_one_fails(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "lessons"
    folder.mkdir()
    (folder / "01_fine.py").write_text(
        "import os\nfrom pathlib import Path\n"
        "p = Path(os.environ['LUCIDGRAD_OUT']) / 'a.png'\np.write_bytes(b'x')\nprint('picture:', p)\n"
    )
    (folder / "02_broken.py").write_text("assert 1 + 1 == 3, 'the maths disagrees'\n")
    monkeypatch.setenv("LUCIDGRAD_OUT", str(tmp_path / "out"))
    assert main(["--folder", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "01_fine" in out and " 1 pictures  ok" in out
    assert "02_broken" in out and "FAILED" in out and "the maths disagrees" in out
    assert "1 of 2 tutorials ok" in out and str(tmp_path / "out") in out
    assert main(["--folder", str(folder), "01"]) == 0
    assert main(["--folder", str(folder), "99"]) == 1

"""What every tutorial shares: where pictures go, how they are saved and announced, checks.

Pictures go to `$LUCIDGRAD_OUT` if set, else `./tutorial_output/`. Each saved
picture is announced on stdout as a line `picture: <path>`, which is how
`run_all.py` and the tests find them. `check` prints a result next to what
the maths says and stops the tutorial loudly when they disagree.
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # draw to files: no window, runs headless
import matplotlib.pyplot as plt  # noqa: E402

OUT = Path(os.environ.get("LUCIDGRAD_OUT", "tutorial_output"))
OUT.mkdir(parents=True, exist_ok=True)


def announce(path: Path) -> Path:
    """Print `picture: <path>` for a picture written to disk; returns the path."""
    print(f"picture: {path}")
    return path


def save(figure, name: str) -> Path:
    """Save a matplotlib figure as OUT/name (tight, 110 dpi), close it and announce it."""
    path = OUT / name
    figure.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(figure)
    return announce(path)


def check(what: str, got: float, expected: float, tolerance: float = 1e-6) -> None:
    """Print `what: got (maths: expected)` and raise AssertionError unless |got - expected| <= tolerance."""
    ok = abs(float(got) - float(expected)) <= tolerance
    print(f"  {what}: {float(got):.6g}   (maths: {float(expected):.6g})  {'ok' if ok else 'WRONG'}")
    if not ok:
        raise AssertionError(f"{what}: got {got}, the maths says {expected}")

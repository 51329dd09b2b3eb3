"""Toy data for the tutorials and benchmarks, made on the spot (no downloads, stdlib only)."""

from __future__ import annotations

import math
import random


def make_moons(
    n: int = 100, noise: float = 0.1, seed: int = 0
) -> tuple[list[tuple[float, float]], list[float]]:
    """Two interleaving half circles in the plane, like sklearn's make_moons.

    Point i lies at angle t = pi * k / (n/2 - 1) on the upper moon
    (cos t, sin t) with label -1, or on the lower moon (1 - cos t, 1/2 - sin t)
    with label +1, alternately; Gaussian noise of standard deviation `noise`
    is added to both coordinates. Returns (points, labels).
    """
    rng = random.Random(seed)
    points, labels = [], []
    for i in range(n):
        t = math.pi * (i // 2) / max(n // 2 - 1, 1)
        if i % 2 == 0:
            x, y, label = math.cos(t), math.sin(t), -1.0
        else:
            x, y, label = 1.0 - math.cos(t), 0.5 - math.sin(t), 1.0
        points.append((x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)))
        labels.append(label)
    return points, labels

"""``python -m tensor script.py [args]``: run a PyTorch script unchanged on ``tensor``.

Like ``python -m cProfile script.py``: installs the torch alias
(:func:`tensor.install_as_torch`), then runs the script as ``__main__`` with
``sys.argv`` = ``[script.py, args...]`` and the script's directory as
``sys.path[0]`` (as ``python script.py`` does), so its ``import torch`` lines load ``tensor``. Exceptions
print with the script's own traceback (runpy's frames left out) and exit 1.
"""

from __future__ import annotations

import os
import runpy
import sys

from ._torch_alias import install_as_torch

USAGE = "usage: python -m tensor script.py [args ...]"


def main(argv: list[str]) -> None:
    """Run ``argv[0]`` as ``__main__`` with ``argv`` as its ``sys.argv`` and the alias installed."""
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stderr if not argv else sys.stdout)
        raise SystemExit(2 if not argv else 0)
    script = argv[0]
    if not os.path.exists(script):
        print(f"python -m tensor: can't open file {script!r}: no such file", file=sys.stderr)
        raise SystemExit(2)
    install_as_torch()
    sys.argv = list(argv)
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    try:
        runpy.run_path(script, run_name="__main__")
    except Exception as error:
        # Show the traceback from the script's first frame on, as ``python script.py`` would.
        traceback = error.__traceback__
        while traceback is not None and traceback.tb_frame.f_code.co_filename != script:
            traceback = traceback.tb_next
        error.__traceback__ = traceback or error.__traceback__
        sys.excepthook(type(error), error, error.__traceback__)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main(sys.argv[1:])

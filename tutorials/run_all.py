"""Run every tutorial in order, each in its own process: the tour of lucidgrad.

    python tutorials/run_all.py                # all of them
    python tutorials/run_all.py 03 07          # those whose file name starts with 03 or 07

One progress line per tutorial (name, seconds, pictures written, ok/failed),
then a summary with the folder of pictures. A tutorial fails when it exits
non-zero (its own checks raise when a result disagrees with the maths) or
runs past the time limit; the command then exits with status 1 after
printing the end of the failed tutorials' error output.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PICTURE = "picture: "  # how a tutorial announces a picture it wrote (tutorials/_tutorial.py)


def tutorials(folder: Path, prefixes: list[str]) -> list[Path]:
    """The numbered scripts `NN_topic.py` of `folder`, in order, filtered by name prefixes."""
    found = sorted(p for p in folder.glob("[0-9][0-9]_*.py"))
    return [p for p in found if not prefixes or any(p.name.startswith(x) for x in prefixes)]


def run(script: Path, out: Path, timeout: float) -> tuple[bool, float, list[str], str]:
    """Run one tutorial; (ok, seconds, pictures it announced, end of its error output)."""
    env = {**os.environ, "LUCIDGRAD_OUT": str(out), "MPLBACKEND": "Agg"}
    start = time.perf_counter()
    try:
        result = subprocess.run(
            [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return False, time.perf_counter() - start, [], f"timed out after {timeout:.0f} s"
    seconds = time.perf_counter() - start
    lines = result.stdout.splitlines()
    pictures = [line.removeprefix(PICTURE) for line in lines if line.startswith(PICTURE)]
    tail = "\n".join((result.stdout + result.stderr).splitlines()[-15:])
    return result.returncode == 0, seconds, pictures, tail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefixes", nargs="*", help="run only tutorials whose name starts so (e.g. 03)")
    parser.add_argument("--folder", type=Path, default=HERE, help="where the tutorials are")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds allowed per tutorial")
    args = parser.parse_args(argv)
    out = Path(os.environ.get("LUCIDGRAD_OUT", "tutorial_output")).resolve()
    out.mkdir(parents=True, exist_ok=True)
    scripts = tutorials(args.folder, args.prefixes)
    if not scripts:
        print(f"no tutorials matching {args.prefixes} in {args.folder}")
        return 1
    failures, pictures, start = [], 0, time.perf_counter()
    for script in scripts:
        ok, seconds, written, tail = run(script, out, args.timeout)
        pictures += len(written)
        print(f"{script.stem:36s} {seconds:6.1f} s  {len(written):2d} pictures  {'ok' if ok else 'FAILED'}",
              flush=True)
        if not ok:
            failures.append((script.stem, tail))
    for name, tail in failures:
        print(f"\n--- {name} failed; the end of its output:\n{tail}")
    total = time.perf_counter() - start
    print(f"\n{len(scripts) - len(failures)} of {len(scripts)} tutorials ok in {total:.0f} s; "
          f"{pictures} pictures in {out}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""Test-wide setup: Triton runs in its CPU interpreter (no GPU here).

``TRITON_INTERPRET`` must be set before triton is first imported, so it is set
here, before any test module is collected. Tests that need a process without
it (the ahead-of-time build) start a subprocess with it removed.
"""

import os

os.environ.setdefault("TRITON_INTERPRET", "1")

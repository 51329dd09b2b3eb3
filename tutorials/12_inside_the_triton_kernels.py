"""Tutorial 12: inside the Triton kernels: softmax, forward and backward.

    python tutorials/12_inside_the_triton_kernels.py

On the `cuda` device every op of `tensor` is a Triton kernel from
`triton_kernels`. A Triton kernel is written for ONE program: the launcher
starts a grid of programs, and each loads a block of data (a tile of
`BLOCK_ROWS x BLOCK_N` elements here), computes on the whole block at once,
and stores its results; masks switch off the lanes that fall past the edge
of the data. This tutorial reads the softmax kernels of
`triton_kernels/softmax.py`:

- forward, one row of n elements: m = max_j x_j, s = sum_j exp(x_j - m),
  y_j = exp(x_j - m) / s (subtracting m changes nothing mathematically and
  keeps exp from overflowing);
- backward (the VJP, from the forward's output y and the upstream gradient
  g): dx_j = y_j (g_j - sum_k y_k g_k), one dot product per row.

Both run here through Triton's interpreter on the CPU (on a GPU when one is
present) and are compared with torch. Then `python -m triton_kernels.inspect`
compiles kernels ahead of time for real GPUs (sm_80: A100, sm_90: H100; no
GPU needed) and its table is read: registers, spills, shared memory, tensor
cores. Picture: how a matrix is tiled into the programs' blocks, on both of
the kernel's paths.
"""

import json
import os
import re
import subprocess
import sys
import time
import warnings

import torch

if not torch.cuda.is_available():
    os.environ.setdefault("TRITON_INTERPRET", "1")  # before triton is first imported

import matplotlib.pyplot as plt  # noqa: E402
from _tutorial import check, save  # noqa: E402
from matplotlib.patches import Patch, Rectangle  # noqa: E402

from triton_kernels import count_launches  # noqa: E402
from triton_kernels import softmax as kernels  # noqa: E402

# The interpreter computes masked-off lanes too (and numpy warns about their
# exp(-inf - -inf)); those lanes are never stored.
warnings.filterwarnings("ignore", category=RuntimeWarning, module="triton.runtime.interpreter")
device = "cuda" if torch.cuda.is_available() else "cpu"
where = "on the GPU" if device == "cuda" else "in Triton's interpreter on the CPU (no GPU here)"
print(f"kernels run {where}")
torch.manual_seed(0)

# ---------------------------------------------------------------------------
# 1. The grid and the blocks. The launcher looks at the shape and picks:
#    BLOCK_N = the next power of two >= the row length (Triton blocks are
#    powers of two; lanes past the row are masked), and BLOCK_ROWS = as many
#    rows as fit in a tile of TILE = 4096 elements. The grid is one program
#    per BLOCK_ROWS rows.
print("1. grid and blocks for x of shape (50, 300), softmax along dim 1")
n_rows, n_cols = 50, 300
block_n, one_block = kernels._column_block(n_cols, None)
block_rows = kernels._rows_per_program(block_n, (n_rows,))
grid = kernels.cdiv(n_rows, block_rows)
print(f"  BLOCK_N = {block_n} (>= {n_cols}: a whole row in one block), BLOCK_ROWS = {block_rows} "
      f"(= {kernels.TILE} // {block_n}), grid = cdiv({n_rows}, {block_rows}) = {grid} programs")
assert (block_n, one_block, block_rows, grid) == (512, True, 8, 7)
# What program p does (see _softmax_forward_kernel):
#   rows = p * BLOCK_ROWS + arange(BLOCK_ROWS)       its 8 rows (int64: no overflow on big tensors)
#   cols = arange(BLOCK_N)                           512 columns, of which 300 are real
#   x = load(x_ptr + rows * row_stride + cols * col_stride, mask=(rows < 50) & (cols < 300),
#            other=-inf)                             masked lanes read -inf: exp(-inf) = 0, max ignores it
#   m = max(x, axis=1); e = exp(x - m); s = sum(e, axis=1); y = e / s
#   store(out_ptr + ..., y, mask=...)                only the real lanes are written
# Memory traffic: each element of x read once, each of y written once.
useful = n_rows * n_cols / (grid * block_rows * block_n)
print(f"  lanes doing useful work: {useful:.0%} (the rest are masked: padding to 512 columns and 56 rows)")

# ---------------------------------------------------------------------------
# 2. Forward: run the kernel and compare with torch.
print("2. forward against torch.softmax")
x = torch.randn(n_rows, n_cols, device=device) * 3
start = time.perf_counter()
with count_launches() as launches:
    y = kernels.softmax(x, dim=1)
elapsed = time.perf_counter() - start
print(f"  {launches.total} launch of {dict(launches.by_kernel)}, {elapsed:.2f} s "
      f"({'GPU' if device == 'cuda' else 'the interpreter runs the 7 programs one after another in Python'})")
check("max |triton - torch| (float32)", (y - torch.softmax(x, dim=1)).abs().max().item(), 0.0, 1e-6)
check("every row sums to 1: max |sum - 1|", (y.sum(dim=1) - 1).abs().max().item(), 0.0, 1e-5)

# ---------------------------------------------------------------------------
# 3. Backward: the VJP kernel against torch's autograd.
#    For g = dL/dy, dL/dx_j = sum_i g_i dy_i/dx_j = y_j (g_j - sum_i g_i y_i).
#    It needs only y (saved by the forward), not x: one load of g and y per
#    element, one dot product per row, one store of dx.
print("3. backward (VJP) against torch.autograd")
g = torch.randn(n_rows, n_cols, device=device)
dx = kernels.softmax_backward(g, y, dim=1)
x_ref = x.detach().clone().requires_grad_(True)
(reference,) = torch.autograd.grad(torch.softmax(x_ref, dim=1), x_ref, g)
check("max |triton VJP - torch VJP|", (dx - reference).abs().max().item(), 0.0, 1e-6)
# The gradient of a softmax row sums to 0 (softmax's outputs always sum to 1).
check("rows of dx sum to 0: max |sum|", dx.sum(dim=1).abs().max().item(), 0.0, 1e-5)

# ---------------------------------------------------------------------------
# 4. The online path: rows too long for one block (a 128K vocabulary) are
#    read in chunks of BLOCK_N, keeping per row a running maximum m and a
#    running sum s of exp(x - m). When a chunk raises the maximum from m to
#    m', the sum so far is rescaled: s' = s exp(m - m') + sum exp(x_chunk - m').
#    A second pass writes y. Here a block of 64 is forced on rows of 300, so
#    each row takes 5 chunks, and the result must not change.
print("4. the online path (block forced to 64 columns)")
y_online = kernels.softmax(x, dim=1, block=64)
check("max |online - one block|", (y_online - y).abs().max().item(), 0.0, 1e-6)
row = x[0].tolist()
m, s = float("-inf"), 0.0
for start_col in range(0, n_cols, 64):  # the same recurrence, in plain Python, for row 0
    chunk = torch.tensor(row[start_col:start_col + 64], dtype=torch.float64)
    new_m = max(m, chunk.max().item())
    rescale = torch.exp(torch.tensor(m - new_m, dtype=torch.float64)).item()  # exp(m - m')
    s = s * rescale + torch.exp(chunk - new_m).sum().item()
    m = new_m
check("running m + log(s) = logsumexp(row 0)", m + torch.log(torch.tensor(s)).item(),
      torch.logsumexp(x[0].double(), dim=0).item(), 1e-5)
dx_online = kernels.softmax_backward(g, y, dim=1, block=64)
check("max |online VJP - one-block VJP|", (dx_online - dx).abs().max().item(), 0.0, 1e-6)

# log_softmax shares the kernel (LOG=True): y_j = x_j - m - log(s).
check("log_softmax: max |triton - torch|",
      (kernels.log_softmax(x, dim=1) - torch.log_softmax(x, dim=1)).abs().max().item(), 0.0, 1e-5)


# ---------------------------------------------------------------------------
# 5. What a GPU would make of these kernels: `python -m triton_kernels.inspect`
#    compiles each shipped (kernel, dtype, config) build for sm_80 and sm_90
#    without a GPU (Triton's compiler, then the cuobjdump shipped with it)
#    and prints one row per build and architecture. --sample keeps the first
#    build of each kernel; --families picks the modules; --json for programs.
print("5. the inspect table (compiling for sm_80 and sm_90, about 15 s)")
# Run without TRITON_INTERPRET: the interpreter compiles nothing.
environment = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
result = subprocess.run(
    [sys.executable, "-m", "triton_kernels.inspect", "--families", "softmax,matmul", "--sample", "--json"],
    capture_output=True, text=True, env=environment, timeout=300, check=True,
)
rows = json.loads(result.stdout)
header = ("kernel", "arch", "dtype", "config", "regs", "spill", "shared", "tensor core")
print("  {:34s} {:6s} {:5s} {:40s} {:>5s} {:>5s} {:>7s}  {}".format(*header))
for row in rows:
    if row["kernel"] in ("softmax._softmax_forward_kernel", "softmax._softmax_backward_kernel") or \
            row["kernel"].startswith("matmul."):
        print(f"  {row['kernel']:34s} {row['arch']:6s} {row['dtype']:5s} {row['config']:40s} "
              f"{row['registers']:5d} {row['spill_bytes']:5d} {row['shared_bytes']:7d}  {row['tensor_core']}")
# How to read it:
# - registers: per thread. An SM has 65 536 32-bit registers, so a kernel
#   using r registers fits at most 65536 / r threads per SM: more registers,
#   fewer warps in flight to hide memory latency. 255 is the ceiling.
# - spill_bytes: what did not fit in registers and went to local memory
#   (slow, off-chip). The shipped builds must have none.
# - shared_bytes: on-chip memory per program. The softmax keeps its rows in
#   registers and uses only a few bytes (for the reductions across warps);
#   the matmul stages tiles of A and B there, several k-steps ahead
#   (software pipelining, `s3` = 3 stages).
# - tensor_core: the matrix instruction in the PTX: `mma` (Ampere's warp-level
#   MMA) or `wgmma` (Hopper's warpgroup MMA); `none` for plain FMA code. The
#   fp64 matmul shows `mma` too: A100 and H100 have fp64 tensor-core MMA.
assert all(row["spill_bytes"] == 0 for row in rows), "no shipped build spills"
for row in rows:
    if row["kernel"].startswith("softmax."):
        assert row["tensor_core"] == "none", "a softmax has no matrix product"
    if row["kernel"].startswith("matmul.") and row["dtype"] in ("fp16", "bf16"):
        wanted = "wgmma" if row["arch"] == "sm_90" else "mma"
        assert row["tensor_core"] == wanted, row
        tile_m, tile_n, tile_k = (int(v) for v in re.search(r"(\d+)x(\d+)x(\d+)", row["config"]).groups())
        stages = int(re.search(r"\bs(\d+)", row["config"]).group(1))
        tiles = (tile_m * tile_k + tile_k * tile_n) * 2  # an A tile and a B tile, 2 bytes per element
        print(f"  {row['dtype']} matmul on {row['arch']}: {row['shared_bytes']} bytes of shared memory = "
              f"{row['shared_bytes'] // tiles} x {tiles} (a {tile_m}x{tile_k} A tile + "
              f"a {tile_k}x{tile_n} B tile); the config asks for {stages} stages")
        if row["arch"] == "sm_90":
            assert row["shared_bytes"] == stages * tiles, "sm_90 keeps one A and one B tile per stage"
print("  fp16/bf16 matmuls use tensor cores (mma on sm_80, wgmma on sm_90); nothing spills.")


# ---------------------------------------------------------------------------
# 6. The picture: which program handles which elements, on both paths.
def draw_tiles(axes, title, tiles):
    """tiles: (row0, col0, height, width, program, chunk or None)."""
    colours = plt.get_cmap("tab10")
    for row0, col0, height, width, program, chunk in tiles:
        axes.add_patch(Rectangle((col0, row0), width, height, facecolor=colours(program % 10), alpha=0.55,
                                 edgecolor="black", linewidth=0.8))
        text = f"program {program}" if chunk is None else f"chunk {chunk}"
        axes.text(col0 + width / 2, row0 + height / 2, text, ha="center", va="center", fontsize=7)
    axes.add_patch(Rectangle((0, 0), n_cols, n_rows, fill=False, edgecolor="black", linewidth=2.5))
    axes.add_patch(Rectangle((n_cols, 0), 2000, 2000, facecolor="white", alpha=0.6, hatch="//",
                             edgecolor="gray", linewidth=0))
    axes.add_patch(Rectangle((0, n_rows), 2000, 2000, facecolor="white", alpha=0.6, hatch="//",
                             edgecolor="gray", linewidth=0))
    axes.set_title(title)
    axes.set_xlabel("column (element index along dim 1)")
    axes.set_ylabel("row")
    axes.invert_yaxis()


# the tiles drawn must cover the matrix: every row in some program, a whole row in one block
assert grid * block_rows >= n_rows and block_n >= n_cols, (grid, block_rows, block_n)
figure, (left, right) = plt.subplots(1, 2, figsize=(15, 5.5))
draw_tiles(left, f"One-block path: grid of {grid} programs, each {block_rows} rows x {block_n} columns",
           [(p * block_rows, 0, block_rows, block_n, p, None) for p in range(grid)])
left.set_xlim(0, 560)
left.set_ylim(60, 0)
online_rows, chunks = kernels._rows_per_program(64, (n_rows,)), kernels.cdiv(n_cols, 64)
draw_tiles(right, f"Online path (block=64): 1 program of {online_rows} rows, {chunks} chunks, read twice",
           [(0, c * 64, online_rows, 64, c, c) for c in range(chunks)])
right.set_xlim(0, 340)
right.set_ylim(70, 0)
legend = [
    Patch(facecolor="none", edgecolor="black", linewidth=2.5, label=f"the matrix: {n_rows} x {n_cols}"),
    Patch(facecolor="white", edgecolor="gray", hatch="//", label="masked lanes (read as -inf, never stored)"),
]
for axes in (left, right):
    axes.legend(handles=legend, loc="lower right", fontsize=8, framealpha=1)
figure.suptitle("softmax along dim 1 of a 50 x 300 matrix: how the kernel tiles it into blocks")
figure.tight_layout()
save(figure, "12_softmax_tiling.png")
print("One program per block of rows; masks for the edges; the VJP needs only y and g.")

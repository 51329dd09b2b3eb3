"""``tensor.utils.data``: feeding a training loop, as ``torch.utils.data``.

* ``Dataset`` (``__getitem__`` + ``__len__``), ``TensorDataset`` (samples are rows of
  tensors), ``Subset`` and ``random_split``;
* samplers: ``SequentialSampler``, ``RandomSampler`` (a permutation from the library's
  random state, or from a seeded ``Generator``), ``BatchSampler``;
* ``default_collate`` (tensors are stacked, Python numbers become tensors, tuples/lists
  and dicts are collated field by field, strings stay lists) and ``DataLoader``.

Everything runs in the calling process: ``num_workers`` must be 0 (there are no worker
processes, pinned memory or prefetching).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from .. import _ops
from .._dtypes import bool_, float64, int64
from .._tensor import Tensor

__all__ = [
    "BatchSampler", "DataLoader", "Dataset", "Generator", "RandomSampler", "Sampler",
    "SequentialSampler", "Subset", "TensorDataset", "default_collate", "random_split",
]


class Generator:
    """A seedable source of random orders for the samplers and ``random_split`` (torch's
    ``torch.Generator`` in that role): ``Generator().manual_seed(0)`` gives the same
    shuffles every run. Orders come from Python's Mersenne Twister, so they differ from
    torch's for the same seed."""

    def __init__(self, device: str = "cpu") -> None:
        self.device = device
        self._seed = random.randrange(2**63)
        self._random = random.Random(self._seed)

    def manual_seed(self, seed: int) -> Generator:
        """Restart the sequence from ``seed``; returns self."""
        self._seed = int(seed)
        self._random = random.Random(self._seed)
        return self

    def initial_seed(self) -> int:
        """The seed the current sequence started from."""
        return self._seed

    def permutation(self, n: int) -> list[int]:
        """A random order of 0 .. n-1 (advances the generator)."""
        order = list(range(n))
        self._random.shuffle(order)
        return order

    def randint(self, high: int, size: int) -> list[int]:
        """``size`` draws from 0 .. high-1 with replacement (advances the generator)."""
        return [self._random.randrange(high) for _ in range(size)]


def _permutation(n: int, generator: Generator | None) -> list[int]:
    """A random order of 0 .. n-1: from ``generator``, else from the library's random state
    (seeded by ``tensor.manual_seed``)."""
    if generator is not None:
        return generator.permutation(n)
    return _ops.randperm(n).tolist()


# ------------------------------------------------------------------- datasets
class Dataset:
    """A map-style dataset: subclasses define ``__getitem__(index)`` and ``__len__``."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")


class TensorDataset(Dataset):
    """``TensorDataset(*tensors)``: sample i is ``tuple(t[i] for t in tensors)``; every
    tensor has the same first dim."""

    def __init__(self, *tensors: Tensor) -> None:
        assert all(tensors[0].size(0) == t.size(0) for t in tensors), \
            "Size mismatch between tensors"
        self.tensors = tensors

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        return tuple(tensor[index] for tensor in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].size(0)


class Subset(Dataset):
    """``Subset(dataset, indices)``: the samples of ``dataset`` at ``indices``, in order."""

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset, self.indices = dataset, indices

    def __getitem__(self, index: int | list[int]) -> Any:
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


def random_split(dataset: Any, lengths: Sequence[int | float],
                 generator: Generator | None = None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random Subsets of the given ``lengths``
    (counts summing to len(dataset), or fractions summing to 1: each gets floor(f n) and
    the remainder goes one by one to the first subsets, as torch)."""
    size = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = [int(math.floor(size * fraction)) for fraction in lengths]
        for index in range(size - sum(counts)):
            counts[index % len(counts)] += 1
        lengths = counts
    if sum(lengths) != size:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    order = _permutation(size, generator)
    subsets, start = [], 0
    for length in lengths:
        subsets.append(Subset(dataset, order[start:start + length]))
        start += length
    return subsets


# ------------------------------------------------------------------- samplers
class Sampler:
    """Base of the index samplers: iterating gives dataset indices."""

    def __iter__(self) -> Iterator[int]:
        raise NotImplementedError


class SequentialSampler(Sampler):
    """Indices 0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source: Any) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A fresh random permutation of the indices each epoch (or ``num_samples`` draws with
    ``replacement``), from ``generator`` or the library's random state."""

    def __init__(self, data_source: Any, replacement: bool = False,
                 num_samples: int | None = None, generator: Generator | None = None) -> None:
        self.data_source, self.replacement = data_source, replacement
        self._num_samples, self.generator = num_samples, generator
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError("num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        size = len(self.data_source)
        if self.replacement:
            if self.generator is not None:
                return iter(self.generator.randint(size, self.num_samples))
            return iter(_ops.randint(0, size, (self.num_samples,)).tolist())
        order: list[int] = []
        while len(order) < self.num_samples:
            order += _permutation(size, self.generator)
        return iter(order[:self.num_samples])

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size`` (the last one shorter,
    or dropped with ``drop_last``)."""

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError("batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, drop_last

    def __iter__(self) -> Iterator[list[int]]:
        batch: list[int] = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        count = len(self.sampler)
        return count // self.batch_size if self.drop_last else -(-count // self.batch_size)


# ----------------------------------------------------------------- collation
def default_collate(batch: list[Any]) -> Any:
    """A list of samples -> one batch: tensors stacked along a new dim 0; Python floats,
    ints and bools -> float64 / int64 / bool tensors; strings -> the list; mappings ->
    a dict of collated fields; tuples and lists -> a list of collated positions
    (a namedtuple keeps its type)."""
    first = batch[0]
    if isinstance(first, Tensor):
        return _ops.stack(batch, 0)
    if isinstance(first, bool):
        return _ops.tensor(batch, dtype=bool_)
    if isinstance(first, int):
        return _ops.tensor(batch, dtype=int64)
    if isinstance(first, float):
        return _ops.tensor(batch, dtype=float64)
    if isinstance(first, (str, bytes)):
        return batch
    if isinstance(first, Mapping):
        return {key: default_collate([sample[key] for sample in batch]) for key in first}
    if isinstance(first, tuple) and hasattr(first, "_fields"):
        return type(first)(*(default_collate(list(field)) for field in zip(*batch)))
    if isinstance(first, Sequence):
        if any(len(sample) != len(first) for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(list(field)) for field in zip(*batch)]
    raise TypeError("default_collate: batch must contain tensors, numbers, dicts or lists; "
                    f"found {type(first)}")


# ---------------------------------------------------------------- DataLoader
class DataLoader:
    """``DataLoader(dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None,
    num_workers=0, collate_fn=None, drop_last=False, generator=None)``: iterating gives
    batches ``collate_fn([dataset[i] for i in batch_indices])``, in order or (``shuffle``)
    in a new random order each epoch; ``batch_size=None`` gives single samples.

    Only ``num_workers=0`` exists here: batches are built in the calling process.
    """

    def __init__(self, dataset: Any, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Any = None, batch_sampler: Any = None, num_workers: int = 0,
                 collate_fn: Callable[[list], Any] | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn: Any = None,
                 multiprocessing_context: Any = None, generator: Generator | None = None,
                 **kwargs: Any) -> None:
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if num_workers > 0:
            raise NotImplementedError("tensor.utils.data.DataLoader loads in the calling "
                                      "process only: use num_workers=0")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if sampler is None:
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset, self.batch_size, self.drop_last = dataset, batch_size, drop_last
        self.sampler, self.batch_sampler, self.generator = sampler, batch_sampler, generator
        self.num_workers = num_workers
        self.collate_fn = collate_fn if collate_fn is not None else (
            default_collate if batch_sampler is not None else _no_collate)

    def __iter__(self) -> Iterator[Any]:
        if self.batch_sampler is None:
            for index in self.sampler:
                yield self.collate_fn(self.dataset[index])
            return
        for indices in self.batch_sampler:
            yield self.collate_fn([self.dataset[index] for index in indices])

    def __len__(self) -> int:
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)


def _no_collate(sample: Any) -> Any:
    """Without auto-batching samples pass through unchanged."""
    return sample

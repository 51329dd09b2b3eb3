"""tensor.utils.data against torch.utils.data: datasets, Subset, random_split, samplers,
default collation, DataLoader options and errors, and the training loop of PyTorch's
"Optimizing Model Parameters" tutorial run unchanged on synthetic data."""

from collections import namedtuple

import pytest
import torch
import torch.utils.data

import tensor as T
import tensor.utils.data


def test_tensor_dataset_and_sequential_loader_match_torch():
    rows = [[float(i), float(-i)] for i in range(7)]
    batches = []
    for module in (T, torch):
        data = module.utils.data.TensorDataset(module.tensor(rows), module.arange(7))
        assert len(data) == 7
        loader = module.utils.data.DataLoader(data, batch_size=3)
        assert len(loader) == 3
        batches.append([(x.tolist(), y.tolist(), str(y.dtype).split(".")[-1])
                        for x, y in loader])
    assert batches[0] == batches[1]


@pytest.mark.parametrize("drop_last", [False, True])
def test_drop_last_and_lengths_match_torch(drop_last):
    sizes = []
    for module in (T, torch):
        loader = module.utils.data.DataLoader(list(range(10)), batch_size=4, drop_last=drop_last)
        sizes.append((len(loader), [len(batch) for batch in loader]))
    assert sizes[0] == sizes[1]


def test_default_collate_matches_torch_for_numbers_tuples_dicts_and_strings():
    Point = namedtuple("Point", "x y")
    samples = [
        [(1, 2.0, True), (3, 4.0, False)],
        [{"a": 1, "b": [1, 2]}, {"a": 2, "b": [3, 4]}],
        ["x", "y"],
        [Point(1, 2.0), Point(3, 4.0)],
    ]

    def describe(value):
        if isinstance(value, (T.Tensor, torch.Tensor)):
            return ("tensor", value.tolist(), str(value.dtype).split(".")[-1])
        if isinstance(value, dict):
            return {k: describe(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return (type(value).__name__, [describe(v) for v in value])
        return value

    for batch in samples:
        ours = T.utils.data.default_collate(batch)
        theirs = torch.utils.data.default_collate(batch)
        assert describe(ours) == describe(theirs)
    stacked = T.utils.data.default_collate([T.zeros(2), T.ones(2)])
    assert stacked.shape == (2, 2)


def test_shuffle_is_a_permutation_each_epoch_and_seedable():
    def epoch_orders(seed):
        generator = T.Generator().manual_seed(seed)
        loader = T.utils.data.DataLoader(list(range(20)), batch_size=5, shuffle=True,
                                         generator=generator)
        return [[int(i) for batch in loader for i in batch] for _ in range(2)]

    first, second = epoch_orders(3)
    assert sorted(first) == list(range(20)) and first != list(range(20))
    assert first != second
    assert epoch_orders(3) == [first, second]
    T.manual_seed(1)
    unseeded = [int(i) for b in T.utils.data.DataLoader(list(range(9)), 3, shuffle=True) for i in b]
    T.manual_seed(1)
    again = [int(i) for b in T.utils.data.DataLoader(list(range(9)), 3, shuffle=True) for i in b]
    assert unseeded == again and sorted(unseeded) == list(range(9))


def test_random_split_sizes_match_torch_and_subsets_are_disjoint():
    for lengths in ([3, 7], [0.33, 0.33, 0.34], [0.5, 0.5]):
        ours = T.utils.data.random_split(range(10), lengths,
                                         generator=T.Generator().manual_seed(0))
        theirs = torch.utils.data.random_split(range(10), lengths)
        assert [len(s) for s in ours] == [len(s) for s in theirs]
        picked = [x for subset in ours for x in subset]
        assert sorted(picked) == list(range(10))
    subset = T.utils.data.Subset(list("abcdef"), [4, 0])
    assert len(subset) == 2 and subset[0] == "e"


def test_custom_collate_fn_batch_none_and_samplers():
    loader = T.utils.data.DataLoader(list(range(5)), batch_size=2, collate_fn=lambda b: sum(b))
    assert list(loader) == [1, 5, 4]
    assert list(T.utils.data.DataLoader(list(range(3)), batch_size=None)) == [0, 1, 2]
    sampler = T.utils.data.BatchSampler(T.utils.data.SequentialSampler(range(5)), 2, False)
    loader = T.utils.data.DataLoader(list("abcde"), batch_sampler=sampler)
    assert [list(b) for b in loader] == [["a", "b"], ["c", "d"], ["e"]]
    draws = list(T.utils.data.RandomSampler(range(4), replacement=True, num_samples=12,
                                            generator=T.Generator().manual_seed(0)))
    assert len(draws) == 12 and set(draws) <= {0, 1, 2, 3}


class Squares(T.utils.data.Dataset):
    """A map-style dataset written as in the tutorials."""

    def __len__(self):
        return 4

    def __getitem__(self, index):
        return T.tensor([float(index)]), index * index


def test_map_style_dataset_subclass():
    batches = list(T.utils.data.DataLoader(Squares(), batch_size=2))
    assert batches[1][0].tolist() == [[2.0], [3.0]] and batches[1][1].tolist() == [4, 9]


@pytest.mark.parametrize("call", [
    lambda m: m.utils.data.TensorDataset(m.zeros(2), m.zeros(3)),
    lambda m: m.utils.data.random_split(range(10), [3, 3]),
    lambda m: m.utils.data.DataLoader(range(3), shuffle=True, sampler=[0, 1]),
    lambda m: m.utils.data.DataLoader(range(3), batch_size=0),
    lambda m: m.utils.data.DataLoader(range(3), num_workers=-1),
    lambda m: m.utils.data.DataLoader(range(3), batch_size=None, drop_last=True),
], ids=["size-mismatch", "split-sum", "sampler-shuffle", "batch-size", "workers",
        "no-batch-drop-last"])
def test_errors_match_torch(call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)) as ours:
        call(T)
    assert str(ours.value) == str(theirs.value)


def test_worker_processes_are_refused_clearly():
    with pytest.raises(NotImplementedError, match="num_workers=0"):
        T.utils.data.DataLoader(range(3), num_workers=2)


def test_optimizing_model_parameters_tutorial_loop_runs_unchanged():
    torch_module = T  # the tutorial's code below, with ``import tensor as torch``
    nn = torch_module.nn
    DataLoader = torch_module.utils.data.DataLoader  # noqa: N806
    torch_module.manual_seed(0)
    images = torch_module.randn(64, 1, 8, 8)
    labels = (images.mean((1, 2, 3)) > 0).long() + 2 * (images[:, 0, 0, 0] > 0).long()
    training_data = torch_module.utils.data.TensorDataset(images, labels)

    class NeuralNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = nn.Flatten()
            self.linear_relu_stack = nn.Sequential(
                nn.Linear(8 * 8, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 4))

        def forward(self, x):
            x = self.flatten(x)
            return self.linear_relu_stack(x)

    model = NeuralNetwork()
    learning_rate, batch_size, epochs = 1e-1, 16, 25
    train_dataloader = DataLoader(training_data, batch_size=batch_size, shuffle=True)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch_module.optim.SGD(model.parameters(), lr=learning_rate)

    def train_loop(dataloader, model, loss_fn, optimizer):
        size = len(dataloader.dataset)
        model.train()
        for batch, (X, y) in enumerate(dataloader):  # noqa: N806
            pred = model(X)
            loss = loss_fn(pred, y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            if batch % 100 == 0:
                loss, current = loss.item(), batch * batch_size + len(X)
                assert current <= size

    def test_loop(dataloader, model, loss_fn):
        model.eval()
        size, num_batches = len(dataloader.dataset), len(dataloader)
        test_loss, correct = 0, 0
        with torch_module.no_grad():
            for X, y in dataloader:  # noqa: N806
                pred = model(X)
                test_loss += loss_fn(pred, y).item()
                correct += (pred.argmax(1) == y).type(torch_module.float).sum().item()
        return test_loss / num_batches, correct / size

    first_loss, _ = test_loop(train_dataloader, model, loss_fn)
    for _ in range(epochs):
        train_loop(train_dataloader, model, loss_fn, optimizer)
    last_loss, accuracy = test_loop(train_dataloader, model, loss_fn)
    assert last_loss < first_loss * 0.6 and accuracy > 0.7

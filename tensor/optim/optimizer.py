"""``Optimizer``: parameter groups, per-parameter state and state dicts, as torch keeps them.

An optimizer holds ``param_groups`` (a list of dicts: ``"params"`` plus the
hyperparameters, defaults filled in) and ``state`` (a dict from parameter to
its running buffers). Subclasses implement ``_update_group``; ``step`` runs it
for every group under ``no_grad``. ``state_dict`` replaces parameters by their
position (0, 1, ... across groups), the format torch saves, so a state dict
round-trips through :func:`tensor.save` / :func:`tensor.load`.
"""

from __future__ import annotations

import copy
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad, no_grad
from ..nn.modules.module import forget_grads, typename

_HYPERPARAMETER_WORDS = {"lr": "learning rate", "eps": "epsilon value"}


def check_hyperparameters(**values: float) -> None:
    """torch's ValueError for the first negative (or nan) hyperparameter, in the order given
    ("Invalid learning rate: -1", "Invalid momentum value: -0.5", ...)."""
    for name, value in values.items():
        if not 0.0 <= value:  # nan is refused too, as torch's
            raise ValueError(f"Invalid {_HYPERPARAMETER_WORDS.get(name, name + ' value')}: {value}")


class Optimizer:
    """Base class: ``Optimizer(params, defaults)`` with ``params`` an iterable of tensors
    or of dicts (parameter groups, each with its own hyperparameters)."""

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], defaults: dict[str, Any]):
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got {typename(params)}"
            )
        self.defaults = defaults
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        # Validate every group before adding any, so a bad one leaves nothing half-built.
        checked = [self._checked_group(group) for group in param_groups]
        seen: set[int] = set()
        for group in checked:
            ids = {id(p) for p in group["params"]}
            if seen & ids:
                raise ValueError("some parameters appear in more than one parameter group")
            seen |= ids
        self.param_groups.extend(checked)

    def _checked_group(self, param_group: dict[str, Any]) -> dict[str, Any]:
        """A copy of ``param_group`` with its params as a list of leaf tensors and defaults
        filled in; torch's errors for anything else."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {typename(param_group)}")
        group = dict(param_group)
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list instead."
            )
        else:
            params = list(params)
        for param in params:
            if not isinstance(param, Tensor):
                raise TypeError(
                    f"optimizer can only optimize Tensors, but one of the params is "
                    f"{typename(param)}"
                )
            if not param.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        group["params"] = params
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        if len({id(p) for p in params}) != len(params):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, this "
                "will cause an error; see github.com/pytorch/pytorch/issues/40967 for more "
                "information",
                stacklevel=3,
            )
        return group

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Append a group (e.g. layers unfrozen during fine-tuning); unspecified
        hyperparameters take the optimizer's defaults."""
        group = self._checked_group(param_group)
        in_use = {id(p) for g in self.param_groups for p in g["params"]}
        if in_use & {id(p) for p in group["params"]}:
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    # --------------------------------------------------------------- steps
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient: ``grad = None`` (default) or zero it in place."""
        forget_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient. ``closure`` (optional)
        re-evaluates the model and returns the loss; it runs with grad enabled first."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                params = [p for p in group["params"] if p.grad is not None]
                if params:
                    self._update_group(group, params)
        return loss

    def _update_group(self, group: dict[str, Any], params: list[Tensor]) -> None:
        raise NotImplementedError

    # ----------------------------------------------------------- state dict
    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {name: value}}, "param_groups": [{..., "params": [index]}]}``
        with parameters numbered by their position across the groups (torch's layout).
        The state tensors are the optimizer's own (not copies)."""
        index_of: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {key: value for key, value in group.items() if key != "params"}
            for param in group["params"]:
                index_of.setdefault(id(param), len(index_of))
            packed["params"] = [index_of[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {(index_of[id(key)] if isinstance(key, Tensor) else key): value
                 for key, value in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyperparameters and state saved by ``state_dict``; state tensors are
        copied and cast to their parameter's dtype (``step`` counters keep theirs).
        Everything is checked before anything changes."""
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"])
               for g, s in zip(self.param_groups, saved_groups, strict=True)):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size of "
                "optimizer's group"
            )
        param_at = {index: param
                    for saved, group in zip(saved_groups, self.param_groups, strict=True)
                    for index, param in zip(saved["params"], group["params"], strict=True)}
        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for key, value in state_dict["state"].items():
            param = param_at.get(key)
            state[param if param is not None else key] = (
                _cast_state(param, value) if param is not None else copy.deepcopy(value)
            )
        groups = []
        for saved, group in zip(saved_groups, self.param_groups, strict=True):
            restored = copy.deepcopy({k: v for k, v in saved.items() if k != "params"})
            restored["params"] = group["params"]
            groups.append(restored)
        self.state = state
        self.param_groups = groups

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for index, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {index}")
            lines += [f"    {key}: {group[key]}" for key in sorted(group) if key != "params"]
        lines.append(")")
        return "\n".join(lines)


def fused_update(param: Tensor, name: str) -> Callable | None:
    """The backend's fused in-place update ``name`` for ``param`` (e.g. ``sgd_step_``: on cuda
    one kernel per parameter, on cpu a few in-place numpy calls), or None where the backend
    has none: the optimizer then runs its tensor-op formula, which the fused updates follow
    operation for operation (tests/tensor/test_optim_fused.py checks they agree bitwise)."""
    return getattr(param._backend, name, None)


def bump_versions(*tensors: Tensor | None) -> None:
    """Count an in-place update made by a fused kernel, as the in-place tensor ops do."""
    for t in tensors:
        if t is not None:
            t._version_counter[0] += 1


def _cast_state(param: Tensor, value: Any, key: str | None = None) -> Any:
    """A copy of saved state for ``param``: tensors cloned and moved to its device and cast to
    its dtype (not 'step')."""
    if isinstance(value, Tensor):
        value = value.detach().clone()
        return value if key == "step" else value.to(device=param.device, dtype=param.dtype)
    if isinstance(value, dict):
        return {k: _cast_state(param, v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_state(param, v, key) for v in value)
    return value

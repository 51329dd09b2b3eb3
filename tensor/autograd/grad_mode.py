"""Grad modes: thread-local switches for recording the graph, usable as context managers and decorators.

``no_grad`` stops recording, ``enable_grad`` turns it back on inside a
``no_grad`` block, ``set_grad_enabled(mode)`` sets it explicitly and
``inference_mode`` is ``no_grad`` for this engine (tensors made in it are
ordinary tensors that do not require grad). Anomaly detection lives here too,
since it is the same kind of thread-local flag.
"""

from __future__ import annotations

import functools
import inspect
import threading


class _State(threading.local):
    def __init__(self):
        self.grad_enabled = True
        self.anomaly = False
        self.anomaly_check_nan = True


state = _State()


def is_grad_enabled() -> bool:
    """True when operations record the graph for autograd."""
    return state.grad_enabled


class _GradModeContext:
    """Base: a context manager that is also a decorator, like torch's.

    Subclasses define ``_enter_mode()``, the grad mode inside the block.
    """

    def __enter__(self):
        self._previous = state.grad_enabled
        state.grad_enabled = self._enter_mode()
        return None

    def __exit__(self, *exc):
        state.grad_enabled = self._previous
        return False

    def __call__(self, fn):
        if inspect.isgeneratorfunction(fn):
            return self._wrap_generator(fn)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(*self._args()):
                return fn(*args, **kwargs)

        return wrapper

    def _wrap_generator(self, fn):
        """A generator function whose body runs in this mode each time it resumes (as torch's):
        the caller's own mode holds between the values it yields."""

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            generator = fn(*args, **kwargs)
            try:
                with self.clone():
                    response = generator.send(None)
                while True:
                    try:
                        request = yield response
                    except GeneratorExit:
                        with self.clone():
                            generator.close()
                        raise
                    except BaseException as error:
                        with self.clone():
                            response = generator.throw(error)
                    else:
                        with self.clone():
                            response = generator.send(request)
            except StopIteration as stop:
                return stop.value

        return wrapper

    def _args(self) -> tuple:
        return ()

    def clone(self):
        return self.__class__(*self._args())


class no_grad(_GradModeContext):
    """Disable graph recording: results of operations do not require grad."""

    def _enter_mode(self) -> bool:
        return False


class enable_grad(_GradModeContext):
    """Enable graph recording, e.g. inside a ``no_grad`` block."""

    def _enter_mode(self) -> bool:
        return True


class inference_mode(_GradModeContext):
    """Like ``no_grad`` (``inference_mode(False)`` does nothing)."""

    def __init__(self, mode: bool = True):
        self.mode = mode

    def _enter_mode(self) -> bool:
        return state.grad_enabled and not self.mode

    def _args(self) -> tuple:
        return (self.mode,)


class set_grad_enabled(_GradModeContext):
    """Set recording on or off; takes effect at once, and as a context restores on exit."""

    def __init__(self, mode: bool):
        self._previous = state.grad_enabled
        self.mode = bool(mode)
        state.grad_enabled = self.mode

    def _enter_mode(self) -> bool:
        return self.mode

    def __enter__(self):
        state.grad_enabled = self.mode
        return None

    def _args(self) -> tuple:
        return (self.mode,)


def is_anomaly_enabled() -> bool:
    return state.anomaly


def is_anomaly_check_nan_enabled() -> bool:
    return state.anomaly_check_nan


class set_detect_anomaly:
    """Turn anomaly detection on or off (also a context manager restoring the previous state).

    With it on, each backward node remembers the traceback of the forward call
    that made it, and a node whose backward returns NaN raises
    ``RuntimeError: Function 'XBackward0' returned nan values in its 0th output.``
    """

    def __init__(self, mode: bool, check_nan: bool = True):
        self._previous = (state.anomaly, state.anomaly_check_nan)
        state.anomaly = bool(mode)
        state.anomaly_check_nan = check_nan

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        state.anomaly, state.anomaly_check_nan = self._previous
        return False


class detect_anomaly:
    """Context manager (and decorator) enabling anomaly detection inside it."""

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan

    def __enter__(self):
        self._previous = (state.anomaly, state.anomaly_check_nan)
        state.anomaly, state.anomaly_check_nan = True, self.check_nan
        return None

    def __exit__(self, *exc):
        state.anomaly, state.anomaly_check_nan = self._previous
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper

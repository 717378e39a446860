"""Progress messages on long work: short plain-text lines on stderr, behind one switch.

Sampling, backtests, reproductions and large per-series fits report what they are doing, how
far they are and how long it took, as lines such as::

    [odforecast] backtest arima: 9 origins x 1 series, horizon 6
    [odforecast] backtest arima: origin 1/9 (2022-01-31) 0.4 s; 0.4 s elapsed, ~3 s left
    [odforecast] backtest arima: done in 3.5 s

Plain lines (no terminal control codes, no widgets) read the same in a terminal, a log file
and a Jupyter notebook.  They are on unless the ``progress`` option is off
(:func:`odforecast.set_options`, environment variable ``ODFORECAST_PROGRESS=0``) or the
function was called with ``progress=False``.

Work nested in a reporting task stays quiet (a backtest reports per origin, not every fit
inside it), and :func:`silenced` turns everything off in a block (backtest workers use it, so
parallel fits never write over each other).
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from types import TracebackType
from typing import Any

from odforecast.options import progress_enabled

__all__ = ["Progress", "duration", "enabled", "sampler_progressbar", "silenced"]

_PREFIX = "[odforecast]"

# True while a reporting task runs (nested tasks stay quiet) or inside ``silenced()``.  A
# ContextVar rather than a global: each thread of an executor starts from the default, and
# setting it in one thread never leaks into another.
_NESTED: ContextVar[bool] = ContextVar("odforecast_progress_nested", default=False)
_SILENCED: ContextVar[bool] = ContextVar("odforecast_progress_silenced", default=False)


def enabled(progress: bool | None = None) -> bool:
    """Whether progress is shown: the argument, else the global option; never when silenced.

    Examples
    --------
    >>> import odforecast
    >>> with odforecast.set_options(progress=False):
    ...     enabled(), enabled(True)
    (False, True)
    >>> with silenced():
    ...     enabled(True)
    False
    """
    return not _SILENCED.get() and progress_enabled(progress)


@contextlib.contextmanager
def quiet_logger(name: str) -> Iterator[None]:
    """Raise logger ``name`` to WARNING inside the block when progress is off.

    Examples
    --------
    >>> import logging, odforecast
    >>> with odforecast.set_options(progress=False), quiet_logger("pymc"):
    ...     logging.getLogger("pymc").level == logging.WARNING
    True
    """
    import logging

    logger = logging.getLogger(name)
    previous = logger.level
    if not enabled(None):
        logger.setLevel(max(previous, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(previous)


@contextlib.contextmanager
def silenced() -> Iterator[None]:
    """No progress output of any kind (messages or sampler bars) inside the block.

    Examples
    --------
    >>> with silenced():
    ...     with Progress("quiet work") as report:
    ...         report.note("not shown")
    >>> report.shown
    False
    """
    token = _SILENCED.set(True)
    try:
        yield
    finally:
        _SILENCED.reset(token)


def duration(seconds: float) -> str:
    """A short human duration.

    Examples
    --------
    >>> duration(0.432), duration(12.3), duration(185), duration(7260)
    ('0.4 s', '12 s', '3 min 05 s', '2 h 01 min')
    """
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class Progress:
    """Report the start, the steps and the end of one long task on stderr.

    Use it as a context manager; messages are printed only if progress is enabled and no
    other task is already reporting (nested work stays quiet).

    Parameters
    ----------
    task : str
        Short name put before every message, e.g. ``"backtest arima"``.
    total : int, optional
        Number of steps, shown as ``3/9`` with an estimate of the time left.
    progress : bool or None, default None
        Show messages; None follows the global option (:func:`odforecast.set_options`).
    delay : float, default 0
        Seconds of work before anything is printed: quick work stays silent.  Messages held
        back are printed (the start first) once the delay has passed.
    min_interval : float, default 1.0
        Least seconds between two step lines; the first and the last step always print.

    Attributes
    ----------
    enabled : bool
        Whether this task reports (the option is on and it is not nested).
    shown : bool
        Whether anything has been printed.

    Examples
    --------
    >>> import contextlib, io
    >>> buffer = io.StringIO()
    >>> with contextlib.redirect_stderr(buffer):
    ...     with Progress("demo", total=2, progress=True) as report:
    ...         report.start("two steps")
    ...         report.step("first")
    ...         report.step("second")
    >>> print(buffer.getvalue().strip())  # doctest: +ELLIPSIS
    [odforecast] demo: two steps
    [odforecast] demo: first (1/2); ... elapsed, ~... left
    [odforecast] demo: second (2/2); ... elapsed
    [odforecast] demo: done in ...
    """

    def __init__(self, task: str, *, total: int | None = None, progress: bool | None = None,
                 delay: float = 0.0, min_interval: float = 1.0) -> None:
        self.task = task
        self.total = total
        self.delay = delay
        self.min_interval = min_interval
        self.enabled = enabled(progress)
        self.shown = False
        self.done = 0
        self._held: list[str] = []
        self._started = time.perf_counter()
        self._last_line = -float("inf")
        self._token: Any = None
        self._finished = False

    # -- context management ------------------------------------------------------------------
    def __enter__(self) -> Progress:
        if _NESTED.get():
            self.enabled = False
        self._token = _NESTED.set(True)
        self._started = time.perf_counter()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        _NESTED.reset(self._token)
        if self._finished:
            return
        if exc_type is None:
            self.finish()
        elif self.shown:  # say where it stopped; the exception itself is reported elsewhere
            self._print(f"stopped after {self.elapsed_text}")

    # -- reporting ---------------------------------------------------------------------------
    @property
    def elapsed(self) -> float:
        """Seconds since the task started."""
        return time.perf_counter() - self._started

    @property
    def elapsed_text(self) -> str:
        """:attr:`elapsed` as text (see :func:`duration`)."""
        return duration(self.elapsed)

    def start(self, message: str) -> None:
        """Describe the work about to be done (held back until ``delay`` has passed)."""
        self._emit(message)

    def note(self, message: str) -> None:
        """Print a message now (held back until ``delay`` has passed)."""
        self._emit(message)

    def step(self, message: str = "") -> None:
        """One step done: counted, with the elapsed time and, with a total, the time left."""
        self.done += 1
        if not self.enabled:
            return
        last = self.total is not None and self.done >= self.total
        now = self.elapsed
        if not (self.done == 1 or last or now - self._last_line >= self.min_interval):
            return
        count = f"{self.done}/{self.total}" if self.total else f"{self.done}"
        text = f"{message} ({count})" if message else f"step {count}"
        text += f"; {duration(now)} elapsed"
        if self.total and not last:
            left = now / self.done * (self.total - self.done)
            text += f", ~{duration(left)} left"
        self._emit(text)

    def finish(self, message: str = "") -> None:
        """The task is over: ``done in <time>`` and an optional summary."""
        self._finished = True
        if self.enabled and (self.shown or self.elapsed >= self.delay):
            self._held.clear()  # quick work past its delay only reports the end
            self._print(f"done in {self.elapsed_text}" + (f"; {message}" if message else ""))

    def _emit(self, message: str) -> None:
        if not self.enabled:
            return
        if not self.shown and self.elapsed < self.delay:
            self._held.append(message)
            return
        for held in self._held:
            self._print(held)
        self._held.clear()
        self._print(message)

    def _print(self, message: str) -> None:
        # sys.stderr is looked up at each call so redirection (pytest, Jupyter) is honoured
        print(f"{_PREFIX} {self.task}: {message}", file=sys.stderr, flush=True)
        self.shown = True
        self._last_line = self.elapsed


def sampler_progressbar(sampler_config: Mapping[str, Any]) -> bool | str:
    """The sampler's own live progress bar: on or off.

    ``sampler_config["progressbar"]`` True, False (or another value PyMC accepts) is used as
    given.  ``"auto"`` (the default)
    shows the bar only where it renders well and progress is enabled: in a terminal, or in
    Jupyter when ipywidgets is installed (every sampler's notebook bar needs it; odforecast
    does not require it).  The fit's start and end messages are printed either way.

    Examples
    --------
    >>> sampler_progressbar({"progressbar": False, "nuts_sampler": "nutpie", "method": "nuts"})
    False
    """
    setting = sampler_config.get("progressbar", "auto")
    if setting != "auto":
        return setting
    if not enabled(None):
        return False
    if _in_jupyter():
        # every sampler's live bar in Jupyter goes through ipywidgets (nutpie's via rich,
        # which otherwise warns on every fit); the start/end lines are printed either way
        import importlib.util

        return importlib.util.find_spec("ipywidgets") is not None
    stream = sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)())


def _in_jupyter() -> bool:
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    get = getattr(shell, "get_ipython", None)
    instance = get() if get is not None else None
    return type(instance).__name__ == "ZMQInteractiveShell"

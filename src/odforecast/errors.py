"""Exceptions and warnings raised by odforecast.

Every error says *what* went wrong, *where* (file, row, column, parameter or series) and *what to
do about it*.  Catch :class:`OdforecastError` to handle all of them.
"""

from __future__ import annotations

from os import PathLike

__all__ = [
    "DataError",
    "FetchError",
    "FitError",
    "OdforecastError",
    "OdforecastWarning",
    "ParameterError",
    "ScenarioError",
]


class OdforecastError(Exception):
    """Base class of every error odforecast raises on purpose.

    Catch it to handle any of :class:`DataError`, :class:`FetchError`, :class:`FitError` and
    :class:`ScenarioError`; the message says what went wrong, where, and what to do about it.

    Examples
    --------
    >>> from odforecast.errors import DataError, OdforecastError
    >>> try:
    ...     raise DataError("expected a non-negative count", column="Deaths")
    ... except OdforecastError as err:
    ...     print(f"{type(err).__name__}: {err}")
    DataError: column 'Deaths': expected a non-negative count
    """


class DataError(OdforecastError, ValueError):
    """Input data that cannot be read or does not satisfy the tidy schema.

    Parameters
    ----------
    message
        What was wrong and what was expected.
    path
        File being read, if any.
    row
        1-based line number in the file (the header is line 1), or the 0-based row position in a
        frame when there is no file.
    column
        Column (or field) name.
    hint
        What the user can do about it.

    Examples
    --------
    >>> err = DataError("expected a non-negative integer, got '-3'", path="x.csv", row=7,
    ...                 column="Deaths")
    >>> print(err)
    x.csv, row 7, column 'Deaths': expected a non-negative integer, got '-3'
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | PathLike[str] | None = None,
        row: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.reason = message
        self.path = None if path is None else str(path)
        self.row = row
        self.column = column
        self.hint = hint
        where = []
        if self.path is not None:
            where.append(self.path)
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        text = f"{', '.join(where)}: {message}" if where else message
        if hint:
            text += f" ({hint})"
        super().__init__(text)


class ParameterError(DataError):
    """An argument outside its allowed values: a model's constructor parameter, or an argument
    of a method such as ``forecast(horizon=...)``.

    Raised when the model is constructed or at the start of ``fit``/``forecast``, before any
    work is done.  A subclass of :class:`DataError` (hence of :class:`OdforecastError` and
    ``ValueError``) so that code written to catch the ``DataError`` earlier versions raised for
    bad arguments keeps working; ``column`` holds the parameter's name for the same reason.

    Parameters
    ----------
    message
        What was wrong and what is allowed.
    parameter
        Name of the parameter (for an entry of a configuration dict, the entry's name).
    hint
        What the user can do about it.

    Examples
    --------
    >>> err = ParameterError("must be a positive whole number of periods; got 0",
    ...                      parameter="horizon")
    >>> print(err)
    horizon must be a positive whole number of periods; got 0
    >>> print(ParameterError("unknown option 'drawz'", parameter="sampler_config"))
    parameter 'sampler_config': unknown option 'drawz'
    >>> err.parameter, isinstance(err, ValueError)
    ('horizon', True)
    """

    def __init__(self, message: str, *, parameter: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.parameter = parameter
        self.column = parameter
        # a predicate ("must be ...") reads after the name: "horizon must be ..."
        text = (f"{parameter} {message}" if message.startswith("must ")
                else f"parameter {parameter!r}: {message}")
        self.args = (text + (f" ({hint})" if hint else ""),)


class FetchError(OdforecastError, OSError):
    """A download failed and no usable cached copy exists.

    Raised by :func:`odforecast.fetch_vsrr`; the bundled datasets
    (:func:`odforecast.load_dataset`) always work offline.  It is also an :class:`OSError`.

    Examples
    --------
    >>> import odforecast
    >>> issubclass(odforecast.FetchError, OSError)
    True
    >>> raise odforecast.FetchError("no network, and no cached VSRR release")
    Traceback (most recent call last):
    ...
    odforecast.errors.FetchError: no network, and no cached VSRR release
    """


class FitError(OdforecastError, RuntimeError):
    """A model could not be fitted or was used before fitting.

    Examples
    --------
    >>> import odforecast
    >>> odforecast.ARIMA().forecast(12)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    odforecast.errors.FitError: ARIMA is not fitted: call .fit(data) first and forecast ...
    """


class ScenarioError(OdforecastError, ValueError):
    """A scenario specification is invalid.

    The message names the scenario, the parameter and its allowed range.

    Examples
    --------
    >>> from odforecast.scenarios import Interdiction
    >>> Interdiction("cut", effect=1.2, onset="2026-01-01")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    odforecast.errors.ScenarioError: Interdiction 'cut': parameter 'effect' must be in (-3, 1); ...
    """


class OdforecastWarning(UserWarning):
    """Warnings odforecast emits (stale cache, untrustworthy fit, ...).

    A Bayesian fit that did not converge, for example, warns with this category and records
    the problem in every forecast's ``metadata["warnings"]``.  Filter it like any warning.

    Examples
    --------
    >>> import warnings
    >>> import odforecast
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always", odforecast.OdforecastWarning)
    ...     warnings.warn("R-hat 1.05 > 1.01", odforecast.OdforecastWarning)
    >>> caught[0].category.__name__
    'OdforecastWarning'
    """

"""The state-space model behind :class:`~odforecast.models.structural.StructuralTrend`.

Kept apart so that ``import odforecast`` does not load statsmodels: the structural model
imports this module when it fits a series.

State at period ``t`` (``k`` = the window, 12 for 12-month-ending counts, 1 otherwise)::

    [level_t, slope_t, x_t, x_{t-1}, ..., x_{t-k+1}]

    level_t = level_{t-1} + slope_{t-1} + eta_t              eta ~ N(0, (s_t * sigma_level)^2)
    slope_t = phi * slope_{t-1} + zeta_t                     zeta ~ N(0, (s_t * sigma_slope)^2)
    x_t     = level_t + eps_t                                eps ~ N(0, (s_t * sigma_month)^2)
    y_t     = x_t + x_{t-1} + ... + x_{t-k+1}                (exact: no observation noise)

``slope``: ``"none"`` (the slope is 0: a local level; parameters ``sigma_level`` and
``sigma_month``), ``"damped"`` (``phi`` estimated in ``[min_damping, 1]``) or ``"persistent"``
(``phi = 1``: a local linear trend).

``x_t`` is the count of the period (a month of deaths), ``y_t`` what is published (the
12-month-ending sum).  ``s_t`` scales every disturbance with the level of the series, the
previous published value per period to the power ``level_power`` (0.5: variances proportional
to the level, as for counts).  The series is divided by its latest level before fitting, so the
three standard deviations are fractions of it.  The filter starts ``k - 1`` periods before the
first observation, with level and slope diffuse (exact diffuse initialisation) and the months
before those periods at zero with no variance: they never enter an observation.
"""

from __future__ import annotations

import numpy as np
from statsmodels.tsa.statespace.initialization import Initialization
from statsmodels.tsa.statespace.mlemodel import MLEModel

__all__ = ["WindowedTrend", "standard_deviations", "transition_matrix"]


class WindowedTrend(MLEModel):
    """Damped local linear trend per period, observed through ``window``-period sums.

    Parameters
    ----------
    endog
        The scaled observations, with ``window - 1`` leading NaN (the filter's run-in) and NaN
        where a value is withheld or censored.
    disturbance_scale
        ``s_t`` for every period (same length as ``endog``).
    window
        Periods summed by one observation.
    slope
        ``"none"``, ``"damped"`` or ``"persistent"`` (module docstring).
    min_damping
        Lower bound of ``phi`` with ``slope="damped"`` (its upper bound is 1).
    """

    def __init__(self, endog: np.ndarray, disturbance_scale: np.ndarray, window: int,
                 slope: str = "none", min_damping: float = 0.0) -> None:
        k_states = 2 + window
        super().__init__(endog, k_states=k_states, k_posdef=3)
        init = Initialization(k_states)
        init.set((0, 1), "diffuse")
        if slope == "none":  # no slope at all, not an unknown one
            init.set((1, 2), "known", constant=np.zeros(1), stationary_cov=np.zeros((1, 1)))
        else:
            init.set((1, 2), "diffuse")
        init.set((2, k_states), "known", constant=np.zeros(window),
                 stationary_cov=np.zeros((window, window)))
        self.ssm.initialization = init
        self.window = window
        self.slope = slope
        self.min_damping = min_damping
        self.disturbance_scale = np.asarray(disturbance_scale, dtype=float)
        design = np.zeros((1, k_states))
        design[0, 2:] = 1.0
        self["design"] = design
        self["obs_cov"] = np.zeros((1, 1))
        self["transition"] = transition_matrix(window, 1.0)
        selection = np.zeros((k_states, 3))
        selection[0, 0] = selection[1, 1] = selection[2, 0] = selection[2, 2] = 1.0
        self["selection"] = selection

    @property
    def param_names(self) -> list[str]:
        return {"none": ["sigma_level", "sigma_month"],
                "persistent": ["sigma_level", "sigma_slope", "sigma_month"],
                "damped": ["sigma_level", "sigma_slope", "sigma_month", "phi"]}[self.slope]

    @property
    def start_params(self) -> np.ndarray:
        return {"none": np.array([0.03, 0.02]),
                "persistent": np.array([0.03, 0.002, 0.02]),
                "damped": np.array([0.03, 0.002, 0.02,
                                    0.5 * (1.0 + self.min_damping)])}[self.slope]

    def transform_params(self, unconstrained: np.ndarray) -> np.ndarray:
        params = np.array(unconstrained, dtype=float)
        params[:3] = unconstrained[:3] ** 2  # standard deviations (the first 2 or 3 entries)
        if self.slope == "damped":
            params[3] = self.min_damping + (1.0 - self.min_damping) / (
                1.0 + np.exp(-unconstrained[3]))
        return params

    def untransform_params(self, constrained: np.ndarray) -> np.ndarray:
        unconstrained = np.array(constrained, dtype=float)
        unconstrained[:3] = np.sqrt(constrained[:3])
        if self.slope == "damped":
            share = (constrained[3] - self.min_damping) / max(1.0 - self.min_damping, 1e-12)
            share = float(np.clip(share, 1e-6, 1.0 - 1e-6))
            unconstrained[3] = np.log(share / (1.0 - share))
        return unconstrained

    def update(self, params, **kwargs):
        params = super().update(params, **kwargs)
        sds, phi = standard_deviations(self.slope, params)
        self["state_cov"] = (np.diag(sds**2)[:, :, None]
                             * self.disturbance_scale[None, None, :] ** 2)
        self["transition", 1, 1] = phi
        return params


def standard_deviations(slope: str, params: np.ndarray) -> tuple[np.ndarray, float]:
    """The level, slope and month standard deviations and ``phi`` from the parameters.

    Examples
    --------
    >>> sds, phi = standard_deviations("none", np.array([0.03, 0.02]))
    >>> sds.tolist(), phi
    ([0.03, 0.0, 0.02], 0.0)
    """
    params = np.asarray(params, dtype=float)
    if slope == "none":
        return np.array([params[0], 0.0, params[1]]), 0.0
    return params[:3].copy(), float(params[3]) if slope == "damped" else 1.0


def transition_matrix(window: int, phi: float) -> np.ndarray:
    """The transition matrix of :class:`WindowedTrend`.

    Examples
    --------
    >>> transition_matrix(2, 0.9)
    array([[1. , 1. , 0. , 0. ],
           [0. , 0.9, 0. , 0. ],
           [1. , 1. , 0. , 0. ],
           [0. , 0. , 1. , 0. ]])
    """
    k_states = 2 + window
    matrix = np.zeros((k_states, k_states))
    matrix[0, 0] = matrix[0, 1] = 1.0
    matrix[1, 1] = phi
    matrix[2, 0] = matrix[2, 1] = 1.0  # this period's count is the new level plus noise
    for lag in range(3, k_states):
        matrix[lag, lag - 1] = 1.0
    return matrix

"""Parameter uncertainty for ARIMA sample paths: draws from the sampling distribution of the MLE.

A forecast that plugs in the estimated parameters ignores that they were estimated; over a
decade the error of an estimated drift alone grows linearly with the horizon and dominates the
interval (on US annual opioid deaths the plug-in ARIMA's 80 % intervals covered 37 % of the
outcomes 1-10 years ahead).  Each block of sample paths therefore uses its own parameter vector:

- the innovation variance from its small-sample distribution, ``sigma2 = SSR / chi2(nu)`` with
  ``SSR = n_eff * sigma2_hat`` and ``nu = n_eff - k`` degrees of freedom (``k`` mean parameters):
  the MLE divides by ``n_eff`` and is biased low, which matters with 10-20 yearly values;
- the other parameters (AR, MA, constant, regressors) from the asymptotic normal of the MLE,
  ``N(theta_hat, Sigma_hat * sigma2 / sigma2_hat)``, with ``Sigma_hat`` the inverse observed
  information of the concentrated likelihood (a central-difference Hessian of the compiled
  likelihood of :mod:`odforecast.models.arma_likelihood` for differenced models of complete
  series without regressors, the same standard errors as statsmodels' to about 1e-4 in under
  half the time; statsmodels' numerical Hessian, ``cov_type="approx"``, otherwise), scaled by
  the drawn variance because the covariance of the mean parameters of a Gaussian model is
  proportional to it.

For a random walk with drift, the model selected on most short annual series, this is the exact
posterior under the usual flat prior (the drift is then Student-t); for other orders it is the
standard large-sample approximation.  A parametric bootstrap (simulate, refit, forecast) would
also capture non-normality of the estimates but needs a refit per draw, a hundred times the cost,
and refits of 10-20 values are themselves unstable.  Draws that leave the stationary or
invertible region are redrawn (the search rejects such models too).
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["MIN_ROOT", "ParameterDraws", "min_root", "min_roots", "sampling_distribution"]


#: Candidates with an AR or MA root of modulus below this are rejected, as R's ``auto.arima``
#: does (by the ARIMA search and by the parameter draws).  At the edge of the stationary region
#: the likelihood of a level series can spike (on Utah, all drugs, to January 2024, an AR(3)
#: without mean with roots at 1 and -1 "beat" the models with a mean by 26 AICc units) and its
#: simulated paths overflow.  Near-unit MA roots are rejected too, which on a few
#: 12-month-ending series selects a simpler model than the unguarded search did (Vermont to
#: February 2025: (2, 1, 2) instead of (3, 1, 3), whose MA root had modulus 1.0007).
MIN_ROOT = 1.01


def min_root(names: list[str], params: np.ndarray) -> float:
    """Smallest modulus of the roots of the (seasonal x non-seasonal) AR and MA polynomials.

    Examples
    --------
    >>> min_root(["ar.L1", "ma.L1", "sigma2"], np.array([0.5, -0.8, 1.0]))
    1.25
    """
    return float(min_roots(names, np.asarray(params, dtype=float)[None, :])[0])


def min_roots(names: list[str], params: np.ndarray) -> np.ndarray:
    """:func:`min_root` of each row of ``params`` (shape ``(n, len(names))``), at once.

    The roots of ``1 + a_1 x + ... + a_k x^k`` are the reciprocals of the eigenvalues of the
    companion matrix of ``x^k + a_1 x^(k-1) + ... + a_k``, which is monic whatever the
    coefficients, so the rows go through one batched eigenvalue call (``np.roots`` per row
    was most of the time of a parameter draw).

    Examples
    --------
    >>> rows = np.array([[0.5, -0.8, 1.0], [0.0, 0.0, 1.0]])
    >>> min_roots(["ar.L1", "ma.L1", "sigma2"], rows).tolist()
    [1.25, inf]
    """
    params = np.atleast_2d(np.asarray(params, dtype=float))
    smallest = np.full(len(params), np.inf)
    for kind, sign in (("ar", -1.0), ("ma", 1.0)):
        poly = np.ones((len(params), 1))
        for prefix in (f"{kind}.L", f"{kind}.S.L"):  # seasonal names carry the full lag
            coefs = {int(n[len(prefix):]): i for i, n in enumerate(names)
                     if n.startswith(prefix)}
            if coefs:
                factor = np.zeros((len(params), max(coefs) + 1))
                factor[:, 0] = 1.0
                for lag, column in coefs.items():
                    factor[:, lag] = sign * params[:, column]
                poly = _polymul(poly, factor)  # coefficients by increasing lag
        degree = poly.shape[1] - 1
        if degree == 0:
            continue
        companion = np.zeros((len(params), degree, degree))
        companion[:, 0, :] = -poly[:, 1:]
        companion[:, np.arange(1, degree), np.arange(degree - 1)] = 1.0
        largest = np.abs(np.linalg.eigvals(companion)).max(axis=1)
        with np.errstate(divide="ignore"):
            smallest = np.minimum(smallest, 1.0 / largest)  # 1 / 0: no finite root
    return smallest


def _polymul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise product of polynomials given by increasing powers."""
    out = np.zeros((len(a), a.shape[1] + b.shape[1] - 1))
    for j in np.flatnonzero(np.any(b != 0, axis=0)):
        out[:, j:j + a.shape[1]] += a * b[:, j:j + 1]
    return out


class ParameterDraws:
    """Sampling distribution of an ARIMA fit's parameters (see the module docstring).

    Parameters
    ----------
    names
        Parameter names of the plain SARIMAX, ``sigma2`` last.
    params
        The MLE, in the same order.
    cov
        Covariance of the MLE of every parameter but ``sigma2`` (None: they are held fixed).
    n_eff
        Observations that entered the likelihood (after differencing).

    Examples
    --------
    A random walk with drift fitted to 15 yearly changes: the drawn drifts spread like a
    Student-t around the estimate, and the variances are centred above the (biased) MLE.

    >>> import numpy as np
    >>> draws = ParameterDraws(["drift", "sigma2"], np.array([0.08, 0.004]),
    ...                        np.array([[0.004 / 15]]), n_eff=15)
    >>> sample = draws.sample(4000, np.random.default_rng(1))
    >>> sample.shape
    (4000, 2)
    >>> bool(abs(sample[:, 0].mean() - 0.08) < 0.002), bool(sample[:, 1].mean() > 0.004)
    (True, True)
    """

    def __init__(self, names: list[str], params: np.ndarray, cov: np.ndarray | None,
                 n_eff: int) -> None:
        self.names = list(names)
        self.params = np.asarray(params, dtype=float)
        self.cov = None if cov is None else _psd(np.asarray(cov, dtype=float))
        self.n_eff = int(n_eff)
        self.dof = max(self.n_eff - (len(self.params) - 1), 1)

    @property
    def includes_mean_parameters(self) -> bool:
        """Whether the non-variance parameters are drawn (False: only the variance is)."""
        return self.cov is not None and len(self.params) > 1

    def sample(self, n: int, rng: np.random.Generator, *, max_tries: int = 100) -> np.ndarray:
        """``n`` parameter vectors, shape ``(n, len(params))``, reproducible from ``rng``."""
        sigma2_hat = self.params[-1]
        scale = self.n_eff / rng.chisquare(self.dof, size=n)  # sigma2 / sigma2_hat
        out = np.tile(self.params, (n, 1))
        out[:, -1] = sigma2_hat * scale
        if not self.includes_mean_parameters:
            return out
        mean, names = self.params[:-1], self.names[:-1]
        values, vectors = np.linalg.eigh(self.cov)
        root = vectors * np.sqrt(np.clip(values, 0, None))  # root @ root.T == cov
        # every block's first try at once; the few rejected ones are redrawn one by one
        thetas = mean + np.sqrt(scale)[:, None] * (rng.standard_normal((n, len(mean))) @ root.T)
        accepted = min_roots(names, thetas) >= MIN_ROOT
        out[accepted, :-1] = thetas[accepted]
        for i in np.flatnonzero(~accepted):
            for _ in range(max_tries - 1):
                theta = mean + np.sqrt(scale[i]) * (root @ rng.standard_normal(len(mean)))
                if min_root(names, theta) >= MIN_ROOT:
                    out[i, :-1] = theta
                    break
            # after max_tries rejections (an estimate at the edge of the admissible region)
            # the block keeps the MLE of the mean parameters
        return out


def sampling_distribution(z: np.ndarray, exog: np.ndarray | None, spec: tuple,
                    params: np.ndarray) -> ParameterDraws:
    """The sampling distribution of the MLE ``params`` (plain SARIMAX order, sigma2 last) of
    the model ``spec = (order, seasonal_order, trend)`` fitted to ``z``.

    Examples
    --------
    A random walk with drift on log US opioid deaths 1999-2007: the MLE of the drift is the
    mean change and its standard error ``sigma / sqrt(n)`` over the ``n = 8`` changes.

    >>> import numpy as np
    >>> z = np.log([8050., 8407, 9496, 11920, 12940, 13756, 14918, 17545, 18516])
    >>> steps = np.diff(z)
    >>> mle = np.array([steps.mean(), steps.var()])
    >>> draws = sampling_distribution(z, None, ((0, 1, 0), (0, 0, 0, 0), "c"), mle)
    >>> draws.names, draws.n_eff
    (['intercept', 'sigma2'], 8)
    >>> bool(np.isclose(np.sqrt(draws.cov[0, 0]), np.sqrt(mle[1] / 8), rtol=0.01))
    True
    """
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    order, seasonal_order, trend = spec
    model = SARIMAX(z, exog=exog, order=order, seasonal_order=seasonal_order, trend=trend,
                    concentrate_scale=True)
    names = [*model.param_names, "sigma2"]
    cov = None
    # The compiled likelihood is used on complete, differenced series without regressors.
    # Without differencing, the selected AR parts sit near a unit root, where the compiled
    # filter's stationary initialisation loses precision: its Hessian's standard errors were
    # more than 5 % off statsmodels' for 26 of 101 such candidates, up to 3.5x (for 0.1 % of
    # 1,935 differenced ones by more than 1 %; benchmarks/forecast_accuracy/README.md).
    differenced = order[1] + seasonal_order[1] >= 1
    if model.k_params and differenced and exog is None and np.all(np.isfinite(z)):
        cov = _compiled_cov(z, spec, params[:-1])
    if cov is not None:
        burn = order[1] + seasonal_order[1] * max(seasonal_order[3], 1)
        n_eff = len(z) - burn
    elif model.k_params:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = model.smooth(params[:-1], cov_type="approx")
            cov = np.asarray(result.cov_params(), dtype=float)
        # values that entered the likelihood: missing ones (NaN) do not
        burn = int(result.loglikelihood_burn)
        n_eff = int(result.nobs_effective) - int(np.isnan(np.asarray(z)[burn:]).sum())
        if not np.all(np.isfinite(cov)):
            cov = None  # numerical Hessian failed: only the variance is drawn
    else:
        burn = order[1] + seasonal_order[1] * max(seasonal_order[3], 1)
        n_eff = int(np.isfinite(np.asarray(z)[burn:]).sum())
    return ParameterDraws(names, params, cov, n_eff)


def _compiled_cov(z: np.ndarray, spec: tuple, theta: np.ndarray) -> np.ndarray | None:
    """Inverse observed information of the mean parameters ``theta`` of a complete series, from
    a central-difference Hessian of the compiled concentrated likelihood (the data differenced
    up front, as the order search fits them: on a complete series the exact likelihood);
    None where a difference step leaves the admissible region or the Hessian is not negative
    definite (statsmodels' own numerical Hessian is used then).

    Examples
    --------
    A random walk with drift: the standard error of the drift is ``sigma / sqrt(n)``.

    >>> z = np.log([8050., 8407, 9496, 11920, 12940, 13756, 14918, 17545, 18516])
    >>> steps = np.diff(z)
    >>> cov = _compiled_cov(z, ((0, 1, 0), (0, 0, 0, 0), "c"), np.array([steps.mean()]))
    >>> bool(np.isclose(np.sqrt(cov[0, 0]), np.sqrt(steps.var() / 8), rtol=1e-3))
    True
    """
    from statsmodels.tools.numdiff import approx_hess3
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    from odforecast.models.arma_likelihood import concentrated_loglike

    order, seasonal_order, trend = spec
    model = SARIMAX(z, order=order, seasonal_order=seasonal_order, trend=trend,
                    concentrate_scale=True, simple_differencing=True)
    theta = np.asarray(theta, dtype=float)
    # statsmodels' four-point central Hessian; steps of ~eps^(1/4) relative: the truncation
    # and rounding errors of a second central difference balance there
    step = 1e-4 * np.maximum(np.abs(theta), 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels warns on every non-stationary update
        hessian = approx_hess3(theta, lambda t: concentrated_loglike(model, t)[0], step)
    if not np.all(np.isfinite(hessian)):
        return None  # a step left the admissible region
    try:
        np.linalg.cholesky(-hessian)
    except np.linalg.LinAlgError:
        return None
    return np.linalg.inv(-hessian)


def _psd(cov: np.ndarray) -> np.ndarray:
    """The nearest symmetric positive semi-definite matrix (clipping negative eigenvalues of a
    numerical Hessian's inverse, which can be slightly indefinite)."""
    sym = (cov + cov.T) / 2
    values, vectors = np.linalg.eigh(sym)
    return (vectors * np.clip(values, 0, None)) @ vectors.T

"""Words for a Bayesian fit: what is being run, whether it converged, and its reprs.

Kept apart from :mod:`odforecast.models.bayes.fit` so the fitting code stays about fitting;
everything here reads a fit's state and returns text (or HTML for notebooks).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from odforecast.models.bayes.fit import BayesFit
    from odforecast.models.series import Series

__all__ = ["convergence_text", "fit_repr", "fit_repr_html", "run_description"]

_MAX_LISTED = 6  # series named in a repr before it switches to a count


def run_description(sampler_config: Mapping[str, Any], n_series: int) -> str:
    """What a fit is about to run, for the start message.

    Examples
    --------
    >>> from odforecast.models.bayes.config import DEFAULT_SAMPLER_CONFIG
    >>> run_description({**DEFAULT_SAMPLER_CONFIG, "nuts_sampler": "nutpie"}, 3)
    'sampling 3 series with NUTS (nutpie): 2 chains x 1,000 draws after 1,000 tuning steps'
    >>> run_description({**DEFAULT_SAMPLER_CONFIG, "method": "advi"}, 1)
    'fitting 1 series by ADVI (approximate): 20,000 iterations, then 2,000 draws'
    """
    c = sampler_config
    if c["method"] == "advi":
        return (f"fitting {n_series:,} series by ADVI (approximate): "
                f"{c['advi_iterations']:,} iterations, then {c['draws'] * c['chains']:,} draws")
    chains = f"{c['chains']} chain" + ("" if c["chains"] == 1 else "s")
    return (f"sampling {n_series:,} series with NUTS ({c['nuts_sampler']}): {chains} x "
            f"{c['draws']:,} draws after {c['tune']:,} tuning steps")


def convergence_text(convergence: Mapping[str, Any]) -> str:
    """One line on convergence: the verdict and the numbers behind it.

    Examples
    --------
    >>> convergence_text({"trustworthy": True, "r_hat_max": 1.0041, "ess_bulk_min": 812.3,
    ...                   "ess_tail_min": 700.0, "divergences": 0, "problems": "none"})
    'converged: max R-hat 1.004, min ESS 812 bulk / 700 tail, 0 divergences'
    >>> convergence_text({"trustworthy": False, "r_hat_max": float("nan"),
    ...                   "problems": "approximate inference (ADVI), no MCMC diagnostics"})
    'NOT trustworthy: approximate inference (ADVI), no MCMC diagnostics'
    """
    if not convergence["trustworthy"]:
        return f"NOT trustworthy: {convergence['problems']}"
    return (f"converged: max R-hat {convergence['r_hat_max']:.3f}, min ESS "
            f"{convergence['ess_bulk_min']:,.0f} bulk / {convergence['ess_tail_min']:,.0f} tail, "
            f"{convergence['divergences']:,} divergences")


def _series_text(series: Sequence[Series]) -> str:
    first = series[0]
    last = max(s.time[-1] for s in series).date().isoformat()
    names = ", ".join(f"{s.location} {s.indicator}" for s in series[:_MAX_LISTED])
    if len(series) > _MAX_LISTED:
        names += f", ... ({len(series) - _MAX_LISTED} more)"
    count = f"{len(series)} series" if len(series) > 1 else "1 series"
    return f"{count} ({names}); {first.frequency}, {first.estimate}, data to {last}"


def _inference_text(fit: BayesFit) -> str:
    c = fit.sampler_config
    text = str(fit.idata.attrs.get("inference", c["method"]))
    if c["method"] == "advi":
        text += f", {c['advi_iterations']:,} iterations, {c['draws'] * c['chains']:,} draws"
    else:
        chains = f"{c['chains']} chain" + ("" if c["chains"] == 1 else "s")
        text += f", {chains} x {c['draws']:,} draws ({c['tune']:,} tuning)"
    return f"{text}, {fit.seconds:.1f} s, seed {fit.seed}"


def fit_repr(fit: BayesFit) -> str:
    """The text repr of a fitted Bayesian model: data, inference, convergence.

    Examples
    --------
    >>> fitted = odforecast.BayesianTrend().fit(data)  # doctest: +SKIP
    >>> fitted  # doctest: +SKIP
    <Fitted bayes (BayesianTrend): 1 series (US opioids); annual, reported, data to 2024-12-31
      inference:   NUTS (nutpie), 2 chains x 1,000 draws (1,000 tuning), 12.3 s, seed 1
      convergence: converged: max R-hat 1.004, min ESS 812 bulk / 700 tail, 0 divergences>
    """
    model = fit.model
    return (f"<Fitted {model.name} ({type(model).__name__}): {_series_text(fit.series)}\n"
            f"  inference:   {_inference_text(fit)}\n"
            f"  convergence: {convergence_text(fit.convergence)}>")


def fit_repr_html(fit: BayesFit) -> str:
    """The notebook repr of a fitted Bayesian model: a small table, the verdict in colour.

    Examples
    --------
    >>> fitted._repr_html_()  # doctest: +SKIP
    '<div class="odforecast-fit">...'
    """
    ok = bool(fit.convergence["trustworthy"])
    colour = "#1a7f37" if ok else "#b42318"
    rows = [("model", f"{fit.model.name} ({type(fit.model).__name__})"),
            ("data", _series_text(fit.series)),
            ("inference", _inference_text(fit))]
    cells = "".join(f"<tr><th style='text-align:left;padding-right:1em'>{html.escape(k)}</th>"
                    f"<td style='text-align:left'>{html.escape(v)}</td></tr>" for k, v in rows)
    verdict = html.escape(convergence_text(fit.convergence))
    cells += (f"<tr><th style='text-align:left;padding-right:1em'>convergence</th>"
              f"<td style='text-align:left;color:{colour};font-weight:bold'>{verdict}</td></tr>")
    return (f"<div class='odforecast-fit'><strong>Fitted Bayesian model</strong>"
            f"<table>{cells}</table></div>")

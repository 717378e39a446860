"""The figure of :func:`odforecast.project`: observed deaths, status-quo fans, scenario totals."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from matplotlib.figure import Figure

__all__ = ["plot_projection"]

_COLOURS = {"mechanistic": "tab:red", "arima": "tab:blue", "bayes": "tab:green",
            "ensemble": "black"}
_LABELS = {"mechanistic": "mechanistic (supply process)", "arima": "ARIMA",
           "bayes": "Bayesian trend", "ensemble": "ensemble (equal mixture)"}


def plot_projection(result: Any) -> Figure:
    """Two panels.  Left: observed annual US opioid deaths and each model's status-quo
    projection (median, 80 % and 95 % bands).  Right: the projected decade total under each
    scenario and model (median with 80 % and 95 % intervals; sums of sample paths).

    Parameters
    ----------
    result : odforecast.outlook.Projection
        What :func:`odforecast.project` returned.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import odforecast
    >>> result = odforecast.project(models=["arima"], scenarios=[], n_samples=200,
    ...                             progress=False)
    >>> fig = plot_projection(result)
    >>> [ax.get_xlabel() for ax in fig.axes]
    ['year', 'deaths (thousands)']
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    fig = Figure(figsize=(13, 6), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[1.35, 1])
    obs = result.observed[result.observed["year"] >= 2005]
    left.plot(obs["year"], obs["value"], "o-", color="black", ms=3, lw=1.3,
              label="observed (NCHS final to 2019, VSRR provisional after)")
    annual = result.annual()
    top = float(obs["value"].max())
    for model in result.forecasts:
        rows = annual[(annual["model"] == model) & (annual["scenario"] == "status_quo")]
        colour = _COLOURS.get(model)
        label = f"{_LABELS.get(model, model)}: status quo (median, 80 %, 95 %)"
        if model == "ensemble":  # outlined, so the members' fans stay readable beneath it
            left.plot(rows["year"], rows["median"], color=colour, lw=2, ls="--",
                      label=f"{_LABELS[model]}: status quo (median, 80 %)")
            for bound in ("lower_80", "upper_80"):
                left.plot(rows["year"], rows[bound], color=colour, lw=0.8, ls=(0, (2, 2)))
            continue
        left.fill_between(rows["year"], rows["lower_95"], rows["upper_95"], color=colour,
                          alpha=0.10, lw=0)
        left.fill_between(rows["year"], rows["lower_80"], rows["upper_80"], color=colour,
                          alpha=0.22, lw=0)
        left.plot(rows["year"], rows["median"], color=colour, lw=2, label=label)
        top = max(top, float(rows["upper_80"].max()))
    # the decade's upper 80 % bounds can reach several times the peak: clip there so the
    # observed series stays legible (the right panel shows the totals' whole intervals)
    peak = float(obs["value"].max())
    clipped = top > 2.0 * peak
    left.set_ylim(0, min(top, 2.0 * peak) * 1.08)
    left.set_xlim(2005, result.last_year + 0.5)
    left.axvline(result.first_year - 0.5, color="grey", ls=":", lw=1)
    left.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f}"))
    left.xaxis.set_major_locator(MaxNLocator(integer=True))
    left.set_xlabel("year")
    left.set_ylabel("US opioid overdose deaths per year")
    left.set_title(f"Status quo, {result.first_year}-{result.last_year}"
                   + (" (bands clipped at twice the peak)" if clipped else ""), fontsize=11)
    left.grid(alpha=0.3)
    left.legend(loc="upper left", fontsize=8, frameon=False)

    key = f"{result.first_year}_{result.last_year}"
    scenarios = list(dict.fromkeys(result.table["scenario"]))
    models = list(result.forecasts)
    height = 0.8 / max(len(models), 1)
    for j, model in enumerate(models):
        rows = result.table[result.table["model"] == model].set_index("scenario")
        for i, scenario in enumerate(scenarios):
            if scenario not in rows.index:
                continue
            r = rows.loc[scenario]
            y = i + (j - (len(models) - 1) / 2) * height
            colour = _COLOURS.get(model)
            right.plot([r[f"lower95_{key}"] / 1e3, r[f"upper95_{key}"] / 1e3], [y, y],
                       color=colour, lw=1, alpha=0.6)
            right.plot([r[f"lower80_{key}"] / 1e3, r[f"upper80_{key}"] / 1e3], [y, y],
                       color=colour, lw=4, alpha=0.8, solid_capstyle="butt")
            right.plot([r[f"median_{key}"] / 1e3], [y], "o", color="white", mec=colour,
                       ms=5, label=_LABELS.get(model, model) if i == 0 else None)
    right.set_yticks(np.arange(len(scenarios)), [s.replace("_", " ") for s in scenarios],
                     fontsize=9)
    right.invert_yaxis()
    right.set_xlim(left=0)
    right.set_xlabel("deaths (thousands)")
    right.set_title(f"Total {result.first_year}-{result.last_year} by scenario "
                    "(median, 80 %, 95 %)", fontsize=11)
    right.grid(axis="x", alpha=0.3)
    right.legend(loc="lower right", fontsize=8, frameon=False)
    fig.suptitle("US opioid overdose deaths: projection from the newest bundled data",
                 fontsize=12)
    return fig

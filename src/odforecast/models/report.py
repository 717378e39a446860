"""Words for fitted per-series models: the repr of :class:`~odforecast.models.base.PerSeriesFit`.

Kept apart from the orchestration in :mod:`odforecast.models.base`; everything here reads a
fit and returns text.
"""

from __future__ import annotations

import ast
import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from odforecast.models.base import PerSeriesFit

__all__ = ["per_series_repr", "series_summary"]

_MAX_LISTED = 8  # series shown in a repr before "... N more"


def series_summary(diagnostics: dict[str, Any]) -> str:
    """One series' fit in a few words, from its diagnostics row.

    Examples
    --------
    >>> series_summary({"model": "arima", "fallback": False, "transform": "log",
    ...                 "order": (0, 2, 1), "seasonal_order": (0, 0, 0, 0), "aicc": -853.2,
    ...                 "ljung_box_p": 0.988})
    'arima(0,2,1) on log scale, AICc -853, Ljung-Box p 0.99'
    >>> series_summary({"model": "arima", "order": "(0, 1, 0)", "transform": "log",
    ...                 "averaged_models": "(0, 1, 0)+c 0.64; (0, 1, 1)+c 0.18; (1, 1, 0)+c 0.18"})
    'arima(0,1,0) on log scale, averaged with 2 other orders (weight 0.36)'
    >>> series_summary({"model": "drift", "fallback": True, "error": "LinAlgError: singular"})
    'drift (fallback after LinAlgError: singular)'
    """
    d = diagnostics
    text = str(d.get("model", "?"))
    order = _numbers(d.get("order"))
    if order:
        text += "(" + ",".join(map(str, order)) + ")"
    seasonal = _numbers(d.get("seasonal_order"))
    if len(seasonal) == 4 and any(seasonal[:3]):
        text += "(" + ",".join(map(str, seasonal[:3])) + f")[{seasonal[3]}]"
    transform = d.get("transform")
    if transform and transform != "none":
        text += f" on {transform} scale"
    if d.get("fallback"):
        text += f" (fallback after {d.get('error') or 'a failed fit'})"
    aicc = d.get("aicc")
    if isinstance(aicc, int | float) and math.isfinite(aicc):
        text += f", AICc {aicc:,.0f}"
    p = d.get("ljung_box_p")
    if isinstance(p, int | float) and math.isfinite(p):
        text += f", Ljung-Box p {p:.2f}"
    averaged = [part for part in str(d.get("averaged_models") or "").split("; ") if part]
    if len(averaged) > 1:
        others = 1.0 - float(averaged[0].rsplit(" ", 1)[1])
        text += (f", averaged with {len(averaged) - 1} other order"
                 f"{'s' if len(averaged) > 2 else ''} (weight {others:.2f})")
    return text


def _numbers(value: Any) -> tuple[int, ...]:
    """An order as ints, whether stored as a tuple or as its text ``"(1, 1, 0)"``."""
    if value is None:
        return ()
    if isinstance(value, str):
        try:
            value = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return ()
    try:
        return tuple(int(v) for v in value)
    except (TypeError, ValueError):
        return ()


def per_series_repr(fit: PerSeriesFit) -> str:
    """Model, data span and one line per series (the first few).

    Examples
    --------
    >>> import odforecast
    >>> from odforecast.models import ARIMA
    >>> us = odforecast.load_dataset("us_annual").query(
    ...     "indicator == 'opioids' and estimate == 'reported'")
    >>> ARIMA(order=(1, 1, 0)).fit(us)  # doctest: +ELLIPSIS
    <Fitted ARIMA(order=(1, 1, 0)): 1 series; annual, reported, data to 2024-12-31
      US opioids  arima(1,1,0) on log scale, AICc ..., Ljung-Box p ...>
    """
    series = fit.series
    first = series[0]
    last = max(s.time[-1] for s in series).date().isoformat()
    count = "1 series" if len(series) == 1 else f"{len(series):,} series"
    lines = [f"<Fitted {fit.model!r}: {count}; {first.frequency}, {first.estimate}, "
             f"data to {last}"]
    names = [f"{s.location} {s.indicator}" for s in series[:_MAX_LISTED]]
    width = max(len(n) for n in names)
    for name, result in zip(names, fit.results, strict=False):
        lines.append(f"  {name:<{width}}  {series_summary(result.diagnostics)}")
    if len(series) > _MAX_LISTED:
        lines.append(f"  ... {len(series) - _MAX_LISTED:,} more (see .diagnostics)")
    n_fallback = sum(r.sampler is not fit.model for r in fit.results)
    if n_fallback:
        lines.append(f"  {n_fallback:,} series on the fallback model")
    return "\n".join(lines) + ">"

"""Transformations of tidy frames that keep every flag honest."""

from __future__ import annotations

import numpy as np
import pandas as pd

from odforecast.data.schema import KEY, dimensions, validate
from odforecast.errors import DataError

__all__ = ["merge_nyc"]


def merge_nyc(frame: pd.DataFrame) -> pd.DataFrame:
    """Add New York City (``US-NYC``) into New York State (``US-NY``), as CDC WONDER counts it.

    VSRR reports New York City separately and its ``US-NY`` excludes the city; Census
    populations and most other sources include it.  Where either part is censored or not shown
    the sum is unknown, so this raises rather than guess.

    Examples
    --------
    >>> import odforecast
    >>> states = odforecast.load_dataset("states_annual").query("indicator == 'all_drugs'")
    >>> merged = merge_nyc(states)
    >>> "US-NYC" in set(merged["location"])
    False
    """
    frame = validate(frame, origin="merge_nyc input")
    nyc = frame[frame["location"] == "US-NYC"]
    if nyc.empty:
        return frame
    key = [k for k in KEY if k != "location"] + dimensions(frame)
    state = frame[frame["location"] == "US-NY"].set_index(key)
    city = nyc.set_index(key)
    missing = city.index.difference(state.index)
    if len(missing):
        raise DataError(f"US-NYC has rows with no US-NY counterpart, e.g. {missing[0]}",
                        column="location")
    both = state.loc[city.index]
    unknown = both["censored"].to_numpy() | city["censored"].to_numpy() | \
        both["value"].isna().to_numpy() | city["value"].isna().to_numpy()
    if unknown.any():
        where = city.index[np.flatnonzero(unknown)[0]]
        raise DataError(f"cannot add US-NYC to US-NY at {where}: a part is censored or not "
                        "shown, so the total is unknown", column="value",
                        hint="select indicators without suppressed cells, or drop US-NYC")
    merged = state.copy()
    merged.loc[city.index, "value"] = both["value"].to_numpy() + city["value"].to_numpy()
    merged.loc[city.index, "provisional"] = both["provisional"].to_numpy() | \
        city["provisional"].to_numpy()
    out = pd.concat([frame[~frame["location"].isin(["US-NY", "US-NYC"])],
                     merged.reset_index()[frame.columns]], ignore_index=True)
    return validate(out, origin="merge_nyc output")

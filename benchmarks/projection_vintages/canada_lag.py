"""When did the 2023-25 fall reach Canada, against the US?  Year-over-year change of the
quarterly opioid deaths, from the bundled data:

- Canada: ``canada_quarterly`` (PHAC, apparent opioid toxicity deaths), quarter against the same
  quarter a year earlier;
- US: ``us_monthly_12m`` (VSRR, reported, opioids); a quarter's deaths minus the same quarter's
  a year earlier is the 12-month-ending count at the quarter's end minus the one three months
  before (each window adds a month and drops the same month of the year before).

A supply process shared with Canada can only improve US projections if Canada's series turns
first; this prints which turned first.

    .venv/bin/python benchmarks/projection_vintages/canada_lag.py
"""

from __future__ import annotations

import pandas as pd

import odforecast


def year_over_year() -> pd.DataFrame:
    canada = odforecast.load_dataset("canada_quarterly").query(
        "location == 'CA' and indicator == 'opioids'").set_index("period_end")["value"]
    us = odforecast.load_dataset("us_monthly_12m").query(
        "location == 'US' and indicator == 'opioids' and estimate == 'reported'"
    ).set_index("period_end")["value"]
    quarters = canada.index[canada.index >= "2022-03-31"]
    rows = []
    for end in quarters:
        row = {"quarter": f"{end.year} Q{(end.month - 1) // 3 + 1}",
               "Canada deaths": canada[end],
               "Canada change vs a year earlier %": 100 * (canada[end] / canada[
                   end - pd.offsets.QuarterEnd(4)] - 1)}
        before = end - pd.offsets.MonthEnd(3)
        if end in us.index and before in us.index:
            # quarter minus the same quarter a year earlier, over that earlier quarter's
            # deaths (a quarter of the 12-month count a year before, near enough for a sign)
            year_ago = us[end - pd.offsets.MonthEnd(12)] / 4
            row["US change vs a year earlier %"] = 100 * (us[end] - us[before]) / year_ago
        rows.append(row)
    return pd.DataFrame(rows)


def turned(table: pd.DataFrame, column: str) -> str | None:
    """The first quarter from which every quarter with data is below the year before."""
    change = table.set_index("quarter")[column].dropna()
    rising = [q for q, value in change.items() if value >= 0]
    if not rising:
        return change.index[0]
    after = list(change.index).index(rising[-1]) + 1
    return change.index[after] if after < len(change) else None


def main() -> None:
    table = year_over_year()
    columns = list(table.columns)
    print("| " + " | ".join(columns) + " |")
    print("|---|" + "---:|" * (len(columns) - 1))
    for row in table.itertuples(index=False):
        cells = [row[0], f"{row[1]:,.0f}", *("" if pd.isna(v) else f"{v:+.0f}" for v in row[2:])]
        print("| " + " | ".join(cells) + " |")
    for country in ("US", "Canada"):
        first = turned(table, f"{country} change vs a year earlier %")
        print(f"{country}: every quarter below the same quarter a year earlier from {first}")


if __name__ == "__main__":
    main()

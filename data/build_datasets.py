"""Rebuild the bundled datasets in data/datasets/ from the raw public files.

Usage::

    python data/build_datasets.py [--raw ../shared/data] [--out data/datasets] [--check]

Each dataset is a compact aggregate computed here with odforecast's own readers (no value is typed
in by hand), written as a gzipped tidy CSV, and described in ``catalog.json`` (publisher, official
source, vintage, licence, rows, SHA-256, and the SHA-256 of each raw file it was built from).
``--check`` rebuilds in memory and fails if the committed files differ, which is what the
round-trip test does.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from odforecast.data import schema
from odforecast.data.cbp import read_cbp_seizures
from odforecast.data.census import read_census_population
from odforecast.data.nflis import read_nflis
from odforecast.data.nida import read_nida_overdose
from odforecast.data.phac import read_phac
from odforecast.data.vsrr import read_vsrr

HERE = Path(__file__).resolve().parent
DEFAULT_RAW = HERE.parent.parent / "shared" / "data"
DEFAULT_OUT = HERE / "datasets"

VSRR = "vsrr_provisional_drug_overdose_death_counts_2025-07-16.csv"
NIDA = "nida_national_od_deaths_by_drug_1999_2019.csv"
PHAC = "canada_opioid_stimulant_harms_SubstanceHarmsData_2016_2025Q3.csv"
CBP = ("cbp_nationwide_drug_seizures_fy19_fy22.csv",
       "cbp_nationwide_drug_seizures_fy23_fy26apr.csv")
NFLIS_YEAR = "nflis_fentanyl_reports_by_state_year_1998_2024.csv"
NFLIS_HALF = "nflis_fentanyl_reports_by_state_halfyear_2017_2025.csv"
CENSUS = ("census_state_population_2010_2019.csv", "census_state_population_2020_2024.csv")

VSRR_URL = "https://data.cdc.gov/NCHS/VSRR-Provisional-Drug-Overdose-Death-Counts/xkb8-kh2a"
US_GOV = "Public domain (U.S. Government work)"
OGL_CANADA = ("Open Government Licence - Canada. Contains information licensed under the Open "
              "Government Licence - Canada.")

#: Death indicators carried into the annual tables (not the percent or all-cause series).
DEATH_INDICATORS = [
    "all_drugs", "opioids", "synthetic_opioids", "heroin", "natural_semisynthetic", "methadone",
    "cocaine", "psychostimulants", "natural_semisynthetic_methadone",
    "natural_semisynthetic_synthetic_methadone",
]


@dataclass
class Spec:
    """How to build one dataset and what to say about it."""

    name: str
    description: str
    publisher: str
    source_url: str
    licence: str
    raw_files: tuple[str, ...]
    build: Callable[[Path], pd.DataFrame]
    notes: list[str] = field(default_factory=list)


def _december_as_annual(frame: pd.DataFrame) -> pd.DataFrame:
    """VSRR 12-month-ending December counts are calendar-year totals by date of death."""
    dec = frame[(frame["frequency"] == "12m_ending") & (frame["period_end"].dt.month == 12)].copy()
    dec["frequency"] = "annual"
    return dec


def build_us_annual(raw: Path) -> pd.DataFrame:
    nida = read_nida_overdose(raw / NIDA)
    nida = nida[nida["sex"] == "all"].drop(columns="sex")
    vsrr = read_vsrr(raw / VSRR)
    vsrr = _december_as_annual(vsrr[(vsrr["location"] == "US")
                                    & vsrr["indicator"].isin(DEATH_INDICATORS)])
    final_years = set(nida["period_start"].dt.year)
    vsrr = vsrr[~vsrr["period_start"].dt.year.isin(final_years)]
    return pd.concat([nida, vsrr], ignore_index=True)


def build_us_monthly_12m(raw: Path) -> pd.DataFrame:
    vsrr = read_vsrr(raw / VSRR)
    return vsrr[vsrr["location"] == "US"]


def build_states_annual(raw: Path) -> pd.DataFrame:
    vsrr = read_vsrr(raw / VSRR)
    states = vsrr[(vsrr["location"] != "US") & vsrr["indicator"].isin(DEATH_INDICATORS)]
    return _december_as_annual(states)


def build_states_monthly_12m(raw: Path) -> pd.DataFrame:
    vsrr = read_vsrr(raw / VSRR)
    keep = (vsrr["location"] != "US") & vsrr["indicator"].isin(
        ["all_drugs", "opioids", "synthetic_opioids"])
    return vsrr[keep]


def _phac_headline(raw: Path, frequency: str) -> pd.DataFrame:
    phac = read_phac(raw / PHAC)
    keep = ((phac["frequency"] == frequency) & (phac["measure"] == "Overall numbers")
            & (phac["aggregator"] == "") & (phac["disaggregator"] == ""))
    return phac[keep].drop(columns=["measure", "aggregator", "disaggregator"])


def build_canada_annual(raw: Path) -> pd.DataFrame:
    return _phac_headline(raw, "annual")


def build_canada_quarterly(raw: Path) -> pd.DataFrame:
    return _phac_headline(raw, "quarterly")


def build_cbp_fentanyl_seizures(raw: Path) -> pd.DataFrame:
    seizures = read_cbp_seizures([raw / name for name in CBP])
    fentanyl = seizures[seizures["drug"] == "Fentanyl"]
    months = pd.date_range(seizures["period_start"].min(), seizures["period_start"].max(),
                           freq="MS")
    regions = sorted(seizures["region"].unique())
    parts = []
    for indicator, target in (("drug_seized_lbs", "fentanyl_seized_lbs"),
                              ("drug_seizure_events", "fentanyl_seizure_events")):
        rows = fentanyl[fentanyl["indicator"] == indicator]
        for region in ["all", *regions]:
            subset = rows if region == "all" else rows[rows["region"] == region]
            grouped = subset.groupby("period_start").agg(
                value=("value", "sum"), provisional=("provisional", "any"),
                vintage=("vintage", "max"))
            grouped = grouped.reindex(months)
            absent = grouped["value"].isna()
            # CBP publishes no row for a month without seizures: the count is a true zero.
            grouped.loc[absent, "value"] = 0.0
            grouped["provisional"] = grouped["provisional"].astype("boolean").fillna(False)
            grouped["vintage"] = grouped["vintage"].fillna(rows["vintage"].max())
            part = pd.DataFrame({
                "location": "US", "indicator": target, "frequency": "monthly",
                "period_start": months,
                "period_end": months + pd.offsets.MonthEnd(0),
                "estimate": "reported", "value": grouped["value"].to_numpy(),
                "unit": schema.INDICATORS[target].unit, "censored": False,
                "censor_upper": float("nan"),
                "provisional": grouped["provisional"].to_numpy(dtype=bool),
                "flag": ["no_rows_reported" if a else "" for a in absent],
                "source": rows["source"].iloc[0], "vintage": grouped["vintage"].to_numpy(),
                "region": region,
            })
            parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _nflis_fentanyl(raw: Path, name: str) -> pd.DataFrame:
    reports = read_nflis(raw / name)
    reports = reports[reports["drug_category"] == "Fentanyl and Fentanyl-related"]
    keys = ["indicator", "frequency", "period_start", "period_end", "estimate", "unit", "source",
            "vintage"]
    agg = {"value": ("value", "sum"), "censored": ("censored", "any"),
           "provisional": ("provisional", "any"), "flag": ("flag", "max")}
    by_state = reports.groupby(["location", *keys], as_index=False).agg(**agg)
    national = reports.groupby(keys, as_index=False).agg(**agg)
    national["location"] = "US"
    out = pd.concat([national, by_state], ignore_index=True)
    out["indicator"] = "fentanyl_reports"
    out["censor_upper"] = float("nan")
    return out


def build_nflis_fentanyl(raw: Path) -> pd.DataFrame:
    return pd.concat([_nflis_fentanyl(raw, NFLIS_YEAR), _nflis_fentanyl(raw, NFLIS_HALF)],
                     ignore_index=True)


def build_states_population(raw: Path) -> pd.DataFrame:
    return pd.concat([read_census_population(raw / name) for name in CENSUS], ignore_index=True)


SPECS = [
    Spec("us_annual",
         "US national annual overdose deaths by drug, 1999 to the latest full year: NCHS final "
         "counts (NIDA tables) 1999-2019, then CDC VSRR 12-month-ending December counts "
         "(reported and delay-adjusted predicted; 2024 provisional)",
         "CDC / NCHS; NIDA", "https://nida.nih.gov/research-topics/trends-statistics/"
         "overdose-death-rates ; " + VSRR_URL, US_GOV, (NIDA, VSRR), build_us_annual,
         ["1999-2019 are final resident-based counts (overdose definition). From 2020 the values "
          "are VSRR occurrence-based counts, 0.4-1.8% above final resident counts.",
          "natural_semisynthetic and methadone are published separately only from 2020 (VSRR); "
          "before that NIDA gives their union, natural_semisynthetic_methadone."]),
    Spec("us_monthly_12m",
         "US national 12-month-ending overdose death counts by drug (CDC VSRR), Jan 2015 - Feb "
         "2025, reported and predicted", "CDC / NCHS (VSRR)", VSRR_URL, US_GOV, (VSRR,),
         build_us_monthly_12m,
         ["Each value counts the deaths in the 12 months ending in period_end, so consecutive "
          "values overlap by 11 months."]),
    Spec("states_annual",
         "Overdose deaths by jurisdiction, year and drug, 2015-2024 (VSRR December 12-month-ending "
         "counts; censored where CDC suppressed <10)", "CDC / NCHS (VSRR)", VSRR_URL, US_GOV,
         (VSRR,), build_states_annual,
         ["US-NY excludes New York City, which is US-NYC. US-PR is not part of the US total.",
          "Rows flagged not_shown were withheld by CDC for low data quality (value NaN)."]),
    Spec("states_monthly_12m",
         "12-month-ending overdose deaths by jurisdiction (50 states, DC, NYC, PR), Jan 2015 - "
         "Feb 2025, for all_drugs, opioids and synthetic_opioids, reported and predicted "
         "(censored where CDC suppressed <10)", "CDC / NCHS (VSRR)", VSRR_URL, US_GOV, (VSRR,),
         build_states_monthly_12m,
         ["US-NY excludes New York City (US-NYC); "
          "odforecast.data.transform.merge_nyc() adds them up.",
          "Rows flagged not_shown were withheld by CDC for low data quality (value NaN)."]),
    Spec("canada_annual",
         "Canada: apparent opioid toxicity deaths by year, national and provincial, 2016-2025 "
         "(2025 is January-September, flagged partial_period)", "Public Health Agency of Canada",
         "https://health-infobase.canada.ca/substance-related-harms/opioids-stimulants/",
         OGL_CANADA, (PHAC,), build_canada_annual),
    Spec("canada_quarterly",
         "Canada: apparent opioid toxicity deaths by quarter, national and provincial",
         "Public Health Agency of Canada",
         "https://health-infobase.canada.ca/substance-related-harms/opioids-stimulants/",
         OGL_CANADA, (PHAC,), build_canada_quarterly),
    Spec("cbp_fentanyl_seizures",
         "CBP fentanyl seizures by calendar month, pounds and events, national (region 'all') "
         "and by CBP region, Oct 2018 - Apr 2026", "U.S. Customs and Border Protection",
         "https://www.cbp.gov/newsroom/stats/drug-seizure-statistics", US_GOV, CBP,
         build_cbp_fentanyl_seizures,
         ["A month with no row in CBP's file is a month without seizures: value 0, flag "
          "no_rows_reported.", "Fiscal year 2026 is year-to-date (provisional)."]),
    Spec("nflis_fentanyl",
         "DEA NFLIS fentanyl and fentanyl-related drug reports, national and by state: annual "
         "1998-2024 (query 2025-08-10) and semiannual 2017-2025 (query 2026-03-03)",
         "U.S. DEA Diversion Control Division (NFLIS-Drug)",
         "https://www.nflis.deadiversion.usdoj.gov/", US_GOV, (NFLIS_YEAR, NFLIS_HALF),
         build_nflis_fentanyl,
         ["Forensic laboratory reports, not seizures or deaths. Recent years are incomplete "
          "(flag reporting_lag)."]),
    Spec("states_population",
         "Resident population (July 1 estimates) for the US, states, DC and Puerto Rico, "
         "2010-2024", "U.S. Census Bureau, Population Division",
         "https://www.census.gov/programs-surveys/popest.html", US_GOV, CENSUS,
         build_states_population),
]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    frame = frame.copy()
    for column in ("period_start", "period_end"):
        frame[column] = frame[column].dt.strftime("%Y-%m-%d")
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n", float_format="%.10g")
    # mtime=0 keeps the gzip bytes (and so the checksum) identical across rebuilds.
    return gzip.compress(buffer.getvalue().encode("utf-8"), compresslevel=9, mtime=0)


def build(spec: Spec, raw: Path) -> tuple[pd.DataFrame, bytes]:
    frame = schema.validate(spec.build(raw), origin=f"dataset {spec.name}")
    dims = schema.dimensions(frame)
    frame = frame.sort_values([*dims, "indicator", "location", "frequency", "period_start",
                               "estimate"], kind="stable").reset_index(drop=True)
    return frame, to_csv_bytes(frame)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=DEFAULT_RAW, help="folder of raw files")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument("--check", action="store_true", help="verify, do not write")
    args = parser.parse_args(argv)

    catalog: dict[str, dict] = {}
    problems = []
    for spec in SPECS:
        frame, data = build(spec, args.raw)
        file_name = f"{spec.name}.csv.gz"
        vintages = sorted(set(frame["vintage"]))
        catalog[spec.name] = {
            "file": file_name,
            "description": spec.description,
            "publisher": spec.publisher,
            "source_url": spec.source_url,
            "licence": spec.licence,
            "vintage": vintages[-1] if len(vintages) == 1 else f"{vintages[0]} .. {vintages[-1]}",
            "rows": len(frame),
            "dimensions": schema.dimensions(frame),
            "sha256": sha256(data),
            "built_from": {name: sha256((args.raw / name).read_bytes())
                           for name in spec.raw_files},
            "notes": spec.notes,
        }
        target = args.out / file_name
        if args.check:
            if not target.is_file() or target.read_bytes() != data:
                problems.append(f"{target} differs from a rebuild from {args.raw}")
        else:
            args.out.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        print(f"{spec.name:24s} {len(frame):7d} rows  {len(data) / 1024:7.1f} KiB")
    catalog_bytes = (json.dumps({"datasets": catalog}, indent=2) + "\n").encode("utf-8")
    catalog_path = args.out / "catalog.json"
    if args.check:
        if not catalog_path.is_file() or catalog_path.read_bytes() != catalog_bytes:
            problems.append(f"{catalog_path} differs from a rebuild")
    else:
        catalog_path.write_bytes(catalog_bytes)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""Cut the excerpts in this folder from the full CDC downloads (see README.md here).

Lines are copied byte for byte, in their original order; only whole data rows are left out.
Usage: ``python examples/data/make_excerpts.py FOLDER`` where FOLDER holds the full files.
"""

from __future__ import annotations

import csv
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

ALL_DRUGS = "Number of Drug Overdose Deaths"
OPIOIDS = "Opioids (T40.0-T40.4,T40.6)"
SYNTHETIC = "Synthetic opioids, excl. methadone (T40.4)"


def keep_vsrr(row: dict[str, str]) -> bool:
    """The VSRR rows the notebook reads (state, indicator, months)."""
    state, indicator, year = row["State"], row["Indicator"], int(row["Year"])
    return ((state == "US" and indicator == ALL_DRUGS and year in (2022, 2023))
            or (state == "WY" and indicator in (ALL_DRUGS, OPIOIDS, SYNTHETIC) and year == 2017)
            or (state == "ND" and indicator == OPIOIDS and row["Month"] == "December")
            or (state == "OH" and indicator == ALL_DRUGS))


def keep_vsrr_2024(row: dict[str, str]) -> bool:
    return row["State"] == "US" and int(row["Year"]) >= 2022


def cut_csv(source: Path, target: Path, keep) -> int:
    """Copy the header and the kept data lines of a CSV without embedded newlines."""
    lines = source.read_bytes().splitlines(keepends=True)
    header = next(csv.reader([lines[0].decode("utf-8")]))
    kept = [line for line in lines[1:]
            if keep(dict(zip(header, next(csv.reader([line.decode("utf-8")])), strict=True)))]
    target.write_bytes(lines[0] + b"".join(kept))
    return len(kept)


def cut_wonder(source: Path, target: Path, states: set[str]) -> int:
    """Copy the header, the kept states' rows and the whole footer of a WONDER export."""
    lines = source.read_bytes().splitlines(keepends=True)
    footer = lines.index(next(line for line in lines if line.strip() == b'"---"'))
    kept = [line for line in lines[1:footer]
            if line.decode("utf-8").split("\t")[1].strip('"') in states]
    target.write_bytes(lines[0] + b"".join(kept) + b"".join(lines[footer:]))
    return len(kept)


def main(folder: Path) -> None:
    name = "vsrr_provisional_drug_overdose_death_counts_2025-07-16.csv"
    print(name, cut_csv(folder / name, HERE / name.replace(".csv", "_excerpt.csv"), keep_vsrr))
    name = "vsrr_number_of_drug_overdose_deaths_2024-vintage.csv"
    print(name, cut_csv(folder / name, HERE / name.replace(".csv", "_excerpt.csv"),
                        keep_vsrr_2024))
    name = "wonder_mcd_anyucd_opioids_T40.0-4.6_state_year_1999_2019.txt"
    print(name, cut_wonder(folder / name, HERE / name.replace(".txt", "_excerpt.txt"),
                           {"North Dakota", "South Dakota", "Wyoming"}))
    name = "wonder_mcd_od_fentanyl_monthly_10_16_national.txt"
    shutil.copyfile(folder / name, HERE / name)  # small enough to ship whole
    print(name, "copied whole")


if __name__ == "__main__":
    main(Path(sys.argv[1]))

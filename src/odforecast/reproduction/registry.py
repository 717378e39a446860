"""Published projections of US opioid deaths, as data.

Each entry records what was published (value and range for a period), where, and the data
vintage the authors used, so a reproduction can refit models to the data available then.
Numbers are from the sources cited (see ``../shared/design/evidence.md`` in the development
checkout, sections 0-3).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from odforecast.errors import DataError

__all__ = ["PROJECTIONS", "Projection", "PublishedTotal", "get_projection"]


@dataclass(frozen=True)
class PublishedTotal:
    """A published cumulative total over ``start``-``end`` (calendar years, inclusive).

    ``low`` and ``high`` are the published range, when there is one.

    Examples
    --------
    >>> from odforecast.reproduction import get_projection
    >>> total = get_projection("stanford_lancet_2021").totals[1]
    >>> total.start, total.end, total.value, total.low, total.high
    (2020, 2029, 1220000, 996000, 1383000)
    """

    start: int
    end: int
    value: float
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class Projection:
    """A published projection.

    Attributes
    ----------
    key, citation, doi
        Registry key and the publication.
    region, indicator
        What was projected (``US``, ``opioids`` = opioid-related deaths).
    totals
        Published cumulative totals with their ranges.
    vintage
        Date of the data the authors used (the reproduction refits to data available then).
    last_data_year
        Last calendar year of data available at the vintage.
    notes
        How the number was produced and caveats.
    name
        Human-readable name, for figure titles and tables (the key when empty).

    Examples
    --------
    >>> from odforecast.reproduction import PROJECTIONS
    >>> rao = PROJECTIONS["stanford_lancet_2021"]
    >>> rao.region, rao.indicator, rao.vintage, rao.last_data_year
    ('US', 'opioids', '2021-06-17', 2020)
    >>> rao.name
    'Stanford–Lancet Commission projection (Rao, Humphreys & Brandeau 2021)'
    >>> [f"{t.start}-{t.end}" for t in rao.totals]
    ['2020-2024', '2020-2029']
    """

    key: str
    citation: str
    doi: str
    region: str
    indicator: str
    totals: tuple[PublishedTotal, ...]
    vintage: str
    last_data_year: int
    notes: tuple[str, ...] = field(default_factory=tuple)
    name: str = ""


PROJECTIONS: dict[str, Projection] = {
    p.key: p for p in [
        Projection(
            "stanford_lancet_2021",
            "Rao IJ, Humphreys K, Brandeau ML. Effectiveness of policies for addressing the US "
            "opioid epidemic: a model-based analysis from the Stanford-Lancet Commission on the "
            "North American Opioid Crisis. Lancet Reg Health Am 2021;3:100031",
            "10.1016/j.lana.2021.100031", "US", "opioids",
            (PublishedTotal(2020, 2024, 547_000, 441_000, 613_000),
             PublishedTotal(2020, 2029, 1_220_000, 996_000, 1_383_000)),
            "2021-06-17", 2020,
            ("Compartmental model of the US population aged 12+ (Pitt et al. 2018, extended); "
             "CDC WONDER accessed 17 Jun 2021, so final data through 2019 and the provisional "
             "2020 signal (about 70,000 opioid deaths).",
             "The Commission quotes the same model: 1.2 million deaths 2020-2029."),
            "Stanford–Lancet Commission projection (Rao, Humphreys & Brandeau 2021)"),
        Projection(
            "stanford_lancet_2021_preprint",
            "Rao IJ, Humphreys K, Brandeau ML. Preprint of the above (SSRN)",
            "", "US", "opioids",
            (PublishedTotal(2020, 2024, 522_000, 424_000, 575_000),
             PublishedTotal(2020, 2029, 1_172_000, 956_000, 1_308_000)),
            "2021-01-01", 2019,
            ("Earlier data vintage (not stated; assumed final data through 2019).",),
            "Stanford–Lancet Commission projection, preprint (Rao, Humphreys & Brandeau)"),
        Projection(
            "source_2022",
            "Lim TY et al. Modeling the evolution of the US opioid crisis for national policy "
            "development. PNAS 2022;119(23):e2115714119 (the SOURCE model)",
            "10.1073/pnas.2115714119", "US", "opioids",
            (PublishedTotal(2022, 2032, 541_754, 418_991, 666_236),),
            "2021-08-01", 2020,
            ("Base projection; the range shown is the low/high fentanyl scenarios (FentL/FentH), "
             "not a statistical interval.",),
            "SOURCE model base projection (Lim et al. 2022)"),
        Projection(
            "chen_2019",
            "Chen Q et al. Prevention of prescription opioid misuse and projected overdose deaths "
            "in the United States. JAMA Netw Open 2019;2(2):e187621",
            "10.1001/jamanetworkopen.2018.7621", "US", "opioids",
            (PublishedTotal(2016, 2025, 700_400, 590_200, 817_100),),
            "2018-01-01", 2015,
            ("System-dynamics model calibrated to NSDUH and CDC data 2002-2015.",),
            "Prescription opioid misuse projection (Chen et al. 2019)"),
    ]
}


def get_projection(key: str) -> Projection:
    """A registry entry by key (``stanford-lancet`` is accepted for ``stanford_lancet_2021``).

    Examples
    --------
    >>> get_projection("stanford-lancet").totals[1].value
    1220000
    """
    aliases = {"stanford-lancet": "stanford_lancet_2021", "stanford_lancet": "stanford_lancet_2021",
               "source": "source_2022", "chen": "chen_2019"}
    key = aliases.get(key, key)
    if key not in PROJECTIONS:
        raise DataError(f"no published projection {key!r}; known: "
                        f"{', '.join([*PROJECTIONS, *aliases])}", column="projection")
    return PROJECTIONS[key]

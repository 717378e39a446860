"""Location codes used in the tidy schema.

National codes are ISO 3166-1 alpha-2 (``US``, ``CA``); sub-national codes are ISO 3166-2
(``US-OH``, ``CA-BC``).  Two CDC jurisdictions have no ISO code and get documented extensions:
``US-NYC`` (New York City, VSRR's ``YC``; VSRR's ``NY`` then excludes the city) and ``US-PR``
(Puerto Rico, which CDC reports beside the states but which is not in the US total).
"""

from __future__ import annotations

import re

__all__ = [
    "CANADA_PROVINCES",
    "LOCATION_PATTERN",
    "US_STATES",
    "canada_code",
    "is_valid_location",
    "us_code_from_abbrev",
    "us_code_from_fips",
    "us_code_from_name",
]

#: Postal abbreviation -> (name, FIPS code) for the 50 states and DC.
US_STATES: dict[str, tuple[str, str]] = {
    "AL": ("Alabama", "01"), "AK": ("Alaska", "02"), "AZ": ("Arizona", "04"),
    "AR": ("Arkansas", "05"), "CA": ("California", "06"), "CO": ("Colorado", "08"),
    "CT": ("Connecticut", "09"), "DE": ("Delaware", "10"), "DC": ("District of Columbia", "11"),
    "FL": ("Florida", "12"), "GA": ("Georgia", "13"), "HI": ("Hawaii", "15"),
    "ID": ("Idaho", "16"), "IL": ("Illinois", "17"), "IN": ("Indiana", "18"),
    "IA": ("Iowa", "19"), "KS": ("Kansas", "20"), "KY": ("Kentucky", "21"),
    "LA": ("Louisiana", "22"), "ME": ("Maine", "23"), "MD": ("Maryland", "24"),
    "MA": ("Massachusetts", "25"), "MI": ("Michigan", "26"), "MN": ("Minnesota", "27"),
    "MS": ("Mississippi", "28"), "MO": ("Missouri", "29"), "MT": ("Montana", "30"),
    "NE": ("Nebraska", "31"), "NV": ("Nevada", "32"), "NH": ("New Hampshire", "33"),
    "NJ": ("New Jersey", "34"), "NM": ("New Mexico", "35"), "NY": ("New York", "36"),
    "NC": ("North Carolina", "37"), "ND": ("North Dakota", "38"), "OH": ("Ohio", "39"),
    "OK": ("Oklahoma", "40"), "OR": ("Oregon", "41"), "PA": ("Pennsylvania", "42"),
    "RI": ("Rhode Island", "44"), "SC": ("South Carolina", "45"), "SD": ("South Dakota", "46"),
    "TN": ("Tennessee", "47"), "TX": ("Texas", "48"), "UT": ("Utah", "49"),
    "VT": ("Vermont", "50"), "VA": ("Virginia", "51"), "WA": ("Washington", "53"),
    "WV": ("West Virginia", "54"), "WI": ("Wisconsin", "55"), "WY": ("Wyoming", "56"),
}

#: Territories and CDC-specific jurisdictions that appear in the source files.
US_EXTRA: dict[str, tuple[str, str]] = {
    "PR": ("Puerto Rico", "72"),
    "GU": ("Guam", "66"),
    "VI": ("U.S. Virgin Islands", "78"),
    "AS": ("American Samoa", "60"),
    "MP": ("Northern Mariana Islands", "69"),
    "NYC": ("New York City", ""),
}

#: PHAC region name -> ISO 3166-2 code (``CA`` for Canada as a whole).
CANADA_PROVINCES: dict[str, str] = {
    "Canada": "CA",
    "Newfoundland and Labrador": "CA-NL",
    "Prince Edward Island": "CA-PE",
    "Nova Scotia": "CA-NS",
    "New Brunswick": "CA-NB",
    "Quebec": "CA-QC",
    "Ontario": "CA-ON",
    "Manitoba": "CA-MB",
    "Saskatchewan": "CA-SK",
    "Alberta": "CA-AB",
    "British Columbia": "CA-BC",
    "Yukon": "CA-YT",
    "Northwest Territories": "CA-NT",
    "Nunavut": "CA-NU",
}

#: A national ISO code, or national code + "-" + 2-3 upper-case letters or digits.
LOCATION_PATTERN = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{2,3})?$")

_ALL_US = {**US_STATES, **US_EXTRA}
_BY_NAME = {name.lower(): abbrev for abbrev, (name, _) in _ALL_US.items()}
_BY_NAME["united states"] = "US"
_BY_FIPS = {fips: abbrev for abbrev, (_, fips) in _ALL_US.items() if fips}


def _code(abbrev: str) -> str:
    return "US" if abbrev == "US" else f"US-{abbrev}"


def is_valid_location(code: str) -> bool:
    """Return True if ``code`` is a well-formed location code (``US``, ``US-OH``, ``CA-BC``).

    Examples
    --------
    >>> is_valid_location("US-OH"), is_valid_location("Ohio")
    (True, False)
    """
    return isinstance(code, str) and bool(LOCATION_PATTERN.match(code))


def us_code_from_abbrev(abbrev: str) -> str | None:
    """Map a CDC jurisdiction abbreviation (``OH``, ``US``, ``YC``) to a location code.

    Examples
    --------
    >>> us_code_from_abbrev("OH"), us_code_from_abbrev("YC"), us_code_from_abbrev("US")
    ('US-OH', 'US-NYC', 'US')
    """
    abbrev = abbrev.strip().upper()
    if abbrev == "YC":
        return "US-NYC"
    if abbrev == "US" or abbrev in _ALL_US:
        return _code(abbrev)
    return None


def us_code_from_name(name: str) -> str | None:
    """Map a state name (``Ohio``, ``.Ohio``, ``United States``) to a location code.

    Examples
    --------
    >>> us_code_from_name(".District of Columbia")
    'US-DC'
    """
    abbrev = _BY_NAME.get(name.strip().lstrip(".").strip().lower())
    return None if abbrev is None else _code(abbrev)


def us_code_from_fips(fips: str | int) -> str | None:
    """Map a two-digit state FIPS code to a location code.

    Examples
    --------
    >>> us_code_from_fips("39"), us_code_from_fips(6)
    ('US-OH', 'US-CA')
    """
    abbrev = _BY_FIPS.get(f"{int(fips):02d}") if str(fips).strip().isdigit() else None
    return None if abbrev is None else _code(abbrev)


def canada_code(region: str) -> str | None:
    """Map a PHAC region name to an ISO code (``Canada`` -> ``CA``, ``Ontario`` -> ``CA-ON``).

    Examples
    --------
    >>> canada_code("British Columbia")
    'CA-BC'
    """
    return CANADA_PROVINCES.get(region.strip())

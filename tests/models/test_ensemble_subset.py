"""An ensemble member that forecasts only some series: ``HierarchicalBayes`` pools the states
beside the national total, which the other members forecast alone, with one hierarchy per
indicator (real data, small sampler)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import odforecast
from odforecast.errors import DataError, OdforecastWarning, ParameterError
from odforecast.models import Drift, Ensemble, HierarchicalBayes
from odforecast.models.base import proportional_counts
from odforecast.models.ensemble.fit import member_seed

SMALL = {"draws": 150, "tune": 200, "chains": 2}
STATES = ["US-OH", "US-KY", "US-WV"]
INDICATORS = ["all_drugs", "opioids"]


@pytest.fixture(scope="module")
def panel():
    """US drug and opioid overdose deaths and three states', annual (2015-2024 for the
    states)."""
    us = odforecast.load_dataset("us_annual")
    states = odforecast.load_dataset("states_annual")
    rows = pd.concat([us[us["indicator"].isin(INDICATORS)],
                      states[states["location"].isin(STATES)
                             & states["indicator"].isin(INDICATORS)]])
    return rows[rows["estimate"] == "reported"]


@pytest.fixture(scope="module")
def learnt(panel):
    """Drift and the pooled model, inverse-WIS weights from one backtest origin (h = 1-2)."""
    model = Ensemble([Drift(), HierarchicalBayes(sampler_config=SMALL)], weights="inverse_wis",
                     weight_origins=1, weight_horizon=2, weight_samples=200, random_seed=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OdforecastWarning)  # a 150-draw run is flagged
        return model.fit(panel)


def test_the_pooled_member_is_not_used_for_the_national_total(learnt):
    assert learnt.shares["drift"].covers == {(loc, ind) for loc in ["US", *STATES]
                                             for ind in INDICATORS}
    assert learnt.shares["hierarchical"].covers == {(loc, ind) for loc in STATES
                                                    for ind in INDICATORS}
    assert set(learnt.members["hierarchical"].data["location"]) == set(STATES)
    for ind in INDICATORS:
        np.testing.assert_array_equal(learnt.weights[("US", ind)], [1.0, 0.0])
    diag = learnt.diagnostics.set_index(["location", "indicator"])
    assert "hierarchical: not used for this series" in diag.loc[("US", "opioids"), "warnings"]
    assert "(US is the total of the locations it pools)" in diag.loc[("US", "opioids"),
                                                                    "warnings"]
    assert "not used" not in diag.loc[("US-OH", "opioids"), "warnings"]
    # the pooled member's checks are in the states' rows only
    assert np.isnan(diag.loc[("US", "opioids"), "r_hat_max"])
    assert np.isfinite(diag.loc[("US-OH", "opioids"), "r_hat_max"])


def test_each_indicator_has_a_hierarchy_of_its_own(learnt):
    pooled = learnt.members["hierarchical"]
    assert list(pooled.fits) == INDICATORS
    for ind, fit in pooled.fits.items():
        # one PyMC model per indicator, pooling that indicator's three states only
        assert list(fit.idata.posterior["series"].values) == [f"{loc}|{ind}" for loc in
                                                               sorted(STATES)]
    assert len(pooled.diagnostics) == len(STATES) * len(INDICATORS)
    fc = pooled.forecast(2, n_samples=50, random_seed=1)
    alone = pooled.fits["opioids"].forecast(2, n_samples=50, random_seed=1)
    np.testing.assert_array_equal(fc.samples.sel(indicator="opioids").values,
                                  alone.samples.sel(indicator="opioids").values)
    assert fc.metadata["convergence"]["groups_checked"] == INDICATORS


def test_learnt_weights_weigh_only_the_members_backtested_on_the_series(learnt):
    table = learnt.past.table
    # the pooled member was backtested on the states only ...
    assert set(table.loc[table["model"] == "hierarchical", "location"]) == set(STATES)
    a, _ = learnt.past.crps_terms[("US", "opioids")]
    assert np.isfinite(a[0]) and np.isnan(a[1])
    # ... and each state's weights are the inverse of the two members' past WIS there
    scores = learnt.past.mean_scores(learnt.labels).set_index(["location", "indicator",
                                                               "model"])
    for loc in STATES:
        for ind in INDICATORS:
            inverse = 1 / scores.loc[[(loc, ind, "drift"), (loc, ind, "hierarchical")],
                                     "past_wis"].to_numpy()
            np.testing.assert_allclose(learnt.weights[(loc, ind)], inverse / inverse.sum())
            assert 0 < learnt.weights[(loc, ind)][1] < 1


def test_every_path_is_one_members_path_for_the_series_it_takes_part_in(learnt):
    fc = learnt.forecast(3, n_samples=300, random_seed=7)
    assert set(fc.locations) == {"US", *STATES}
    own = [fit.forecast(3, n_samples=300, random_seed=member_seed(7, k))
           for k, fit in enumerate(learnt.members.values())]
    assert "US" not in own[1].locations  # the pooled member forecast its own series only
    for ind in INDICATORS:
        np.testing.assert_array_equal(fc.samples.sel(location="US", indicator=ind).values,
                                      own[0].samples.sel(location="US", indicator=ind))
        for loc in STATES:
            mixed = fc.samples.sel(location=loc, indicator=ind).values
            source = np.full(300, -1)
            for k, member in enumerate(own):
                paths = member.samples.sel(location=loc, indicator=ind).values
                source[(paths == mixed).all(axis=1)] = k
            assert (source >= 0).all()
            expected = proportional_counts(learnt.weights[(loc, ind)], 300)
            assert np.bincount(source, minlength=2).tolist() == expected.tolist()


def test_a_member_with_nothing_to_pool_or_no_weight_anywhere_is_refused_before_fitting(panel):
    us_only = panel[panel["location"] == "US"]
    with pytest.raises(DataError, match="needs at least two; the data leave US") as info:
        Ensemble(["drift", "hierarchical"]).fit(us_only)
    assert "leave 'hierarchical' out" in str(info.value)
    # the national series would be left with the weight of none of its members
    with pytest.raises(ParameterError, match="0 for every member that forecasts series US"):
        Ensemble(["drift", "hierarchical"], weights=[0, 1]).fit(panel)
    # a pooled member alone forecasts no national series
    with pytest.raises(DataError, match="no ensemble member forecasts series US all_drugs"):
        Ensemble(["hierarchical"]).fit(panel)


def test_new_york_city_is_pooled_into_the_state_and_used_for_neither():
    states = odforecast.load_dataset("states_annual")
    rows = states[states["location"].isin(["US-NY", "US-NYC", "US-NJ"])
                  & (states["indicator"] == "opioids") & (states["estimate"] == "reported")]
    part = HierarchicalBayes().member_data(rows)
    assert part.covers == {("US-NJ", "opioids")}
    merged = part.data.set_index(["location", "period_end"])["value"]
    ny = rows.set_index(["location", "period_end"])["value"]
    year = pd.Timestamp("2019-12-31")
    assert merged[("US-NY", year)] == ny[("US-NY", year)] + ny[("US-NYC", year)]
    # without a population the city is a location like any other
    assert HierarchicalBayes(population=None).member_data(rows).covers is not None
    assert len(HierarchicalBayes(population=None).member_data(rows).covers) == 3


def test_new_york_city_that_cannot_be_added_into_the_state_leaves_both_out():
    states = odforecast.load_dataset("states_annual")
    rows = states[states["location"].isin(["US-NY", "US-NYC", "US-NJ", "US-CT"])
                  & (states["indicator"] == "opioids") & (states["estimate"] == "reported")]
    rows = rows.copy()
    # one year of the city withheld: the state + city sum is unknown that year
    withheld = (rows["location"] == "US-NYC") & (rows["period_end"] == "2019-12-31")
    rows.loc[withheld, "value"] = np.nan
    part = HierarchicalBayes().member_data(rows)
    assert set(part.data["location"]) == {"US-NJ", "US-CT"}
    assert part.covers == {("US-NJ", "opioids"), ("US-CT", "opioids")}
    assert "Census has no population of New York City alone" in part.reasons["US-NY"]
    assert set(part.reasons) == {"US-NY", "US-NYC"}

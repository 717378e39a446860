"""Scoring functions of odforecast.evaluate: hand-computed cases, closed forms, invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from odforecast.errors import DataError
from odforecast.evaluate.scores import (
    coverage,
    crps_sample,
    interval_score,
    mae,
    mape,
    mase,
    pinball_loss,
    pit,
    relative_wis,
    wis,
)

# The 23 quantile levels of the US COVID-19 Forecast Hub: binary floats such as 0.975 are not
# exactly 1 - 0.025, so they exercise the symmetry tolerance.
HUB_LEVELS = np.array([0.01, 0.025, *np.round(np.arange(0.05, 0.951, 0.05), 2), 0.975, 0.99])


def crps_normal(y, mu=0.0, sigma=1.0):
    """Closed-form CRPS of N(mu, sigma^2) (Gneiting & Raftery 2007; scoringRules crps_norm).

    CRPS = sigma * (z (2 Phi(z) - 1) + 2 phi(z) - 1 / sqrt(pi)),  z = (y - mu) / sigma.
    """
    z = (np.asarray(y, dtype=float) - mu) / sigma
    return sigma * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / np.sqrt(np.pi))


def crps_naive(y, x):
    """The O(n^2) energy form E|X - y| - 0.5 E|X - X'| of the ensemble's empirical CDF."""
    x = np.asarray(x, dtype=float)
    return np.mean(np.abs(x - y)) - 0.5 * np.mean(np.abs(x[:, None] - x[None, :]))


# ---------------------------------------------------------------------------------------------
# crps_sample


def test_crps_sample_hand_computed_three_members():
    # x = (1, 2, 4), y = 3.
    # E|X - y| = (2 + 1 + 1) / 3 = 4/3.
    # E|X - X'| over the 9 ordered pairs = 2 * (|1-2| + |1-4| + |2-4|) / 9 = 2 * 6 / 9 = 4/3,
    # half of it 2/3, so CRPS = 4/3 - 2/3 = 2/3.
    assert crps_sample(3.0, [1.0, 2.0, 4.0]) == pytest.approx(2 / 3, rel=1e-15)
    # Order of the members is irrelevant.
    assert crps_sample(3.0, [4.0, 1.0, 2.0]) == pytest.approx(2 / 3, rel=1e-15)


def test_crps_sample_hand_computed_with_ties():
    # x = (0, 0, 2), y = 0: E|X - y| = 2/3; pairs |0-2| twice among the 3 unordered pairs, so
    # E|X - X'| = 2 * (2 + 2) / 9 = 8/9, half 4/9; CRPS = 2/3 - 4/9 = 2/9.
    assert crps_sample(0.0, [0.0, 0.0, 2.0]) == pytest.approx(2 / 9, rel=1e-15)


@pytest.mark.parametrize(("y", "x"), [(3.0, 1.0), (-2.5, 4.0), (7.0, 7.0)])
@pytest.mark.parametrize("n", [1, 5, 100])
def test_crps_of_a_point_mass_is_the_absolute_error(y, x, n):
    assert crps_sample(y, np.full(n, x)) == pytest.approx(abs(y - x), abs=1e-12)


def test_crps_normal_closed_form_published_values():
    # scoringRules: crps_norm(0, 0, 1) = (sqrt(2) - 1) / sqrt(pi) = 0.2336949772551091...,
    # since 2 phi(0) = sqrt(2 / pi).  For y = 1: 0.6826894921 + 0.4839414490 - 0.5641895835.
    assert crps_normal(0.0) == pytest.approx((np.sqrt(2) - 1) / np.sqrt(np.pi), rel=1e-14)
    assert crps_normal(0.0) == pytest.approx(0.2336949772551091, rel=1e-12)
    assert crps_normal(1.0) == pytest.approx(0.6024413576276163, rel=1e-12)
    # Scale equivariance: CRPS(N(mu, sigma^2), mu + sigma z) = sigma * CRPS(N(0, 1), z).
    assert crps_normal(13.0, mu=10.0, sigma=3.0) == pytest.approx(3 * crps_normal(1.0))


@pytest.mark.parametrize(("y", "tol"), [(0.0, 0.0025), (1.0, 0.008)])
def test_crps_sample_of_normal_draws_matches_closed_form(y, tol):
    # 200,000 draws of N(0, 1).  Over 20 seeds the estimator's standard deviation was 0.0005
    # (y = 0) and 0.0016 (y = 1); the tolerances are 5 of those standard errors.
    samples = np.random.default_rng(20240611).standard_normal(200_000)
    assert crps_sample(y, samples) == pytest.approx(crps_normal(y), abs=tol)


@pytest.mark.parametrize("y", [0.0, 1.0, -2.5])
def test_crps_sample_of_normal_quantile_grid_matches_closed_form(y):
    # The midpoint quantiles Phi^-1((i - 1/2) / n) remove the Monte-Carlo error: what is left is
    # the O(1/n^2)-ish discretisation of the integral, ~1e-10 at n = 200,000.
    n = 200_000
    grid = stats.norm.ppf((np.arange(1, n + 1) - 0.5) / n)
    assert crps_sample(y, grid) == pytest.approx(crps_normal(y), abs=1e-8)


def test_crps_sample_vectorised_and_axis():
    rng = np.random.default_rng(1)
    samples = rng.normal(size=(3, 4, 25))
    y = rng.normal(size=(3, 4))
    got = crps_sample(y, samples)
    assert got.shape == (3, 4)
    for i in range(3):
        for j in range(4):
            assert got[i, j] == pytest.approx(crps_naive(y[i, j], samples[i, j]), rel=1e-12)
    # Members on the first axis.
    np.testing.assert_allclose(crps_sample(y, np.moveaxis(samples, -1, 0), axis=0), got)
    # A scalar y broadcasts against a batch of ensembles.
    np.testing.assert_allclose(
        crps_sample(0.5, samples), [[crps_naive(0.5, s) for s in row] for row in samples]
    )


def test_crps_sample_nan_propagates_and_errors():
    assert np.isnan(crps_sample(np.nan, [1.0, 2.0]))
    assert np.isnan(crps_sample(1.0, [1.0, np.nan]))
    with pytest.raises(DataError, match="at least one member"):
        crps_sample(1.0, np.empty(0))
    with pytest.raises(DataError, match="broadcast"):
        crps_sample(np.zeros(3), np.zeros((4, 10)))


@st.composite
def _ensemble_and_y(draw):
    values = st.one_of(
        st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False),
        st.integers(-5, 5).map(float),  # many ties, as with small death counts
    )
    x = draw(st.lists(values, min_size=1, max_size=40))
    y = draw(st.one_of(values, st.sampled_from(x)))  # sometimes tied with a member
    return y, np.array(x)


@settings(max_examples=50, deadline=None)
@given(_ensemble_and_y())
def test_crps_sample_equals_naive_double_sum(case):
    y, x = case
    got = crps_sample(y, x)
    assert got >= 0
    scale = 1.0 + np.max(np.abs(x)) + abs(y)
    assert got == pytest.approx(crps_naive(y, x), rel=1e-9, abs=1e-12 * scale)


# ---------------------------------------------------------------------------------------------
# interval_score and coverage


@pytest.mark.parametrize(
    ("y", "expected"),
    [
        # 80% interval [2, 6] (alpha = 0.2, so 2 / alpha = 10), width 4.
        (4.0, (4.0, 4.0, 0.0, 0.0)),  # inside: width only
        (8.0, (24.0, 4.0, 0.0, 20.0)),  # 2 above the upper bound: 4 + 10 * 2
        (1.0, (14.0, 4.0, 10.0, 0.0)),  # 1 below the lower bound: 4 + 10 * 1
        (6.0, (4.0, 4.0, 0.0, 0.0)),  # on the bound: no penalty
    ],
)
def test_interval_score_hand_computed(y, expected):
    s = interval_score(y, 2.0, 6.0, alpha=0.2)
    got = (s["interval_score"], s["dispersion"], s["overprediction"], s["underprediction"])
    assert got == pytest.approx(expected, rel=1e-15)


def test_interval_score_covidhubutils_single_interval():
    # Fixture of the covidHubUtils / scoringutils test suite ("wis is correct, 1 interval only"):
    # y = (1, -15, 22), 80% intervals [-1, 3], [-2, 4], [-2, 4].  Their expected WIS of one
    # interval is (alpha / 2) * IS = 0.1 * width + (l - y)+ + (y - u)+:
    # 0.1 * 4 = 0.4;  0.1 * 6 + (-2 + 15) = 13.6;  0.1 * 6 + (22 - 4) = 18.6.
    s = interval_score([1.0, -15.0, 22.0], [-1.0, -2.0, -2.0], [3.0, 4.0, 4.0], alpha=0.2)
    np.testing.assert_allclose(0.1 * s["interval_score"], [0.4, 13.6, 18.6], rtol=1e-14)


def test_interval_score_parts_sum_and_broadcast():
    rng = np.random.default_rng(2)
    y = rng.normal(size=(5, 7))
    lower = rng.normal(-1, 0.5, size=(5, 7))
    upper = lower + rng.exponential(size=(5, 7))
    alpha = np.array([0.02, 0.1, 0.2, 0.5, 0.9, 1.0, 0.3])  # broadcasts along the last axis
    s = interval_score(y, lower, upper, alpha)
    total = s["dispersion"] + s["overprediction"] + s["underprediction"]
    np.testing.assert_array_equal(total, s["interval_score"])
    assert s["interval_score"].shape == (5, 7)


def test_interval_score_rejects_bad_alpha_and_crossed_bounds():
    with pytest.raises(DataError, match="alpha"):
        interval_score(1.0, 0.0, 2.0, alpha=0.0)
    with pytest.raises(DataError, match="alpha"):
        interval_score(1.0, 0.0, 2.0, alpha=1.5)
    with pytest.raises(DataError, match="lower > upper"):
        interval_score([1.0, 1.0], [0.0, 3.0], [2.0, 2.0], alpha=0.5)


def test_coverage_is_inclusive():
    got = coverage([1.0, 3.0, 2.0, 0.999, 3.001, np.nan], 1.0, 3.0)
    np.testing.assert_array_equal(got, [True, True, True, False, False, False])
    assert coverage(2.0, 2.0, 2.0)  # a degenerate interval covers its own point
    assert isinstance(coverage(2.0, 1.0, 3.0), np.bool_)
    with pytest.raises(DataError, match="lower > upper"):
        coverage(2.0, 3.0, 1.0)


# ---------------------------------------------------------------------------------------------
# wis and pinball_loss

LEVELS5 = [0.1, 0.25, 0.5, 0.75, 0.9]


def test_wis_hand_computed_with_decomposition():
    # Median 5, 50% interval [3, 7] (alpha 0.5, w 0.25), 80% interval [2, 8] (alpha 0.2, w 0.1),
    # y = 9 above everything; K = 2, normaliser K + 1/2 = 2.5.
    #   median:  w0 |y - m| = 0.5 * 4 = 2
    #   80%:     w * IS = 0.1 * (6 + 10 * (9 - 8)) = 1.6
    #   50%:     w * IS = 0.25 * (4 + 4 * (9 - 7)) = 3
    #   WIS = (2 + 1.6 + 3) / 2.5 = 2.64
    # dispersion (0.1 * 6 + 0.25 * 4) / 2.5 = 0.64, underprediction (2 + 1 + 2) / 2.5 = 2.
    q = [2.0, 3.0, 5.0, 7.0, 8.0]
    assert wis(9.0, LEVELS5, q) == pytest.approx(2.64, rel=1e-14)
    parts = wis(9.0, LEVELS5, q, decompose=True)
    assert parts["wis"] == pytest.approx(2.64, rel=1e-14)
    assert parts["dispersion"] == pytest.approx(0.64, rel=1e-14)
    assert parts["overprediction"] == 0.0
    assert parts["underprediction"] == pytest.approx(2.0, rel=1e-14)
    # Pinball form: tau (y - q) = 0.7 + 1.5 + 2 + 1.5 + 0.9 = 6.6, mean 1.32, twice 2.64.
    assert 2 * pinball_loss(9.0, LEVELS5, q).mean() == pytest.approx(2.64, rel=1e-14)


def test_wis_median_only_is_absolute_error():
    # K = 0: WIS = (1/2 |y - m|) / (1/2) = |y - m|.
    np.testing.assert_allclose(
        wis([1.0, -15.0, 22.0], [0.5], [[1.0], [2.0], [3.0]]), [0.0, 17.0, 19.0], rtol=1e-15
    )


def test_wis_covidhubutils_fixture():
    # The covidHubUtils test case reused in scoringutils' tests ("wis is correct, 2 intervals and
    # median - test corresponds to covidHubUtils"): y = (1, -15, 22), levels 0.1 ... 0.9.
    y = np.array([1.0, -15.0, 22.0])
    q = np.array([[-1, 0, 1, 2, 3], [-2, 1, 2, 2, 4], [-2, 0, 3, 3, 4]], dtype=float)
    # scoringutils' default (count_median_twice = FALSE) is Bracher et al.'s formula:
    #   (0.5 |y - m| + 0.1 (u1 - l1) + (l1 - y)+ + (y - u1)+ + 0.25 (u2 - l2) + ...) / 2.5
    # row 1: (0 + 0.4 + 0 + 0.5 + 0) / 2.5                      = 0.9 / 2.5   = 0.36
    # row 2: (8.5 + 0.6 + 13 + 0.25 + 16) / 2.5                 = 38.35 / 2.5 = 15.34
    # row 3: (9.5 + 0.6 + 18 + 0.75 + 19) / 2.5                 = 47.85 / 2.5 = 19.14
    expected = np.array([0.36, 15.34, 19.14])
    parts = wis(y, LEVELS5, q, decompose=True)
    np.testing.assert_allclose(parts["wis"], expected, rtol=1e-14)
    # dispersion (0.1 * 4 + 0.25 * 2, 0.1 * 6 + 0.25 * 1, 0.1 * 6 + 0.25 * 3) / 2.5
    np.testing.assert_allclose(parts["dispersion"], [0.36, 0.34, 0.54], rtol=1e-14)
    np.testing.assert_allclose(parts["overprediction"], [0.0, 15.0, 0.0], atol=1e-14)
    np.testing.assert_allclose(parts["underprediction"], [0.0, 0.0, 18.6], atol=1e-14)
    # Their count_median_twice = TRUE variant, (|y - m| + sum_k w_k IS_k) / (K + 1), is
    # ((K + 1/2) WIS + 1/2 |y - m|) / (K + 1) in terms of ours: 0.3, 46.85/3, 57.35/3.
    twice = (2.5 * parts["wis"] + 0.5 * np.abs(y - q[:, 2])) / 3
    np.testing.assert_allclose(twice, [0.3, 46.85 / 3, 57.35 / 3], rtol=1e-14)


def test_wis_decomposition_sums_exactly():
    rng = np.random.default_rng(3)
    q = np.sort(rng.normal(size=(4, 6, HUB_LEVELS.size)), axis=-1)
    y = rng.normal(size=(4, 6)) * 2
    parts = wis(y, HUB_LEVELS, q, decompose=True)
    total = parts["dispersion"] + parts["overprediction"] + parts["underprediction"]
    np.testing.assert_array_equal(total, parts["wis"])
    np.testing.assert_array_equal(parts["wis"], wis(y, HUB_LEVELS, q))
    assert parts["wis"].shape == (4, 6)


def test_wis_is_twice_the_mean_pinball_loss():
    # (alpha/2) IS_alpha(l, u; y) = rho_{alpha/2}(y, l) + rho_{1-alpha/2}(y, u) and
    # (1/2)|y - m| = rho_{1/2}(y, m), so (K + 1/2) WIS = sum of the 2K + 1 pinball losses and
    # WIS = (2K + 1) / (K + 1/2) * mean = 2 * mean pinball loss.
    rng = np.random.default_rng(4)
    q = np.sort(rng.gamma(2.0, 50.0, size=(10, HUB_LEVELS.size)), axis=-1)
    y = rng.poisson(100, size=10).astype(float)
    np.testing.assert_allclose(
        wis(y, HUB_LEVELS, q), 2 * pinball_loss(y, HUB_LEVELS, q).mean(axis=-1), rtol=1e-12
    )


def test_wis_with_one_interval_matches_interval_score():
    # K = 1: WIS = (0.5 |y - m| + (alpha / 2) IS_alpha) / 1.5.
    y, low, med, up, alpha = 10.0, 2.0, 4.0, 7.0, 0.1
    expected = (
        0.5 * abs(y - med) + alpha / 2 * interval_score(y, low, up, alpha)["interval_score"]
    ) / 1.5
    assert wis(y, [0.05, 0.5, 0.95], [low, med, up]) == pytest.approx(expected, rel=1e-14)


def test_wis_level_order_does_not_matter():
    rng = np.random.default_rng(5)
    q = np.sort(rng.normal(size=HUB_LEVELS.size))
    perm = rng.permutation(HUB_LEVELS.size)
    assert wis(0.3, HUB_LEVELS[perm], q[perm]) == wis(0.3, HUB_LEVELS, q)


@pytest.mark.parametrize("y", [0.0, 0.5, 1.0, 2.0, -3.0])
def test_wis_approaches_crps_as_levels_densify(y):
    # 99 levels 0.01 ... 0.99 of N(0, 1): WIS is a quadrature of CRPS = 2 int rho_tau dtau;
    # here it is about 1% above the closed form.
    levels = np.arange(1, 100) / 100
    got = wis(y, levels, stats.norm.ppf(levels))
    assert got == pytest.approx(crps_normal(y), rel=0.02)
    # And the coarse hub set is a worse approximation than the dense one.
    coarse = wis(y, HUB_LEVELS, stats.norm.ppf(HUB_LEVELS))
    assert abs(coarse - crps_normal(y)) > abs(got - crps_normal(y))


@pytest.mark.parametrize(
    "levels",
    [
        [0.1, 0.5, 0.8],  # not symmetric
        [0.1, 0.9],  # no median
        [0.25, 0.5, 0.75, 0.9],  # unpaired level
    ],
)
def test_wis_rejects_asymmetric_levels(levels):
    with pytest.raises(DataError, match=r"quantile_levels must be symmetric around 0\.5"):
        wis(1.0, levels, np.arange(len(levels), dtype=float))


def test_wis_rejects_bad_inputs():
    with pytest.raises(DataError, match="strictly between 0 and 1"):
        wis(1.0, [0.0, 0.5, 1.0], [0.0, 1.0, 2.0])
    with pytest.raises(DataError, match="repeat"):
        wis(1.0, [0.5, 0.5], [1.0, 1.0])
    with pytest.raises(DataError, match="last axis of length 5"):
        wis(1.0, LEVELS5, [1.0, 2.0, 3.0])
    with pytest.raises(DataError, match="non-decreasing"):
        wis(1.0, LEVELS5, [1.0, 2.0, 3.0, 2.5, 4.0])


def test_wis_nan_propagates():
    got = wis([1.0, np.nan], LEVELS5, [[0, 1, 2, 3, 4], [0, 1, 2, 3, 4]])
    assert np.isfinite(got[0]) and np.isnan(got[1])


def test_pinball_loss_hand_computed():
    # tau = 0.1, q = 2, y = 4: y >= q, loss tau (y - q) = 0.2.
    # tau = 0.9, q = 10, y = 4: y < q, loss (1 - tau)(q - y) = 0.6.
    # tau = 0.5, q = 4 = y: 0.
    np.testing.assert_allclose(
        pinball_loss(4.0, [0.1, 0.9, 0.5], [2.0, 10.0, 4.0]), [0.2, 0.6, 0.0], rtol=1e-14
    )
    got = pinball_loss(np.zeros((2, 3)), [0.3], np.ones((2, 3, 1)))
    assert got.shape == (2, 3, 1)
    np.testing.assert_allclose(got, 0.7)


@st.composite
def _quantile_forecast(draw):
    inner = draw(st.lists(st.integers(1, 49), min_size=0, max_size=8, unique=True))
    lower = np.array(sorted(inner)) / 100
    levels = np.concatenate([lower, [0.5], 1 - lower[::-1]])
    values = draw(st.lists(st.floats(-1e4, 1e4), min_size=levels.size, max_size=levels.size))
    y = draw(st.floats(-1e4, 1e4))
    return y, levels, np.sort(values)


@settings(max_examples=50, deadline=None)
@given(_quantile_forecast())
def test_wis_is_nonnegative_and_twice_mean_pinball(case):
    y, levels, q = case
    parts = wis(y, levels, q, decompose=True)
    assert parts["wis"] >= 0
    assert parts["dispersion"] >= 0
    assert parts["overprediction"] >= 0 and parts["underprediction"] >= 0
    assert parts["wis"] == pytest.approx(2 * pinball_loss(y, levels, q).mean(), rel=1e-9, abs=1e-9)


# ---------------------------------------------------------------------------------------------
# pit


def test_pit_hand_computed_with_ties():
    # Members (1, 2, 2, 3), y = 2: F(2-) = #{x < 2} / 4 = 1/4, F(2) = #{x <= 2} / 4 = 3/4.
    x = [1.0, 2.0, 2.0, 3.0]
    assert pit(2.0, x, randomized=False) == 0.5
    draws = pit(np.full(2000, 2.0), np.tile(x, (2000, 1)), random_seed=0)
    assert draws.min() >= 0.25 and draws.max() <= 0.75
    assert draws.std() > 0.1  # really spread over [1/4, 3/4] (uniform sd is 0.144)
    # No tie: F(y-) = F(y), the randomization has no effect.
    assert pit(2.5, x, random_seed=1) == 0.75
    # Below / above every member.
    assert pit(0.0, x, random_seed=1) == 0.0
    assert pit(9.0, x, random_seed=1) == 1.0


def test_pit_is_reproducible_from_the_seed():
    rng = np.random.default_rng(6)
    x = rng.poisson(3, size=(50, 20)).astype(float)
    y = rng.poisson(3, size=50).astype(float)
    a = pit(y, x, random_seed=42)
    np.testing.assert_array_equal(a, pit(y, x, random_seed=42))
    assert not np.array_equal(a, pit(y, x, random_seed=43))
    np.testing.assert_array_equal(pit(y, x.T, axis=0, random_seed=42), a)


def test_randomized_pit_of_calibrated_counts_is_uniform():
    # Observations and 1,000-member ensembles from the same Poisson(4): heavy ties, yet the
    # randomized PIT is uniform (Czado et al. 2009); the mid-PIT is visibly not.
    rng = np.random.default_rng(7)
    y = rng.poisson(4.0, size=3000).astype(float)
    x = rng.poisson(4.0, size=(3000, 1000)).astype(float)
    u = pit(y, x, random_seed=8)
    assert stats.kstest(u, "uniform").pvalue > 0.01
    assert stats.kstest(pit(y, x, randomized=False), "uniform").pvalue < 1e-6


def test_pit_nan_propagates():
    got = pit([1.0, np.nan, 1.0], [[0.0, 2.0], [0.0, 2.0], [np.nan, 2.0]], random_seed=0)
    assert got[0] == 0.5 and np.isnan(got[1]) and np.isnan(got[2])


@settings(max_examples=50, deadline=None)
@given(_ensemble_and_y(), st.integers(0, 2**32 - 1))
def test_pit_lies_between_the_left_and_right_limits(case, seed):
    y, x = case
    u = pit(y, x, random_seed=seed)
    lo, hi = np.mean(x < y), np.mean(x <= y)
    assert 0.0 <= lo <= u <= hi <= 1.0


# ---------------------------------------------------------------------------------------------
# point errors and relative WIS


def test_mae_and_mape_hand_computed():
    # |1-2| + |2-2| + |3-6| = 4 over 3.
    assert mae([1.0, 2.0, 3.0], [2.0, 2.0, 6.0]) == pytest.approx(4 / 3, rel=1e-15)
    # 100 * (10/100 + 50/200) / 2 = 100 * 0.35 / 2 = 17.5
    assert mape([100.0, 200.0], [110.0, 150.0]) == pytest.approx(17.5, rel=1e-15)
    np.testing.assert_allclose(mae([[1.0, 3.0], [0.0, 0.0]], 1.0, axis=-1), [1.0, 1.0])


def test_mape_rejects_zero_observations():
    with pytest.raises(DataError, match=r"y is 0: y has 1 zero value\(s\) \(first at index \(1,\)"):
        mape([5.0, 0.0, 3.0], [1.0, 1.0, 1.0])


def test_mase_hand_computed():
    insample = [1.0, 3.0, 2.0, 5.0]
    # m = 1: naive errors |3-1|, |2-3|, |5-2| = 2, 1, 3 -> scale 2; errors |6-5|, |4-7| = 1, 3
    # -> mean 2 -> MASE 1.
    assert mase([6.0, 4.0], [5.0, 7.0], insample) == pytest.approx(1.0, rel=1e-15)
    # m = 2: |2-1|, |5-3| = 1, 2 -> scale 1.5 -> MASE 2 / 1.5 = 4/3.
    assert mase([6.0, 4.0], [5.0, 7.0], insample, m=2) == pytest.approx(4 / 3, rel=1e-15)


def test_mase_scales_each_series_by_its_own_insample():
    insample = np.array([[1.0, 3.0, 2.0, 5.0], [0.0, 10.0, 0.0, 10.0]])  # scales 2 and 10
    y = np.array([[6.0, 4.0], [0.0, 0.0]])
    yhat = np.array([[5.0, 7.0], [5.0, 15.0]])  # mean abs errors 2 and 10
    np.testing.assert_allclose(mase(y, yhat, insample, axis=-1), [1.0, 1.0], rtol=1e-15)
    assert mase(y, yhat, insample) == pytest.approx(1.0)


def test_mase_errors():
    with pytest.raises(DataError, match="scale is 0"):
        mase([1.0], [2.0], [3.0, 3.0, 3.0])
    with pytest.raises(DataError, match="at least m \\+ 1 = 13 values"):
        mase([1.0], [2.0], np.arange(12.0), m=12)
    with pytest.raises(DataError, match="m must be a positive integer"):
        mase([1.0], [2.0], np.arange(12.0), m=0)


def test_relative_wis_uses_only_pairs_where_both_are_finite():
    # Pairs 3 (NaN baseline) and 4 (inf model) are dropped: (2 + 4) / (4 + 4) = 0.75.
    model = [2.0, 4.0, 9.0, np.inf]
    baseline = [4.0, 4.0, np.nan, 1.0]
    assert relative_wis(model, baseline) == pytest.approx(0.75, rel=1e-15)
    got = relative_wis([[1.0, 3.0], [np.nan, 5.0]], [[2.0, 2.0], [1.0, 10.0]], axis=-1)
    np.testing.assert_allclose(got, [1.0, 0.5])
    with pytest.raises(DataError, match="both model_wis and baseline_wis are finite"):
        relative_wis([np.nan, 1.0], [1.0, np.nan])

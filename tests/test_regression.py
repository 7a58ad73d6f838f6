"""Speed work must not change results: the same seed gives the same tables as the
stored ones (tests/data/regression, made by tests/make_regression.py)."""

from pathlib import Path

import pandas as pd
import pytest

from make_regression import CASES, tables

DATA = Path(__file__).parent / "data" / "regression"


@pytest.mark.parametrize("scenario,seed", CASES)
def test_same_tables_as_before(scenario, seed):
    model, actors, outcome = tables(scenario, seed)
    expected_model = pd.read_parquet(DATA / f"{scenario}-{seed}-model.parquet")
    assert outcome == expected_model.pop("outcome").iloc[0]
    # floating-point sums may differ in the last bits after a rewrite; nothing else may
    pd.testing.assert_frame_equal(model, expected_model, check_exact=False, rtol=1e-9, atol=1e-12)
    pd.testing.assert_frame_equal(actors, pd.read_parquet(DATA / f"{scenario}-{seed}-actors.parquet"),
                                  check_exact=False, rtol=1e-9, atol=1e-12)

"""MICOM before the permutation MGA: its verdict comes first, and path differences between
groups whose composites differ are not interpreted (Henseler, Ringle & Sarstedt 2016)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from patron.analyze.csi.mga import PermutationMGA
from patron.analyze.csi.micom import micom
from patron.cli.main import app


@pytest.fixture(scope="module")
def thirds(mobi: pd.DataFrame) -> pd.DataFrame:
    return mobi.assign(half=np.where(np.arange(len(mobi)) % 3 == 0, "third", "rest"))


@pytest.fixture(scope="module")
def broken(thirds: pd.DataFrame) -> pd.DataFrame:
    # In one group two items are shuffled: image (at least) is another composite there.
    data = thirds.copy()
    rng = np.random.default_rng(0)
    rest = data["half"] == "rest"
    for item in ("IMAG1", "CUEX1"):
        data.loc[rest, item] = rng.permutation(data.loc[rest, item].to_numpy())
    return data


def test_invariant_groups_are_compared(thirds):
    mga = PermutationMGA(group="half", groups=("third", "rest"), n_permutations=200, seed=1)
    mga.fit(thirds)
    direct = micom(
        thirds, "half", spec="ecsi", groups=("third", "rest"), n_permutations=200, seed=1
    )
    assert mga.micom_.verdict == direct.verdict == "full"
    np.testing.assert_allclose(mga.micom_.table["c"], direct.table["c"], atol=1e-12)
    assert mga.micom_.table.loc["image", "c"] == pytest.approx(0.9981, abs=1e-4)
    assert mga.interpretable_
    text = mga._printer().to_text()
    assert "MICOM: full measurement invariance" in text
    payload = mga.to_dict()
    assert payload["interpretable"] is True
    assert payload["micom"]["verdict"] == "full"


def test_no_compositional_invariance_no_interpretation(broken):
    mga = PermutationMGA(group="half", groups=("third", "rest"), n_permutations=200, seed=1)
    mga.fit(broken)
    assert mga.micom_.verdict == "none"
    table = mga.micom_.table
    assert not table.loc["image", "compositional"]
    assert table.loc["quality", "compositional"]
    assert not mga.interpretable_
    text = mga._printer().to_text()
    assert "Path differences are not interpreted" in text
    assert "differs between" not in text  # no significant-difference notes
    assert mga.to_dict()["interpretable"] is False
    # The path test itself still ran (the numbers are there for whoever reads them).
    assert len(mga.summary) == 12 + 6


def test_command_prints_micom_first(tmp_path, broken):
    path = tmp_path / "answers.csv"
    broken.to_csv(path, index=False)
    runner = CliRunner()
    args = ["csi", "mga", str(path), "--group", "half", "--permutations", "100", "--seed", "1"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.index("Measurement invariance (MICOM)") < out.index("Permutation multigroup")
    assert "Path differences are not interpreted" in out
    skipped = runner.invoke(app, [*args, "--no-micom"])
    assert skipped.exit_code == 0, skipped.output
    assert "Measurement invariance (MICOM)" not in skipped.output
    assert "was not checked" in skipped.output

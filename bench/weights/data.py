"""Benchmark data: respondents on 4 margins (age 9 levels, sex 2, ethnicity 5, ward 20), skewed.

Shared by ``run.py`` and ``peer_balance.py`` (which runs in its own virtual environment, so this
module imports only numpy). Data are integer codes saved as ``.npy``; margins as JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

VARIABLES = ("age_band", "sex", "ethnic_group", "ward")


def make(n: int, margins: dict[str, dict[str, float]], seed: int = 2023) -> dict[str, np.ndarray]:
    """Integer codes per variable, skewed away from the population (older, female, White)."""
    rng = np.random.default_rng(seed)
    out = {}
    for variable in VARIABLES:
        pop = np.array(list(margins[variable].values()))
        share = pop / pop.sum()
        tilt = {"age_band": np.linspace(0.3, 1.7, len(pop)), "sex": np.array([1.3, 0.7]),
                "ethnic_group": np.array([0.3, 0.3, 0.3, 1.25, 0.3])}.get(variable, rng.uniform(0.5, 1.5, len(pop)))
        p = share * tilt
        out[variable] = rng.choice(len(pop), n, p=p / p.sum()).astype(np.int32)
    return out


def save(folder: Path, codes: dict[str, np.ndarray], margins: dict[str, dict[str, float]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for variable, values in codes.items():
        np.save(folder / f"{variable}.npy", values)
        values.astype("<i4").tofile(folder / f"{variable}.i32")
    (folder / "margins.json").write_text(json.dumps(margins))


def load(folder: Path) -> tuple[dict[str, np.ndarray], dict[str, dict[str, float]]]:
    margins = json.loads((folder / "margins.json").read_text())
    return {v: np.load(folder / f"{v}.npy") for v in VARIABLES}, margins

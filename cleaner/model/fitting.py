"""Fitting the content model's boosted trees with LightGBM (`make train` only).

LightGBM, single-threaded and deterministic, fits the 800 benchmark pages' 200,000
blocks in seconds, where a numpy fitter took minutes, and the same pages give the same
file byte for byte. It is only needed to train (`pip install cleaner[train]`): the
fitted trees are copied into a `Trees`, which scores pages with numpy alone, so
cleaning never imports this module.
"""

from __future__ import annotations

from collections.abc import Sequence

import lightgbm
import numpy as np

from cleaner.model.trees import Trees

#: Histogram bins per feature for the split search: 63 resolves every threshold the
#: features need (densities to ~0.02, lengths to a few words).
BINS = 63
#: A leaf needs this much hessian weight (lines are weighted by tokens, a page sums to
#: `PAGE_WEIGHT` in `cleaner.model.train`) and this many rows: no leaf is fitted on a
#: handful of lines of one page.
MIN_LEAF_WEIGHT = 1.0
MIN_LEAF_ROWS = 40
#: L2 penalty on leaf values: shrinks leaves with little weight towards zero.
L2 = 1.0


def _flatten(node: dict, out: dict[str, list], depth: int = 0) -> tuple[int, int]:
    """Append a LightGBM tree node (and its subtree) to flat arrays; (its index, depth)."""
    at = len(out["feature"])
    for key in out:
        out[key].append(0)
    if "leaf_value" in node:
        out["feature"][at], out["value"][at] = -1, float(node["leaf_value"])
        return at, depth
    if node.get("decision_type") != "<=" or node.get("missing_type") not in (None, "None"):
        raise ValueError("only numeric '<=' splits without missing values are supported")
    # LightGBM goes left when x <= t; these trees go left when x < t': t' is the next float
    out["feature"][at] = int(node["split_feature"])
    out["threshold"][at] = float(np.nextafter(float(node["threshold"]), np.inf))
    left, dl = _flatten(node["left_child"], out, depth + 1)
    right, dr = _flatten(node["right_child"], out, depth + 1)
    out["left"][at], out["right"][at] = left, right
    return at, max(dl, dr)


def fit(X: np.ndarray, y: np.ndarray, w: np.ndarray, names: Sequence[str], trees: int = 100,
        depth: int = 4, rate: float = 0.1, leaves: int = 15) -> Trees:
    """Fit boosted trees to labels y (0/1) with row weights w, with LightGBM.

    LightGBM is only needed to train (`pip install cleaner[train]`): the fitted
    trees are copied into a `Trees`, which scores pages with numpy alone. One
    thread, fixed bins, no sampling: the same data gives the same trees.
    """
    params = {
        "objective": "binary", "learning_rate": rate, "num_leaves": leaves,
        "max_depth": depth, "min_data_in_leaf": MIN_LEAF_ROWS,
        "min_sum_hessian_in_leaf": MIN_LEAF_WEIGHT, "lambda_l2": L2, "max_bin": BINS,
        "deterministic": True, "force_row_wise": True, "num_threads": 1, "seed": 0,
        "verbose": -1, "feature_pre_filter": False,
    }
    data = lightgbm.Dataset(np.asarray(X, dtype=np.float64), label=np.asarray(y, dtype=np.float64),
                            weight=np.asarray(w, dtype=np.float64), free_raw_data=True)
    booster = lightgbm.train(params, data, num_boost_round=trees)
    dumped = booster.dump_model()["tree_info"]
    flat = []
    deepest = 0
    for info in dumped:
        out: dict[str, list] = {"feature": [], "threshold": [], "left": [], "right": [],
                                "value": []}
        _, d = _flatten(info["tree_structure"], out)
        deepest = max(deepest, d)
        flat.append(out)
    size = max(len(t["feature"]) for t in flat)

    def padded(key: str, fill: float, dtype: type) -> np.ndarray:
        return np.array([t[key] + [fill] * (size - len(t[key])) for t in flat], dtype=dtype)

    # the first tree's leaves hold the starting log-odds (LightGBM boosts from the average)
    return Trees(tuple(names), 0.0, 1.0, padded("feature", -1, np.int64),
                 padded("threshold", 0.0, np.float64), padded("left", 0, np.int64),
                 padded("right", 0, np.int64), padded("value", 0.0, np.float64), deepest)

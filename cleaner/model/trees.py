"""Boosted trees for the content model: scored with numpy, shipped as JSON.

The trees are fitted by LightGBM at training time (`cleaner.model.fitting`) and
copied into flat arrays (`Trees`) that numpy walks for a page's few hundred blocks
in about a millisecond: cleaning reads them with numpy alone, so LightGBM is no
dependency of cleaning.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Trees:
    """A fitted model: per tree, flat node arrays (feature -1 marks a leaf).

    A row goes left at an inner node when its feature is below the threshold.
    """

    names: tuple[str, ...]
    base: float
    rate: float
    feature: np.ndarray  # (trees, nodes) int
    threshold: np.ndarray  # (trees, nodes) float
    left: np.ndarray  # (trees, nodes) int
    right: np.ndarray  # (trees, nodes) int
    value: np.ndarray  # (trees, nodes) float
    depth: int

    def decision(self, X: np.ndarray) -> np.ndarray:
        """Log-odds of content for each row of X (columns in `names` order)."""
        n = len(X)
        if n == 0:
            return np.zeros(0)
        trees = self.feature.shape[0]
        node = np.zeros((n, trees), dtype=np.int64)
        cols = np.arange(trees)
        for _ in range(self.depth):
            feat = self.feature[cols, node]
            inner = feat >= 0
            if not inner.any():
                break
            x = np.take_along_axis(X, np.maximum(feat, 0), axis=1)
            go_left = x < self.threshold[cols, node]
            nxt = np.where(go_left, self.left[cols, node], self.right[cols, node])
            node = np.where(inner, nxt, node)
        return self.base + self.rate * self.value[cols, node].sum(axis=1)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Probability of content for each row of X."""
        return 1.0 / (1.0 + np.exp(-self.decision(X)))

    def to_json(self) -> str:
        """The model as compact, deterministic JSON (floats as shortest repr)."""
        used = self.feature >= 0
        trees = []
        for t in range(self.feature.shape[0]):
            trees.append({
                "feature": self.feature[t].tolist(),
                "threshold": [float(v) if u else 0.0 for v, u in zip(self.threshold[t], used[t],
                                                                      strict=True)],
                "left": self.left[t].tolist(),
                "right": self.right[t].tolist(),
                "value": [float(v) for v in self.value[t]],
            })
        doc = {"names": list(self.names), "base": self.base, "rate": self.rate,
               "depth": self.depth, "trees": trees}
        return json.dumps(doc, separators=(",", ":"), sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Trees:
        """Load a model written by `to_json`."""
        doc = json.loads(text)
        trees = doc["trees"]

        def stack(key: str, dtype: type) -> np.ndarray:
            return np.array([t[key] for t in trees], dtype=dtype)

        return cls(tuple(doc["names"]), float(doc["base"]), float(doc["rate"]),
                   stack("feature", np.int64), stack("threshold", np.float64),
                   stack("left", np.int64), stack("right", np.int64),
                   stack("value", np.float64), int(doc["depth"]))

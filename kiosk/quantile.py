"""Quantiles by partial sorting, as np.quantile computes them (linear interpolation).

A frame takes several quantiles of a few hundred to a few thousand values; numpy's own function spends tens of
microseconds on each call before it sorts anything, which the per-frame budget of a few milliseconds feels.
"""
from __future__ import annotations

import numpy as np


def quantile(values: np.ndarray, q: float) -> float:
    """The q-quantile (0 to 1) of `values` (not empty)."""
    v = np.ravel(values)
    at = q * (len(v) - 1)
    lo = int(at)
    hi = min(lo + 1, len(v) - 1)
    part = np.partition(v, (lo, hi))
    return float(part[lo] + (at - lo) * (part[hi] - part[lo]))


def median(values: np.ndarray) -> float:
    return quantile(values, 0.5)

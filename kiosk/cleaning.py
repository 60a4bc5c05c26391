"""Stereo depth cleaned before it is measured: flying pixels and specks dropped, each surface smoothed within
itself. A pixel without depth is 0 and stays 0; a neighbour further off in depth than `tolerance` is another
surface, never averaged in.

Both compare each pair of neighbouring pixels once, on slices of the image (no padded copies): a frame cleans a
few thousand pixels, and at that size numpy's cost per call, not per pixel, is what the frame budget feels.
"""
from __future__ import annotations

import numpy as np

MIN_NEIGHBOURS = 4           # of 8: fewer consistent neighbours makes a pixel a flying pixel or a speck
_HALF_OF_EIGHT = ((0, 1), (1, 0), (1, 1), (1, -1))    # with their opposites, a pixel's 8 neighbours


def despeckle(depth: np.ndarray, tolerance: np.ndarray | float,
              min_neighbours: int = MIN_NEIGHBOURS) -> np.ndarray:
    """Drop flying pixels and specks: a real surface pixel has most of its 8 neighbours at a similar depth."""
    reach = _reach(depth, tolerance)
    count = np.zeros(depth.shape, dtype=np.int8)
    for dr, dc in _HALF_OF_EIGHT:
        a, b = neighbour_windows(depth.shape, dr, dc)
        apart = np.abs(depth[a] - depth[b])
        count[a] += apart < reach[a]
        count[b] += apart < reach[b]
    return np.where(count >= min_neighbours, depth, 0.0).astype(np.float32)


def smooth_depth(depth: np.ndarray, tolerance: np.ndarray | float) -> np.ndarray:
    """Edge-aware 3 x 3 mean, separable (down the columns, then along the rows)."""
    out = depth.astype(np.float32)
    for dr, dc in ((1, 0), (0, 1)):
        reach = _reach(out, tolerance)
        a, b = neighbour_windows(out.shape, dr, dc)
        apart = np.abs(out[a] - out[b])
        b_for_a, a_for_b = apart < reach[a], apart < reach[b]
        total, count = out.copy(), np.ones(out.shape, np.float32)
        total[a] += np.where(b_for_a, out[b], 0.0)
        count[a] += b_for_a
        total[b] += np.where(a_for_b, out[a], 0.0)
        count[b] += a_for_b
        out = total / count
    return out


def with_neighbours(mask: np.ndarray) -> np.ndarray:
    """The mask grown by each pixel's 8 neighbours (a 3 x 3 dilation, by the same slices as the cleaning)."""
    out = mask.copy()
    for dr, dc in _HALF_OF_EIGHT:
        a, b = neighbour_windows(mask.shape, dr, dc)
        out[a] |= mask[b]
        out[b] |= mask[a]
    return out


def _reach(depth: np.ndarray, tolerance: np.ndarray | float) -> np.ndarray:
    """How close a neighbour's depth must be to a pixel's to be the same surface. Never as much as the pixel's own
    depth: a neighbour without depth (0) is then never close, and a pixel without depth has no close neighbour."""
    return np.minimum(tolerance, depth)


def neighbour_windows(shape: tuple[int, int], dr: int, dc: int
                      ) -> tuple[tuple[slice, slice], tuple[slice, slice]]:
    """Windows (a, b) of an image of `shape` such that a's pixel i and b's pixel i are neighbours, b's offset by
    (dr, dc) from a's (dr >= 0)."""
    h, w = shape
    cols = (slice(0, w - dc), slice(dc, w)) if dc >= 0 else (slice(-dc, w), slice(0, w + dc))
    return (slice(0, h - dr), cols[0]), (slice(dr, h), cols[1])

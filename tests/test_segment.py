"""Surfaces on the measurer's grid: joined where depth is continuous, split where it jumps, and holes in a surface
bridged without joining what lies beyond them. Small hand-made depth grids (metres; 0 = no depth)."""
from __future__ import annotations

import numpy as np

from kiosk.segment import surfaces

NEAR_M, FAR_M = 1.75, 2.51       # a client, and a trainer's hand 0.76 m behind them
GAP_M = 0.065                    # the continuity gap at that depth (3 sigma + 3 cm)


def labelled(depth: np.ndarray) -> np.ndarray:
    return surfaces(depth > 0, depth, np.full(depth.shape, GAP_M, dtype=np.float32))


def test_a_hole_across_a_limb_keeps_it_one_surface_and_stays_unknown() -> None:
    depth = np.full((9, 5), NEAR_M, dtype=np.float32)
    depth[3:6, :] = 0.0                                     # three rows without depth across a shin
    labels = labelled(depth)
    assert len(np.unique(labels[labels > 0])) == 1
    assert not labels[3:6].any()


def test_a_depth_jump_splits_two_surfaces() -> None:
    depth = np.full((6, 8), NEAR_M, dtype=np.float32)
    depth[:, 4:] = FAR_M
    labels = labelled(depth)
    assert labels[0, 0] > 0 and labels[0, 7] > 0 and labels[0, 0] != labels[0, 7]


def test_a_hole_in_the_client_does_not_join_a_far_surface_seen_beside_it() -> None:
    # The client's edge (columns 0-3) has a stereo hole (column 3, rows 3-6) bridged top to bottom; a trainer's hand
    # far behind shows right beside the hole (columns 4-5), touching the client only across the hole.
    depth = np.full((10, 7), 0.0, dtype=np.float32)
    depth[:, :4] = NEAR_M
    depth[3:7, 3] = 0.0
    depth[3:7, 4:6] = FAR_M
    labels = labelled(depth)
    client, hand = labels[0, 0], labels[4, 5]
    assert client > 0 and hand > 0 and client != hand
    assert not labels[3:7, 3].any()

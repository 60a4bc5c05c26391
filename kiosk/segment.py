"""Which points of a frame are the client: the one body standing on the mark, and nothing else.

Pure (numpy, and scipy's connected-component labelling). Three steps, on the measurer's coarse grid:
- foreground: depth that stands in front of the background the calibration learned (by more than that pixel's
  noise); pixels with no depth are unknown, neither;
- surfaces: foreground pixels joined to their neighbours only where depth is continuous (a jump larger than the
  stereo noise at that depth separates a client from a bench behind them or a passer-by in front);
- the client: the standing, person-tall surface whose feet are nearest the mark. Everything else — a box, a
  bench, a kettlebell, a trainer beside the client — is someone or something else, never measured.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from calibration.camera import nearest_with_depth
from kiosk.cleaning import neighbour_windows
from kiosk.quantile import quantile

STANDING_TOP_M = 0.9        # a surface reaching this high can be a person (a client hinging deep stays above it)
FOOT_TOP_M = 0.12           # points lower than this are feet
REACH_M = 0.5               # feet this far from the client's other foot belong to someone else...
OTHER_FEET_PIXELS = 12      # ...when there are this many of them (not a few specks of noisy floor)
MIN_PERSON_PIXELS = 40      # coarse pixels: a person at 3 m is several hundred
FOOT_GAP_M = 0.06           # two feet: their points fall in two groups this far apart across the body...
FOOT_SHARE = 0.25           # ...each with at least this share of the foot points
MARK_AREA_M = (0.25, 0.15)  # (across, along) the heel line: where something left on the mark is noticed
OWN_PART_TOP = 0.65         # a low surface a person hides part of is their own (feet, legs, hands) if it is below
#                             this share of their top (legs reach half the stature; a hinge lowers the top)...
OWN_PART_REACH_M = 0.25     # ...and its middle is this close to theirs across...
NEAR_PX = 3                 # ...and it comes this close in the image (grid samples: a stereo shadow lies between)
HIDDEN_FEET_BELOW_M = 0.7   # a person hidden from here down by something in front may still stand on the floor
HIDING_GAP_M = 0.15         # what hides them is nearer the camera by at least this
BODY_REACH_M = ((-0.5, 0.5), (-0.6, 1.0))   # (across, along) from the heels: where a client's body can be — arms
#                             hanging or held out, hips pushed back (0.45 m at most), head forward in a deep hinge
HOLE_PX = 4                 # grid samples (12 px): the width of a stereo hole that still leaves one surface whole


@dataclass(frozen=True)
class Feet:
    x_m: float              # lateral middle of the feet
    heel_z_m: float         # the back of the feet relative to the heel line (+ = in front); the rearmost foot
    split_m: float          # how far one heel is in front of the other (0 with the feet side by side)
    seen: bool              # False: the feet are hidden (a box between camera and client): estimated from the shins


@dataclass(frozen=True)
class Scene:
    client: np.ndarray | None       # mask of the client's pixels on the grid, None when nobody is on the mark
    feet: Feet | None
    touched: bool                   # someone else is in contact with the client: this frame is not theirs alone
    left_on_mark: np.ndarray        # mask of surfaces (not a person) with a part on the mark: named on the attract
    #                                 screen, and never taken into the background
    anyone: bool                    # a person-tall surface anywhere in the zone (the client or not)

    @property
    def object_on_mark(self) -> bool:
        return bool(self.left_on_mark.any())


def surfaces(fg: np.ndarray, depth: np.ndarray, gap: np.ndarray) -> np.ndarray:
    """Label foreground pixels into surfaces whose depth is continuous from neighbour to neighbour (0 = none).

    A short run of pixels without depth (a stereo hole across a shin) does not split a surface whose depth agrees
    on both sides of it: it is filled with the depth between its ends for the labelling, so it joins only what is
    continuous with that depth (never a far surface seen beside the hole), and stays unlabelled (unknown, never
    measured). Where two neighbours' depths differ by more than `gap`, the farther one is set aside for the
    labelling, so a one-pixel moat separates the nearer surface from the farther; set-aside pixels then join the
    neighbouring surface they are continuous with.
    """
    bridge, depth, gap = _holes_filled(fg, depth, gap)
    fg = fg | bridge
    far = np.zeros_like(fg)
    for dr, dc in ((1, 0), (0, 1)):
        a, b = neighbour_windows(fg.shape, dr, dc)
        jump = fg[a] & fg[b] & (np.abs(depth[a] - depth[b]) > np.minimum(gap[a], gap[b]))
        far[a] |= jump & (depth[a] > depth[b])
        far[b] |= jump & (depth[b] > depth[a])
    labels, _ = ndimage.label(fg & ~far)
    r, c = np.nonzero(far)                  # the set-aside pixels (all foreground), few: worked on one by one
    h, w = fg.shape
    for dr, dc in ((0, 1), (0, -1), (1, 0), (-1, 0)):
        rn, cn = np.clip(r + dr, 0, h - 1), np.clip(c + dc, 0, w - 1)      # beyond the border: itself, unlabelled
        nb = labels[rn, cn]
        join = (labels[r, c] == 0) & (nb > 0) & (np.abs(depth[rn, cn] - depth[r, c]) <= gap[r, c])
        labels[r[join], c[join]] = nb[join]
    labels[bridge] = 0
    return labels


def _holes_filled(fg: np.ndarray, depth: np.ndarray, gap: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(the holes, depth and gap with them filled): pixels without depth in a run of at most HOLE_PX along a row or
    column, between two foreground pixels whose depths are as close as neighbours' on one surface (`gap`) — a hole
    in a surface, not the shadow between a near surface and a far one — given the mean depth and gap of its ends."""
    out = np.zeros(fg.shape, dtype=bool)
    depth, gap = depth.copy(), gap.copy()
    unknown = depth <= 0
    for axis in (0, 1):
        n = fg.shape[axis]
        before, after = nearest_with_depth(~unknown, axis)
        r, c = np.nonzero(unknown & (before >= 0) & (after < n) & (after - before - 1 <= HOLE_PX))
        ends = ((before[r, c], c), (after[r, c], c)) if axis == 0 else ((r, before[r, c]), (r, after[r, c]))
        (ra, ca), (rb, cb) = ends
        ok = (fg[ra, ca] & fg[rb, cb]
              & (np.abs(depth[ra, ca] - depth[rb, cb]) <= np.minimum(gap[ra, ca], gap[rb, cb])))
        r, c, ra, ca, rb, cb = r[ok], c[ok], ra[ok], ca[ok], rb[ok], cb[ok]
        out[r, c] = True
        depth[r, c] = 0.5 * (depth[ra, ca] + depth[rb, cb])
        gap[r, c] = 0.5 * (gap[ra, ca] + gap[rb, cb])
    return out, depth, gap


def _shifted(a: np.ndarray, dr: int, dc: int) -> np.ndarray:
    """a[r + dr, c + dc] at (r, c); 0 beyond the border."""
    out = np.zeros_like(a)
    h, w = a.shape
    out[max(-dr, 0):h - max(dr, 0), max(-dc, 0):w - max(dc, 0)] = a[max(dr, 0):h - max(-dr, 0),
                                                                      max(dc, 0):w - max(-dc, 0)]
    return out


def find_client(labels: np.ndarray, x: np.ndarray, y: np.ndarray, z: np.ndarray, depth: np.ndarray) -> Scene:
    """The client among the labelled surfaces (studio coordinates and camera depth per pixel); see the module's
    docstring."""
    count = int(labels.max())
    if count == 0:
        nothing = np.zeros(labels.shape, dtype=bool)
        return Scene(None, None, False, nothing, False)
    parts = _Parts(labels, x, y, z)
    tall = [k for k in np.flatnonzero(parts.sizes >= MIN_PERSON_PIXELS) if parts.of(k).top >= STANDING_TOP_M]
    best, best_distance = None, np.inf
    for k in tall:
        mask = _with_own_low_parts(parts, k)
        feet, crowded = _feet_of(mask, x, y, z, depth)
        if feet is None:
            continue
        distance = float(np.hypot(feet.x_m, feet.heel_z_m))
        if distance < best_distance:
            best, best_distance = (mask, feet, crowded or _beyond_reach(mask, x, z, feet)), distance
    if best is None:
        mark = (np.abs(x) < MARK_AREA_M[0]) & (np.abs(z) < MARK_AREA_M[1]) & (labels > 0)
        left = np.isin(labels, np.unique(labels[mark])) & (labels > 0) if mark.any() else np.zeros_like(mark)
        return Scene(None, None, False, left, len(tall) > 0)
    client, feet, touched = best
    return Scene(client, feet, touched, np.zeros(labels.shape, dtype=bool), True)


@dataclass(frozen=True)
class _Part:
    top: float              # highest point
    centre_x: float         # mean across
    z_span: tuple[float, float]
    middle_z: float         # mean along


class _Parts:
    """The labelled surfaces' sizes, and the few figures of a surface the search asks about, worked out only for
    the surfaces it asks about (within each one's bounding box: most labels are specks never asked about)."""

    def __init__(self, labels: np.ndarray, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> None:
        self.labels, self._x, self._y, self._z = labels, x, y, z
        self.sizes = np.bincount(labels.ravel())
        self.sizes[0] = 0
        self._boxes = ndimage.find_objects(labels)
        self._known: dict[int, _Part] = {}

    def of(self, k: int) -> _Part:
        if k not in self._known:
            box = self._boxes[k - 1]
            mine = self.labels[box] == k
            px, py, pz = self._x[box][mine], self._y[box][mine], self._z[box][mine]
            self._known[k] = _Part(float(py.max()), float(px.mean()), (float(pz.min()), float(pz.max())),
                                   float(pz.mean()))
        return self._known[k]


def _with_own_low_parts(parts: _Parts, k: int) -> np.ndarray:
    """Surface k with the low surfaces of its own body that a depth jump split off (in a deep squat seen from
    behind the hips hang in front of the feet; from the side an ankle can part from its foot): low surfaces
    touching it in the image and standing under it — within its reach across and inside its extent along the
    facing direction. A box behind the mark, or a kettlebell or mat beside the feet, stays apart."""
    labels = parts.labels
    mask = labels == k
    me = parts.of(k)
    touching = np.unique(labels[ndimage.maximum_filter(mask.view(np.uint8), size=2 * NEAR_PX + 1) > mask])
    own = [t for t in touching if t > 0 and parts.of(t).top < OWN_PART_TOP * me.top
           and abs(parts.of(t).centre_x - me.centre_x) < OWN_PART_REACH_M
           and me.z_span[0] <= parts.of(t).middle_z <= me.z_span[1]]
    return mask | np.isin(labels, own) if own else mask


def _beyond_reach(mask: np.ndarray, x: np.ndarray, z: np.ndarray, feet: Feet) -> bool:
    """Part of this surface lies where no one standing on these feet can reach (BODY_REACH_M around them): someone
    else is joined to it, by touch or where their outlines meet (feet side by side on the floor)."""
    (left, right), (back, front) = BODY_REACH_M
    dx, dz = x[mask] - feet.x_m, z[mask] - feet.heel_z_m
    outside = (dx < left) | (dx > right) | (dz < back) | (dz > front)
    return int(outside.sum()) >= OTHER_FEET_PIXELS


def _feet_of(mask: np.ndarray, x: np.ndarray, y: np.ndarray, z: np.ndarray, depth: np.ndarray
             ) -> tuple[Feet | None, bool]:
    """Where a person's feet are, and whether this surface has someone else's feet too (two people touching).

    Each foot's heel comes from its own points: a staggered stance or a kettlebell by one foot must not move the
    other's heel. Feet hidden by something in front of them (a box between the camera and the client) are
    placed under the lowest visible band of the legs; a person whose lowest part is not hidden that way has no
    feet in view, and is not standing here.
    """
    foot = mask & (y < FOOT_TOP_M)
    if foot.sum() >= 3:
        fx, fz = x[foot], z[foot]
        nearest = int(np.argmin(np.hypot(fx, fz)))                 # the foot nearest the mark...
        own = np.hypot(fx - fx[nearest], fz - fz[nearest]) < REACH_M   # ...and what stands within reach of it
        crowded = int((~own).sum()) >= OTHER_FEET_PIXELS
        fx, fz = fx[own], fz[own]
        heels = [quantile(fz[g], HEEL_SHARE) for g in _two_groups(fx)
                 if g.sum() >= FOOT_SHARE * len(fx)]    # a foot mostly hidden behind the other gives no heel
        return Feet(float(np.mean(fx)), min(heels), max(heels) - min(heels), True), crowded
    low_m = float(y[mask].min())
    shins = mask & (y < low_m + 0.10)
    if low_m > HIDDEN_FEET_BELOW_M or shins.sum() < 3 or not _hidden_below(mask, depth):
        return None, False
    return Feet(float(np.mean(x[shins])), quantile(z[shins], HEEL_SHARE), 0.0, False), False


def _hidden_below(mask: np.ndarray, depth: np.ndarray) -> bool:
    """Most of the surface's lower outline stands over something nearer the camera (the image's rows grow
    downwards): what hides its lower part."""
    bottom = mask & ~_shifted(mask, 2, 0)
    below = _shifted(depth, 2, 0)[bottom]
    nearer = (below > 0) & (below < depth[bottom] - HIDING_GAP_M)
    return bool(bottom.any()) and float(nearer.mean()) > 0.5


HEEL_SHARE = 0.2            # quantile of a foot's points along z: steady under noise (read against the heel line)


def _two_groups(values: np.ndarray) -> list[np.ndarray]:
    """Masks of the two feet among the foot points' lateral positions, or one mask when the feet stand together
    (no gap of FOOT_GAP_M between two groups)."""
    order = np.argsort(values)
    v = values[order]
    gaps = np.diff(v)
    if len(gaps) == 0 or gaps.max() < FOOT_GAP_M:
        return [np.ones(len(values), dtype=bool)]
    cut = v[int(np.argmax(gaps))]
    return [values <= cut, values > cut]

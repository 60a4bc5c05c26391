"""The client's side view as smooth closed curves, from the sparse and holey body points a depth camera gives.

Occupancy on a 1.25 cm grid → a closing (bridges sparse points, fills depth dropouts) → a blur → the iso-contour
by marching squares → every other point, rounded by one Chaikin pass (a point every 1.25 cm or so). The grid is
finer than the 2 cm the camera's points are apart and the curve is read between cells, so the outline never
shows the grid as stair-steps. Pure numpy, no pygame: tested and timed on its own.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CELL_M = 0.0125         # grid cell: finer than the 2-2.5 cm between the camera's body points
CLOSE_M = 0.03          # gaps up to twice this between points are body (sparse points, dropouts on dark cloth)
BLUR_M = 0.025          # sigma of the blur that irons the points' own spacing out of the curve
MIN_AREA_M2 = 0.004     # bits of body smaller than this (40 cm²) are specks of noise
MIN_HOLE_M2 = 0.01      # holes smaller than this (10 x 10 cm) are depth dropouts or a glimpse between limbs
LEVEL = 0.4             # the iso-level: a little below half, as the body's edge lies half a point spacing
                        # beyond the outermost points (the drawn area is then within 5 % of the body's)


@dataclass(frozen=True)
class Outline:
    """Closed curves in metres, (z, y) rows: the body (counter-clockwise) and holes through it (clockwise)."""

    bodies: tuple[np.ndarray, ...]
    holes: tuple[np.ndarray, ...]

    @property
    def area_m2(self) -> float:
        return sum(map(signed_area, self.bodies)) + sum(map(signed_area, self.holes))


def outline(points: np.ndarray | None) -> Outline:
    """The smooth outline of body points (N x 2, z and y in metres)."""
    if points is None or len(points) == 0:
        return Outline((), ())
    pts = np.asarray(points, np.float64)
    pts = pts[np.isfinite(pts).all(axis=1)]
    if len(pts) == 0:
        return Outline((), ())
    close, blur = round(CLOSE_M / CELL_M), BLUR_M / CELL_M
    pad = close + int(np.ceil(3 * blur)) + 2          # the field is zero along the border: every curve closes
    lo = pts.min(axis=0) - pad * CELL_M
    ij = np.floor((pts - lo) / CELL_M).astype(np.intp)            # (column = z, row = y)
    shape = (int(ij[:, 1].max()) + pad + 1, int(ij[:, 0].max()) + pad + 1)
    grid = np.zeros(shape, bool)
    grid[ij[:, 1], ij[:, 0]] = True
    body = _erode(_dilate(grid, close), close)
    field = _blur(body.astype(np.float32), blur)
    bodies, holes = [], []
    for loop in _contours(field, LEVEL):
        xy = lo + (_chaikin(loop[::2]) + 0.5) * CELL_M              # cell centres sit half a cell in
        area = signed_area(xy)
        if area >= MIN_AREA_M2:
            bodies.append(xy)
        elif area <= -MIN_HOLE_M2:
            holes.append(xy)
    return Outline(tuple(bodies), tuple(holes))


def signed_area(loop: np.ndarray) -> float:
    """Shoelace area: positive counter-clockwise (z right, y up)."""
    x, y = loop[:, 0], loop[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


# --- morphology and blur on small grids (shifted slices: no scipy) -------------------------------------------
def _dilate(mask: np.ndarray, r: int) -> np.ndarray:
    """Grow by a (2r+1)-cell square, one axis at a time."""
    for axis in (0, 1):
        src, out = mask, mask.copy()
        n = mask.shape[axis]
        for d in range(1, r + 1):
            a, b = [slice(None)] * 2, [slice(None)] * 2
            a[axis], b[axis] = slice(d, n), slice(0, n - d)
            out[tuple(a)] |= src[tuple(b)]
            out[tuple(b)] |= src[tuple(a)]
        mask = out
    return mask


def _erode(mask: np.ndarray, r: int) -> np.ndarray:
    return ~_dilate(~mask, r)


def _blur(field: np.ndarray, sigma: float) -> np.ndarray:
    """Separable Gaussian (±3 sigma) by shifted sums: no BLAS, whose threads stall on a busy kiosk. The border
    stays zero as long as the field is zero there."""
    r = int(np.ceil(3 * sigma))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k = (k / k.sum()).astype(np.float32)
    for axis in (0, 1):
        n = field.shape[axis]
        out = np.zeros_like(field)
        for d, w in zip(range(-r, r + 1), k):
            dst, src = [slice(None)] * 2, [slice(None)] * 2
            dst[axis] = slice(max(0, -d), n - max(0, d))
            src[axis] = slice(max(0, d), n - max(0, -d))
            out[tuple(dst)] += w * field[tuple(src)]
        field = out
    return field


# --- marching squares ----------------------------------------------------------------------------------------
# A cell's corners in (x = column, y = row) offsets, as bits of its case number; its edges by their corners.
_CORNERS = ((0, 0), (1, 0), (1, 1), (0, 1))          # a, b, c, d: bits 1, 2, 4, 8
_EDGES = ((0, 1), (1, 2), (3, 2), (0, 3))            # bottom a-b, right b-c, top d-c, left a-d (y grows up)


def _segments(case: int, centre_inside: bool) -> list[tuple[int, int]]:
    """The oriented segments (from edge, to edge) of one cell, the inside always on the left."""
    inside = [bool(case >> k & 1) for k in range(4)]
    crossed = [e for e, (p, q) in enumerate(_EDGES) if inside[p] != inside[q]]
    if len(crossed) == 2:
        pairs = [tuple(crossed)]
    elif len(crossed) == 4:   # a saddle: the centre says which pair of opposite corners is joined
        cut = [k for k in range(4) if inside[k] != centre_inside]          # corners cut off by the curve
        pairs = [tuple(e for e, (p, q) in enumerate(_EDGES) if k in (p, q)) for k in cut]
    else:
        return []
    out = []
    for e1, e2 in pairs:
        m1, m2 = (np.add(_CORNERS[_EDGES[e][0]], _CORNERS[_EDGES[e][1]]) / 2 for e in (e1, e2))
        p_in = np.array(_CORNERS[next(k for k in _EDGES[e1] if inside[k])])
        d, v = m2 - m1, p_in - m1
        out.append((e1, e2) if d[0] * v[1] - d[1] * v[0] > 0 else (e2, e1))
    return out


def _table() -> tuple[np.ndarray, np.ndarray]:
    """Segments per (case, centre inside) as arrays: from-edges and to-edges, -1 where a cell has fewer than two."""
    starts = np.full((32, 2), -1, np.intp)
    ends = np.full((32, 2), -1, np.intp)
    for case in range(1, 15):
        for centre in (0, 1):
            for k, (e1, e2) in enumerate(_segments(case, bool(centre))):
                starts[2 * case + centre, k], ends[2 * case + centre, k] = e1, e2
    return starts, ends


_STARTS, _ENDS = _table()


def _contours(field: np.ndarray, level: float) -> list[np.ndarray]:
    """Closed iso-curves of `field` at `level`, in (column, row) units; the field must be below it at the border."""
    h, w = field.shape
    above = field > level
    case = above[:-1, :-1] * 1 + above[:-1, 1:] * 2 + above[1:, 1:] * 4 + above[1:, :-1] * 8
    rows, cols = np.nonzero((case > 0) & (case < 15))
    if len(rows) == 0:
        return []
    centre = (field[rows, cols] + field[rows, cols + 1] + field[rows + 1, cols] + field[rows + 1, cols + 1]) / 4
    kind = 2 * case[rows, cols] + (centre > level)
    # global edge ids: horizontal edge (i, j)-(i, j+1) is i*w + j; vertical edge (i, j)-(i+1, j) is h*w + i*w + j
    edge_id = np.stack([rows * w + cols, h * w + rows * w + cols + 1, (rows + 1) * w + cols, h * w + rows * w + cols])
    cell = np.arange(len(rows))
    saddle = _STARTS[kind, 1] >= 0                      # saddle cells have a second segment
    start = np.concatenate([edge_id[_STARTS[kind, 0], cell], edge_id[_STARTS[kind[saddle], 1], cell[saddle]]])
    end = np.concatenate([edge_id[_ENDS[kind, 0], cell], edge_id[_ENDS[kind[saddle], 1], cell[saddle]]])
    pos = _edge_points(field, level, start, h, w)
    index = np.empty(2 * h * w, np.intp)
    index[start] = np.arange(len(start))
    follow = index[end].tolist()                       # segment k is followed by segment follow[k]
    seen = [False] * len(follow)
    loops = []
    for s in range(len(follow)):
        if seen[s]:
            continue
        loop = []
        k = s
        while not seen[k]:
            seen[k] = True
            loop.append(k)
            k = follow[k]
        loops.append(pos[loop])
    return loops


def _edge_points(field: np.ndarray, level: float, ids: np.ndarray, h: int, w: int) -> np.ndarray:
    """Where the field crosses `level` on each edge, by linear interpolation, as (column, row)."""
    vertical = ids >= h * w
    local = np.where(vertical, ids - h * w, ids)
    i, j = local // w, local % w
    f0 = field[i, j]
    f1 = np.where(vertical, field[np.minimum(i + 1, h - 1), j], field[i, np.minimum(j + 1, w - 1)])
    t = (level - f0) / (f1 - f0)
    return np.stack([j + np.where(vertical, 0.0, t), i + np.where(vertical, t, 0.0)], axis=1)


def _chaikin(loop: np.ndarray) -> np.ndarray:
    """One corner-cutting pass on a closed curve: the kinks left between cells become curves."""
    nxt = np.roll(loop, -1, axis=0)
    out = np.empty((2 * len(loop), 2))
    out[0::2] = 0.75 * loop + 0.25 * nxt
    out[1::2] = 0.25 * loop + 0.75 * nxt
    return out

"""The trainer's calibration routine, fed frame by frame: empty area → still on the mark → one hinge.

Works the same on a live camera (the trainer UI shows `status`) and on a recording (`calibrate`).
Memory is bounded: a short window of frames, never the whole recording.
"""
from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass
from typing import Iterable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from calibration.background import Area, Background, learn, moving_area_m2, standing, temporal_median, to_mm
from calibration.camera import DepthFrame, Intrinsics, camera_rays, depth_rms_m
from calibration.floor import Plane, fit_floor
from calibration.geometry import floor_frame, transform
from calibration.model import Calibration
from calibration.validate import (FRONT_VIEW, FRONT_WITHIN_DEG, MAX_DISTANCE_M, CalibrationError, DepthQuality,
                                  check_body_depth, check_empty_area, check_placement, client_outline)

EMPTY_FRAMES = 36            # the clear area at the start (1.2 s at 30 fps): someone crossing a pixel in under
#                              0.6 s leaves no trace in the median; 36 frames of uint16 depth at 848x480 are 29 MB
ZONE_REACH_M = 0.9           # the measuring zone (kiosk/zone.py) reaches this far from the mark, every way...
ZONE_TOP_M = 2.3             # ...and this high
EMPTY_REACH_M = MAX_DISTANCE_M + ZONE_REACH_M   # the empty step is checked wherever the zone can be: the heel line
#                                                 is not known yet, only that the mark is at most 3.6 m away
STILL_S = 2.0                # standing still on the mark this long gives the heel line
STILL_SPREAD_M = 0.03        # centroid movement that still counts as still...
STILL_FRAMES = 5             # ...in running medians of this many frames
MIN_PERSON_AREA_M2 = 0.08
MAX_RANGE_M = 5.0            # the client stands within this of the camera (docs/placements-and-calibration.md: 2-3 m)
CLUSTER_CELL_M = 0.1
PERSON_REACH_M = 0.75        # body points lie this close to the person's centre on the floor plan
HINGE_MIN_M = 0.08           # the hips must travel at least this far back in the hinge
BACK_HOME_M = 0.03
HEAD_FORWARD_M = 0.06        # the head must have moved this far before a frame can tell front from back
HEAD_SURE_M = 0.15           # ...and this far (a hinge moves it 30-50 cm) to tell where the client faces: a camera
#                              in front sees no hips travel back, so it must be refused from the head alone
SAMPLE = 4                   # every 4th pixel is plenty to find a person and a direction
HIP_BAND = (0.35, 0.6)       # fraction of stature where the hips are in a hinge
STANDING_HIPS = (0.40, 0.60)  # ...and standing: pelvis and buttocks around the hip joints (0.53 of stature)
FOOT_BAND_M = (0.015, 0.10)
P99_SIGMAS = 2.33            # how far past the mean the 99th percentile of normal noise lies
FEET_REACH_M = 0.45          # feet lie this close to the standing person's centre on the floor plan
MOVED_SHARE = 0.25           # once the empty area is learnt, this share of it seen farther away than it was...
MOVED_FOR_S = 1.0            # ...for this long means the camera moved (people and things only stand in front)


PROMPTS = {"empty": "Keep the area around the mark clear.",
           "wait": "Client: stand on the mark facing the screen.",
           "still": "Stand still on the mark.",
           "hinge": "Now one slow hip hinge, and back to standing.",
           "done": "Calibration done."}


@dataclass(frozen=True)
class Status:
    step: str                # "empty", "wait", "still", "hinge", "done"
    message: str             # what to tell the trainer now
    progress: float          # 0..1 within the step


class Routine:
    """Feed frames with `feed`; when `status.step == 'done'`, `result()` gives the calibration."""

    def __init__(self, baseline_m: float, device_name: str = "", device_serial: str = "") -> None:
        self.baseline_m = baseline_m
        self.device_name = device_name
        self.device_serial = device_serial
        self.status = Status("empty", PROMPTS["empty"], 0.0)
        self._intr: Intrinsics | None = None
        self._empty: np.ndarray | None = None            # the empty frames (mm), filled in order
        self._empty_count = 0
        self._floor: Plane | None = None
        self._cam_to_floor: np.ndarray | None = None
        self._background: Background | None = None
        self._rays: np.ndarray | None = None
        self._window: deque[tuple[float, np.ndarray, float, np.ndarray]] = deque()   # depth in mm
        self._stand: np.ndarray | None = None          # temporal median depth, full resolution
        self._stature = 0.0
        self._stand_band = np.zeros((0, 2))
        self._stand_frames = 1
        self._head_path = np.zeros(2)
        self._best_growth = 0.0
        self._best_dir: float | None = None
        self._stand_top = np.zeros(2)
        self._stand_centre = np.zeros(2)
        self._result: Calibration | None = None
        self.depth_quality: DepthQuality | None = None   # judged at the end of the still step
        self.camera_height_m: float | None = None       # found with the floor, at the end of the empty step...
        self.camera_tilt_deg: float | None = None       # ...(downwards is positive)
        self.mark_distance_m: float | None = None       # the client's distance on the floor, at the end of still
        self._moved_since_s: float | None = None

    # ---- feeding -------------------------------------------------------------------------------------------
    def feed(self, frame: DepthFrame) -> Status:
        if self._intr is None:
            self._intr = frame.intrinsics
            self._rays = camera_rays(frame.intrinsics)
        elif frame.intrinsics != self._intr:
            raise CalibrationError("The depth stream changed resolution during the routine: record it again "
                                   "without changing camera settings.")
        step = self.status.step
        if step == "empty":
            self._feed_empty(frame)
        elif step in ("wait", "still"):
            self._feed_stand(frame)
        elif step == "hinge":
            self._feed_hinge(frame)
        return self.status

    def result(self) -> Calibration:
        if self._result is None:
            raise CalibrationError(self.missing_step())
        return self._result

    def missing_step(self) -> str:
        """What the trainer must do for the step the routine is waiting in."""
        return {
            "empty": "The recording is too short: it needs the empty area, the client standing still on the "
                     "mark and one hinge.",
            "wait": "Nobody stood still on the mark: the client should stand on the mark, facing the screen, "
                    "still for 2 seconds.",
            "still": "The client did not stay still long enough on the mark: stand still for 2 seconds, then "
                     "hinge.",
            "hinge": "No hip hinge was seen after standing on the mark: hinge slowly with the hips in view of "
                     "the camera, then stand up again.",
        }.get(self.status.step, "The calibration did not finish.")

    # ---- step 1: the empty area ------------------------------------------------------------------------------
    def _feed_empty(self, frame: DepthFrame) -> None:
        """Keep the empty frames; at the last one, learn the background and the floor from them, and refuse the
        step if something moved or someone stood in it (the checks run once, here, not on every frame)."""
        if self._empty is None:
            self._empty = np.zeros((EMPTY_FRAMES, self._intr.height, self._intr.width), np.uint16)
        self._empty[self._empty_count] = to_mm(frame.depth_m)
        self._empty_count += 1
        self.status = Status("empty", PROMPTS["empty"], self._empty_count / EMPTY_FRAMES)
        if self._empty_count < EMPTY_FRAMES:
            return
        frames, self._empty = self._empty, None
        background = learn(frames, self._intr.fx, self.baseline_m)
        floor = fit_floor(self._points(background.depth_m, 2))
        if floor is None:
            raise CalibrationError("No floor found: tilt the camera down so it sees the floor around the mark, "
                                   "and clear the area.")
        self._floor = floor
        self.camera_height_m = float(floor.offset)
        self.camera_tilt_deg = float(np.degrees(np.arcsin(-floor.normal[2])))
        forward = np.array([0.0, 0.0, 1.0])
        self._cam_to_floor = floor_frame(floor.normal, floor.foot_of_camera(), forward)
        area = Area(self._cam_to_floor, self._rays, self._intr.fx, self.baseline_m, EMPTY_REACH_M, ZONE_TOP_M)
        check_empty_area(moving_area_m2(frames, background, area), standing(background, area), EMPTY_REACH_M)
        self._background = background
        self.status = Status("wait", PROMPTS["wait"], 0.0)

    # ---- step 2: still on the mark ---------------------------------------------------------------------------
    def _person(self, depth: np.ndarray, sample: int) -> np.ndarray:
        """Floor-frame points (N x 3) of the one person in view."""
        return self._person_pixels(depth, sample)[1]

    def _person_pixels(self, depth: np.ndarray, sample: int) -> tuple[np.ndarray, np.ndarray]:
        """The one person in view, as a mask of the subsampled image and as floor-frame points (N x 3): closer
        than the empty scene, standing on the floor within reach, and clustered on the floor plan (noise on far
        walls and passers-by drop out)."""
        d = depth[::sample, ::sample]
        bg = self._background.depth_m[::sample, ::sample]
        margin = 3.0 * depth_rms_m(bg, self._intr.fx, self.baseline_m) + 0.06
        fg = (d > 0) & (d < MAX_RANGE_M) & ((bg == 0) | (d < bg - margin))
        pts = transform(self._cam_to_floor, d[fg][:, None] * self._rays[::sample, ::sample][fg])
        keep = (pts[:, 1] > 0.03) & (pts[:, 1] < 2.4)
        keep[keep] = _main_cluster(pts[keep])
        fg[fg] = keep
        return fg, pts[keep]

    def scene(self, depth: np.ndarray, sample: int) -> tuple[np.ndarray, np.ndarray]:
        """(floor, person) masks of the subsampled image, for the trainer's live view: both empty until the empty
        area is learnt."""
        d = depth[::sample, ::sample]
        if self._background is None:
            return np.zeros(d.shape, bool), np.zeros(d.shape, bool)
        height = np.full(d.shape, np.inf)
        ok = d > 0
        height[ok] = transform(self._cam_to_floor, d[ok][:, None] * self._rays[::sample, ::sample][ok])[:, 1]
        person, _ = self._person_pixels(depth, sample)
        return (np.abs(height) < FOOT_BAND_M[0] * 2) & ~person, person

    def _check_camera(self, frame: DepthFrame) -> None:
        """Refuse the routine once the view no longer matches the empty area it learnt: the camera was moved (a
        calibration made half before and half after would put the mark in the wrong place)."""
        d = frame.depth_m[::SAMPLE, ::SAMPLE]
        bg = self._background.depth_m[::SAMPLE, ::SAMPLE]
        known = bg > 0
        margin = 3.0 * depth_rms_m(bg, self._intr.fx, self.baseline_m) + 0.06
        behind = known & (d > bg + margin)
        t = frame.timestamp_ms / 1000.0
        if behind.sum() < MOVED_SHARE * max(1, known.sum()):
            self._moved_since_s = None
            return
        self._moved_since_s = t if self._moved_since_s is None else self._moved_since_s
        if t - self._moved_since_s >= MOVED_FOR_S:
            raise CalibrationError("The camera moved during the calibration: fix it firmly in place, then start "
                                   "again.")

    def _area(self, pts: np.ndarray, sample: int) -> float:
        dist = np.linalg.norm(pts - self._cam_to_floor[:3, 3], axis=1)
        return float(np.sum(np.square(dist * sample / self._intr.fx)))

    def _feed_stand(self, frame: DepthFrame) -> None:
        self._check_camera(frame)
        pts = self._person(frame.depth_m, SAMPLE)
        if len(pts) < 50 or self._area(pts, SAMPLE) < MIN_PERSON_AREA_M2:
            self._window.clear()
            self.status = Status("wait", PROMPTS["wait"], 0.0)
            return
        t = frame.timestamp_ms / 1000.0
        centre = np.median(pts[:, [0, 2]], axis=0)
        top = float(np.percentile(pts[:, 1], 99))
        self._window.append((t, centre, top, to_mm(frame.depth_m)))
        while self._window and not self._is_still():
            self._window.popleft()
        span = self._window[-1][0] - self._window[0][0] if self._window else 0.0
        self.status = Status("still", PROMPTS["still"], min(span / STILL_S, 1.0))
        if span >= STILL_S:
            stack = np.stack([w[3] for w in self._window])
            self._window.clear()
            self._stand = temporal_median(stack)
            self._stand_frames = len(stack)
            person, stand_pts = self._person_pixels(self._stand, 2)
            if len(stand_pts):
                self.mark_distance_m = float(np.hypot(*np.median(stand_pts[:, [0, 2]], axis=0)))
            self._stature = float(np.percentile(stand_pts[:, 1], 99.5)) if len(stand_pts) else 0.0
            self.depth_quality = self._depth_quality(stack, person)
            check_body_depth(self._stature, self.depth_quality)
            self._stand_band = _band(stand_pts, self._stature)
            self._stand_top = _top_centre(stand_pts)
            self._stand_centre = np.median(stand_pts[:, [0, 2]], axis=0)
            self.status = Status("hinge", PROMPTS["hinge"], 0.0)

    def _depth_quality(self, stack: np.ndarray, person: np.ndarray) -> DepthQuality:
        """Share of the client's outline (found in the median of the still frames) with depth in each still
        frame, as measurement will see it: over the whole body, and over the hips (0 when nobody is there)."""
        d = self._stand[::2, ::2]
        outline = client_outline(person, d > 0)
        if not outline.any():
            return DepthQuality(0.0, 0.0)
        # a hole has no depth of its own: placed at the body's median depth, its height is off by a few cm at most
        z = np.where(person, d, np.median(d[person]))[outline]
        height = transform(self._cam_to_floor, z[:, None] * self._rays[::2, ::2][outline])[:, 1]
        lo, hi = STANDING_HIPS
        hips = (height > lo * self._stature) & (height < hi * self._stature)
        seen = stack[:, ::2, ::2][:, outline] > 0
        return DepthQuality(float(seen.mean()), float(seen[:, hips].mean()) if hips.any() else 0.0)

    def _is_still(self) -> bool:
        """Still: the body's centre and top moved less than STILL_SPREAD_M across the window, judged on running
        medians of STILL_FRAMES frames (a single frame's centre and top jitter by 2-3 cm at 3 m, a sway does not
        come and go that fast)."""
        centres = np.array([w[1] for w in self._window])
        tops = np.array([w[2] for w in self._window])
        if len(tops) >= STILL_FRAMES:
            centres = np.median(sliding_window_view(centres, STILL_FRAMES, axis=0), axis=-1)
            tops = np.median(sliding_window_view(tops, STILL_FRAMES), axis=-1)
        return bool(np.ptp(centres, axis=0).max() <= STILL_SPREAD_M and np.ptp(tops) <= STILL_SPREAD_M)

    # ---- step 3: one hinge ---------------------------------------------------------------------------------
    def _feed_hinge(self, frame: DepthFrame) -> None:
        """The hips travel back while the head and shoulders go forward and down. The head's path gives the
        direction (within a few degrees: it travels 30-50 cm; the rounded hips give a flat, biased peak), and
        the hip band must then have travelled back along it, which also proves the hips are in view."""
        self._check_camera(frame)
        pts = self._person(frame.depth_m, SAMPLE)
        band = _band(pts, self._stature)
        if len(band) < 20:
            return
        head = _top_centre(pts) - self._stand_top
        reach = float(np.hypot(*head))
        if reach >= HEAD_FORWARD_M:
            self._head_path += reach * head            # longer displacements are surer of their direction
        if not self._head_path.any():
            return
        direction = float(np.arctan2(-self._head_path[1], -self._head_path[0]))
        back = np.array([np.cos(direction), np.sin(direction)])
        if reach >= HEAD_SURE_M and _faces_camera(-back, -self._stand_centre):
            raise CalibrationError(FRONT_VIEW)
        hips_back = float(np.percentile(band @ back, 98) - self._stand_reach(back))
        self._best_growth = max(self._best_growth, hips_back)
        self.status = Status("hinge", PROMPTS["hinge"],
                             min(self._best_growth / HINGE_MIN_M, 1.0))
        if self._best_growth >= HINGE_MIN_M and hips_back < BACK_HOME_M:
            self._best_dir = direction
            self._result = self._make_calibration()
            self.status = Status("done", PROMPTS["done"], 1.0)

    def _stand_reach(self, back: np.ndarray) -> float:
        return float(np.percentile(self._stand_band @ back, 98))

    # ---- the studio frame -----------------------------------------------------------------------------------
    def _make_calibration(self) -> Calibration:
        back = np.array([np.cos(self._best_dir), 0.0, np.sin(self._best_dir)])   # floor frame, hips travel
        lateral = np.array([-back[2], 0.0, back[0]])
        # The feet are what stands just above the floor under the person. Not "closer than the empty floor":
        # seen from behind, a heel is only centimetres in front of the floor behind it, less than far noise.
        centre = np.median(self._person(self._stand, 2)[:, [0, 2]], axis=0)
        cam = self._points(self._stand, 1)
        pts = transform(self._cam_to_floor, cam)
        feet = ((pts[:, 1] > FOOT_BAND_M[0]) & (pts[:, 1] < FOOT_BAND_M[1])
                & (np.hypot(pts[:, 0] - centre[0], pts[:, 2] - centre[1]) < FEET_REACH_M))
        if feet.sum() < 30:
            raise CalibrationError("The client's feet were not seen on the mark: make sure the camera sees the "
                                   "floor at the mark, and avoid dark shoes on a dark floor.")
        # the rear of the heels is a high percentile along `back`; take off what depth noise (left in the median
        # of the still frames, along each ray) adds to such a percentile, or a camera behind puts it too far back
        rays = cam[feet] / np.linalg.norm(cam[feet], axis=1, keepdims=True)
        along_ray = np.abs((rays @ self._cam_to_floor[:3, :3].T) @ back)
        noise = depth_rms_m(cam[feet, 2], self._intr.fx, self.baseline_m) * 1.25 / np.sqrt(self._stand_frames)
        feet = pts[feet]
        along = feet @ back - P99_SIGMAS * noise * along_ray
        across = feet @ lateral
        heel = float(np.percentile(along, 99))
        left, right = np.percentile(across, [2, 98])
        origin_floor = heel * back + 0.5 * (left + right) * lateral
        floor_to_cam = np.linalg.inv(self._cam_to_floor)
        origin_cam = transform(floor_to_cam, origin_floor[None])[0]
        forward_cam = floor_to_cam[:3, :3] @ (-back)
        studio_from_camera = floor_frame(self._floor.normal, origin_cam, forward_cam)
        cal = Calibration(
            intrinsics=self._intr,
            studio_from_camera=studio_from_camera,
            baseline_m=self.baseline_m,
            device_name=self.device_name,
            device_serial=self.device_serial,
            created_utc=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            stance_width_m=float(right - left),
            background=self._background,
        )
        check_placement(cal)
        return cal

    def _points(self, depth: np.ndarray, sample: int) -> np.ndarray:
        d = depth[::sample, ::sample]
        ok = d > 0
        return d[ok][:, None] * self._rays[::sample, ::sample][ok]


def _faces_camera(facing: np.ndarray, to_camera: np.ndarray) -> bool:
    """Whether the camera (`to_camera` from the client, on the floor plan) is within FRONT_WITHIN_DEG of where the
    client faces."""
    cos = float(facing @ to_camera) / max(float(np.linalg.norm(facing) * np.linalg.norm(to_camera)), 1e-9)
    return cos > np.cos(np.radians(FRONT_WITHIN_DEG))


def _top_centre(pts: np.ndarray) -> np.ndarray:
    """Floor-plan centre (x, z) of the highest points: head and shoulders standing, the upper back in a hinge."""
    top = pts[pts[:, 1] >= np.percentile(pts[:, 1], 95)]
    return np.median(top[:, [0, 2]], axis=0)


def _main_cluster(pts: np.ndarray) -> np.ndarray:
    """Which points lie within a person's reach of the densest spot on the floor plan (a mask)."""
    if len(pts) < 20:
        return np.ones(len(pts), dtype=bool)
    xz = pts[:, [0, 2]]
    lo = xz.min(axis=0)
    cells = np.floor((xz - lo) / CLUSTER_CELL_M).astype(int)
    grid = np.zeros(cells.max(axis=0) + 3)
    np.add.at(grid, (cells[:, 0] + 1, cells[:, 1] + 1), 1.0)
    dense = sum(np.roll(np.roll(grid, i, 0), j, 1) for i in (-1, 0, 1) for j in (-1, 0, 1))
    i, j = np.unravel_index(int(np.argmax(dense)), dense.shape)
    centre = lo + (np.array([i, j]) - 0.5) * CLUSTER_CELL_M
    near = np.hypot(*(xz - centre).T) < PERSON_REACH_M
    centre = np.median(xz[near], axis=0)
    return np.hypot(*(xz - centre).T) < PERSON_REACH_M


def _band(pts: np.ndarray, stature: float) -> np.ndarray:
    lo, hi = HIP_BAND
    return pts[(pts[:, 1] > lo * stature) & (pts[:, 1] < hi * stature)][:, [0, 2]]


def calibrate(frames: Iterable[DepthFrame], baseline_m: float, device_name: str = "",
              device_serial: str = "") -> Calibration:
    """Run the routine over a recording's frames; stops reading once the routine is done."""
    routine = Routine(baseline_m, device_name, device_serial)
    for frame in frames:
        if routine.feed(frame).step == "done":
            break
    return routine.result()

"""SDK frame and device → plain data; the only code besides the sources that touches pyrealsense2 objects.

Every SDK frame is copied into numpy here and dropped by the caller at once: the SDK's frame pools hold only
16 frames, and a frame held longer stalls playback or breaks the filters.
"""
from __future__ import annotations

import logging

import numpy as np
import pyrealsense2 as rs

from calibration.camera import DepthFrame, Intrinsics
from kiosk.sensing.source import SourceInfo

log = logging.getLogger(__name__)

# Stereo baselines by product, used only when the device does not report the stereo_baseline option.
_BASELINE_BY_PRODUCT_M = {"D405": 0.018, "D415": 0.055, "D435": 0.050, "D455": 0.095, "D456": 0.095, "D457": 0.095}
_FALLBACK_BASELINE_M = 0.050


def intrinsics_of(profile: rs.stream_profile) -> Intrinsics:
    i = profile.as_video_stream_profile().get_intrinsics()
    return Intrinsics(int(i.width), int(i.height), float(i.fx), float(i.fy), float(i.ppx), float(i.ppy))


def to_depth_frame(frame: rs.frame) -> DepthFrame:
    """Copy one SDK depth frame into metres; the caller may release the SDK frame right after."""
    depth = frame.as_depth_frame()
    raw = np.asanyarray(depth.get_data())
    metres = raw.astype(np.float32) * np.float32(depth.get_units())   # astype copies: no view into SDK memory
    return DepthFrame(metres, intrinsics_of(depth.get_profile()), int(depth.get_frame_number()),
                      float(depth.get_timestamp()))


def camera_text(device: rs.device, what: rs.camera_info, default: str = "") -> str:
    return device.get_info(what) if device.supports(what) else default


def baseline_m(device: rs.device, depth_sensor: rs.sensor) -> float:
    """The stereo baseline: the device's own stereo_baseline option (mm), else the product's nominal one."""
    if depth_sensor.supports(rs.option.stereo_baseline):
        mm = float(depth_sensor.get_option(rs.option.stereo_baseline))
        if mm > 0:
            return mm / 1000.0
    name = camera_text(device, rs.camera_info.name)
    for product, metres in _BASELINE_BY_PRODUCT_M.items():
        if product in name:
            return metres
    log.warning("%r reports no stereo baseline; assuming %.0f mm", name, _FALLBACK_BASELINE_M * 1000)
    return _FALLBACK_BASELINE_M


def source_info(device: rs.device, depth_sensor: rs.sensor, profile: rs.stream_profile,
                intrinsics: Intrinsics) -> SourceInfo:
    return SourceInfo(name=camera_text(device, rs.camera_info.name, "RealSense camera"),
                      serial=camera_text(device, rs.camera_info.serial_number),
                      baseline_m=baseline_m(device, depth_sensor), fps=float(profile.fps()),
                      intrinsics=intrinsics)

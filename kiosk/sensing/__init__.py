"""The one boundary to the RealSense SDK: live camera, recordings and the simulator as interchangeable
depth sources that hand out plain DepthFrames. No other package imports pyrealsense2."""
from kiosk.sensing.camera import CameraSource, choose_depth_mode, list_cameras, open_camera, sdk_version
from kiosk.sensing.filters import RECOMMENDED, FilterChain
from kiosk.sensing.process import ProcessSource, camera_process
from kiosk.sensing.recording import RecordingSource, bare_decode_rate, open_recording
from kiosk.sensing.software import SimSource, SoftwareCamera, sim_source
from kiosk.sensing.source import DepthSource, SourceError, SourceInfo

__all__ = ["CameraSource", "DepthSource", "FilterChain", "ProcessSource", "RECOMMENDED", "RecordingSource",
           "SimSource", "SoftwareCamera", "SourceError", "SourceInfo", "bare_decode_rate", "camera_process",
           "choose_depth_mode", "list_cameras", "open_camera", "sdk_version", "open_recording", "sim_source"]

/**
 * The camera API in OpenHarmony's shape: everything an application uses, in one place.
 *
 * @packageDocumentation
 */
export { getCameraManager, CameraManager } from './manager.js';
export type { CameraManagerOptions, CameraStatusCallback, CameraStatusInfo } from './manager.js';
export type { CameraDevice } from './camera-device.js';
export { CameraInput } from './input.js';
export type { ErrorCallback, InputDiagnostics, InputState } from './input.js';
export { CaptureSession, PhotoSession, VideoSession } from './session.js';
export type { SessionKind, SessionState } from './session.js';
export { SessionControls, WHITE_BALANCE_PRESETS } from './session-controls.js';
export type { Point, SettingsCamera } from './session-controls.js';
export { CameraOutput, PhotoOutput, PreviewOutput, VideoOutput } from './outputs.js';
export type { FrameReadOptions, Photo, PhotoCaptureSetting } from './outputs.js';
export type { FrameSubscription, OutputFrame } from './frame-channel.js';
export type {
  CameraOutputCapability,
  FrameRateRange,
  Profile,
  Size,
  VideoProfile,
} from './profiles.js';
export type { LockState, LockWaitOptions } from './device-lock.js';
export { CameraSourceList, attachedCameraSource } from './sources.js';
export type { CameraSource, CameraSourceEvents, SourceCamera } from './sources.js';
export {
  CameraPosition,
  CameraStatus,
  CameraType,
  ConnectionType,
  ExposureMode,
  FocusMode,
  ImageRotation,
  QualityLevel,
  SceneMode,
  WhiteBalanceMode,
} from './enums.js';

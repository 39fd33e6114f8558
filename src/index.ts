/**
 * webuvc: a userspace USB Video Class camera driver.
 *
 * The camera API in OpenHarmony's shape (`getCameraManager`, inputs, sessions, outputs and
 * their enumerations) comes first; under it the driver core (`UvcCamera`), its controls
 * (`CameraControls`), status events (`StatusEvents`), still images (`StillCapture`) and the
 * quirk table; then descriptors, frames, conversion and the emulated cameras.
 *
 * @packageDocumentation
 */
export * from './errors.js';

export * from './camera/api.js';

export { CameraControls } from './camera/controls.js';
export type {
  CameraControlsOptions,
  ControlDescription,
  ControlInput,
  ExtensionControlInfo,
  ExtensionUnitInfo,
  MenuEntry,
  RestoreOutcome,
  SetOutcome,
} from './camera/controls.js';
export { ControlRequestError } from './camera/control-errors.js';
export { StatusEvents } from './camera/status.js';
export type {
  ButtonEvent,
  ControlChangeEvent,
  StatusCounters,
  StatusErrorListener,
  StatusEvent,
  StatusEventsOptions,
  StatusListener,
  StreamErrorEvent,
  UnknownStatusEvent,
} from './camera/status.js';
export { StillCapture } from './camera/still.js';
export type { StillImage, StillRequest, TriggerEvent } from './camera/still.js';
export { QUIRK_FLAGS, QUIRK_TABLE, parseQuirkFlag, resolveQuirks } from './uvc/quirks.js';
export type {
  ControlThrottle,
  DeviceIdentity,
  DeviceQuirks,
  NoticeListener,
  QuirkEntry,
  QuirkFlag,
  QuirkFlagInfo,
  QuirkNotice,
  QuirkOverride,
} from './uvc/quirks.js';

export { UvcCamera, readDescriptors } from './camera/uvc-camera.js';
export type { ActiveStream, OpenCameraOptions, StreamCounters, StreamOptions } from './camera/uvc-camera.js';
export { selectStream, nearestInterval, listIntervals } from './camera/select.js';
export type { StreamChoice, StreamRequest } from './camera/select.js';
export { describeCamera } from './camera/describe.js';
export type { CameraInfo, FormatInfo, FrameInfo, StreamingInfo } from './camera/describe.js';
export type { Negotiation, NegotiateQuirks } from './camera/negotiate.js';

export type * from './uvc/model.js';
export { parseConfiguration, parseDeviceDescriptor } from './uvc/descriptors.js';
export { parseUsbTreeViewReport } from './uvc/usbtreeview.js';
export { CONTROLS, PUBLIC_CONTROLS, advertisedControls } from './uvc/controls.js';
export type { ControlDefinition, ControlValue, PublicControl } from './uvc/controls.js';

export type { Frame, FrameFlags } from './stream/frame.js';
export { toImage, toRgb, toRgba } from './stream/convert.js';
export type { FrameLayout, ImageType } from './stream/convert.js';
export { ensureHuffmanTables } from './stream/jpeg.js';

export { EmulatedCamera } from './usb/emulated.js';
export type { ControlHandler, EmulatedCameraOptions, PayloadSource } from './usb/emulated.js';
export { loadEmulatedCamera, loadDescriptorFile } from './usb/emulated-files.js';
export { createVirtualCamera } from './usb/virtual-camera.js';
export { findAttachedCameras, watchHotplug } from './usb/node-usb.js';
export type { AttachedCamera } from './usb/node-usb.js';

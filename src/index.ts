/**
 * webuvc: a userspace USB Video Class camera driver.
 *
 * @packageDocumentation
 */
export * from './errors.js';

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
export { CONTROLS, advertisedControls } from './uvc/controls.js';
export type { ControlDefinition } from './uvc/controls.js';

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

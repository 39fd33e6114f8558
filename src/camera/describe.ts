/**
 * A camera model as plain data for people and scripts: what `webuvc info --json` prints.
 *
 * @packageDocumentation
 */
import { advertisedControls } from '../uvc/controls.js';
import { isBulkStreaming } from '../uvc/bandwidth.js';
import type { CameraModel, EndpointInfo, FrameIntervals, VideoFunction } from '../uvc/model.js';

/** Frame intervals in 100 ns units: a list, or min/max/step when continuous. */
export type IntervalsInfo = number[] | { min: number; max: number; step: number };

/** One frame size of a format. */
export interface FrameInfo {
  index: number;
  width: number;
  height: number;
  defaultInterval: number;
  intervals: IntervalsInfo;
}

/** One format of a streaming interface. */
export interface FormatInfo {
  index: number;
  kind: string;
  pixelFormat: string;
  guid?: string;
  bitsPerPixel?: number;
  defaultFrameIndex: number;
  frames: FrameInfo[];
  stillFrames: Array<{ width: number; height: number }>;
}

/** One alternate setting's streaming endpoint. */
export interface EndpointSummary {
  alternateSetting: number;
  address: number;
  transferType: string;
  maxPacketSize: number;
  transactionsPerMicroframe: number;
  bytesPerInterval: number;
}

/** One VideoStreaming interface. */
export interface StreamingInfo {
  interfaceNumber: number;
  transferType: 'bulk' | 'isochronous' | 'none';
  stillCaptureMethod?: number;
  endpoints: EndpointSummary[];
  formats: FormatInfo[];
}

/** One standard control an entity advertises. */
export interface ControlInfo {
  name: string;
  entity: string;
  entityId: number;
  selector: number;
}

/** One video function of the device. */
export interface FunctionInfo {
  videoControlInterface: number;
  uvcVersion: string;
  clockFrequency: number;
  statusEndpoint?: number;
  controls: ControlInfo[];
  extensionUnits: Array<{ unitId: number; guid: string; controls: number }>;
  streaming: StreamingInfo[];
}

/** The whole model, as `webuvc info --json` prints it. */
export interface CameraInfo {
  vendorId?: number;
  productId?: number;
  usbVersion?: string;
  functions: FunctionInfo[];
  repairs: string[];
}

/** Binary-coded decimal to "1.00". */
export function bcdToString(bcd: number): string {
  const major = (bcd >> 8).toString(16);
  const minor = (bcd & 0xff).toString(16).padStart(2, '0');
  return `${major}.${minor}`;
}

function intervalsInfo(intervals: FrameIntervals): IntervalsInfo {
  if (intervals.kind === 'discrete') return [...intervals.values];
  return { min: intervals.min, max: intervals.max, step: intervals.step };
}

function endpointSummary(alternateSetting: number, ep: EndpointInfo): EndpointSummary {
  return {
    alternateSetting,
    address: ep.bEndpointAddress,
    transferType: ep.transferType,
    maxPacketSize: ep.maxPacketSize,
    transactionsPerMicroframe: ep.transactionsPerMicroframe,
    bytesPerInterval: ep.bytesPerInterval,
  };
}

function functionInfo(fn: VideoFunction): FunctionInfo {
  const vc = fn.videoControl;
  const controls = vc.entities.flatMap((entity) =>
    advertisedControls(entity).map(({ definition, entityId }) => ({
      name: definition.name,
      entity: definition.entity,
      entityId,
      selector: definition.selector,
    })),
  );
  const extensionUnits = vc.entities.flatMap((entity) =>
    entity.type === 'extensionUnit'
      ? [{ unitId: entity.bUnitID, guid: entity.guidExtensionCode, controls: entity.bNumControls }]
      : [],
  );
  const streaming = fn.streaming.map((vs): StreamingInfo => {
    const endpoints = vs.alternateSettings.flatMap((alt) =>
      alt.endpoints
        .filter((ep) => ep.transferType === 'isochronous' || ep.transferType === 'bulk')
        .map((ep) => endpointSummary(alt.bAlternateSetting, ep)),
    );
    const hasIsochronous = endpoints.some((ep) => ep.transferType === 'isochronous');
    return {
      interfaceNumber: vs.bInterfaceNumber,
      transferType: isBulkStreaming(vs) ? 'bulk' : hasIsochronous ? 'isochronous' : 'none',
      ...(vs.inputHeader ? { stillCaptureMethod: vs.inputHeader.bStillCaptureMethod } : {}),
      endpoints,
      formats: vs.formats.map((format) => ({
        index: format.bFormatIndex,
        kind: format.kind,
        pixelFormat: format.pixelFormat,
        ...(format.guidFormat ? { guid: format.guidFormat } : {}),
        ...(format.bBitsPerPixel !== undefined ? { bitsPerPixel: format.bBitsPerPixel } : {}),
        defaultFrameIndex: format.bDefaultFrameIndex,
        frames: format.frames.map((frame) => ({
          index: frame.bFrameIndex,
          width: frame.wWidth,
          height: frame.wHeight,
          defaultInterval: frame.dwDefaultFrameInterval,
          intervals: intervalsInfo(frame.intervals),
        })),
        stillFrames: format.stillFrames.flatMap((still) =>
          still.sizes.map((size) => ({ width: size.wWidth, height: size.wHeight })),
        ),
      })),
    };
  });
  return {
    videoControlInterface: vc.bInterfaceNumber,
    uvcVersion: bcdToString(vc.bcdUVC),
    clockFrequency: vc.dwClockFrequency,
    ...(vc.statusEndpoint ? { statusEndpoint: vc.statusEndpoint.bEndpointAddress } : {}),
    controls,
    extensionUnits,
    streaming,
  };
}

/** The model as plain data. */
export function describeCamera(model: CameraModel): CameraInfo {
  return {
    ...(model.device
      ? {
          vendorId: model.device.idVendor,
          productId: model.device.idProduct,
          usbVersion: bcdToString(model.device.bcdUSB),
        }
      : {}),
    functions: model.functions.map(functionInfo),
    repairs: [...model.repairs],
  };
}

/**
 * Choosing a streaming interface, format, frame size and frame interval from what a user asks.
 *
 * @packageDocumentation
 */
import { CameraError, CameraErrorCode } from '../errors.js';
import type {
  FormatDescriptor,
  FrameDescriptor,
  FrameIntervals,
  VideoFunction,
  VideoStreamingInterface,
} from '../uvc/model.js';

/** What a caller asks for; every field is optional and defaults to the camera's own defaults. */
export interface StreamRequest {
  /** A pixel format name such as `YUYV` or `MJPEG` (case-insensitive). */
  pixelFormat?: string;
  width?: number;
  height?: number;
  /** Frames per second; the nearest interval the frame supports is chosen. */
  fps?: number;
  /** A VideoStreaming interface number, when the camera has several. */
  interfaceNumber?: number;
}

/** A concrete choice: streaming interface, format, frame and interval in 100 ns units. */
export interface StreamChoice {
  streaming: VideoStreamingInterface;
  format: FormatDescriptor;
  frame: FrameDescriptor;
  dwFrameInterval: number;
}

const INTERVALS_PER_SECOND = 10_000_000;
/** How far a frame rate may be from the one asked for: 30 fps is 333,333 × 100 ns, not 1e7/30. */
const FPS_TOLERANCE = 0.01;

/** The rates a frame offers, for messages. */
function describeRates(frame: FrameDescriptor): string {
  const intervals = frame.intervals;
  const fps = (interval: number) => Number((INTERVALS_PER_SECOND / interval).toFixed(2));
  if (intervals.kind === 'continuous') return `${fps(intervals.max)} to ${fps(intervals.min)} fps`;
  return intervals.values.map((value) => `${fps(value)} fps`).join(', ');
}

/** The frame intervals a frame supports, as a list (continuous ranges give their min, default and max). */
export function listIntervals(frame: FrameDescriptor): number[] {
  const intervals: FrameIntervals = frame.intervals;
  if (intervals.kind === 'discrete') return intervals.values;
  return [intervals.min, frame.dwDefaultFrameInterval, intervals.max].filter(
    (value, index, all) => value > 0 && all.indexOf(value) === index,
  );
}

/** The supported interval nearest to `wanted` (a continuous range snaps to its step). */
export function nearestInterval(frame: FrameDescriptor, wanted: number): number {
  const intervals = frame.intervals;
  if (intervals.kind === 'continuous') {
    const { min, max, step } = intervals;
    const clamped = Math.min(Math.max(wanted, min), max);
    if (step <= 0) return clamped;
    return Math.min(max, min + Math.round((clamped - min) / step) * step);
  }
  let best = intervals.values[0] ?? frame.dwDefaultFrameInterval;
  for (const value of intervals.values) {
    if (Math.abs(value - wanted) < Math.abs(best - wanted)) best = value;
  }
  return best;
}

function describeFormats(streaming: VideoStreamingInterface[]): string[] {
  return streaming.flatMap((vs) => vs.formats.map((f) => f.pixelFormat));
}

/** Choose what to stream; throws CameraError 7400101 when nothing matches the request. */
export function selectStream(fn: VideoFunction, request: StreamRequest = {}): StreamChoice {
  const inputs = fn.streaming.filter(
    (vs) =>
      vs.inputHeader !== undefined &&
      vs.formats.length > 0 &&
      (request.interfaceNumber === undefined || vs.bInterfaceNumber === request.interfaceNumber),
  );
  if (inputs.length === 0) {
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, 'no VideoStreaming input interface matches', {
      expected: request.interfaceNumber ?? 'an input interface with formats',
      found: fn.streaming.map((vs) => vs.bInterfaceNumber),
    });
  }

  const wantedFormat = request.pixelFormat?.toUpperCase();
  const candidates = inputs.flatMap((streaming) =>
    streaming.formats
      .filter((format) => wantedFormat === undefined || format.pixelFormat === wantedFormat)
      .map((format) => ({ streaming, format })),
  );
  if (candidates.length === 0) {
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, 'the camera has no such pixel format', {
      expected: wantedFormat,
      found: describeFormats(inputs),
    });
  }

  for (const { streaming, format } of candidates) {
    const frame = pickFrame(format, request);
    if (!frame) continue;
    if (request.fps === undefined) {
      return { streaming, format, frame, dwFrameInterval: nearestInterval(frame, frame.dwDefaultFrameInterval) };
    }
    const dwFrameInterval = nearestInterval(frame, Math.round(INTERVALS_PER_SECOND / request.fps));
    // The nearest interval must be the rate asked for (within 1%), not merely the closest one.
    if (Math.abs(INTERVALS_PER_SECOND / dwFrameInterval - request.fps) > request.fps * FPS_TOLERANCE) {
      throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, 'the camera has no such frame rate', {
        expected: `${request.fps} fps at ${frame.wWidth}x${frame.wHeight} ${format.pixelFormat}`,
        found: describeRates(frame),
      });
    }
    return { streaming, format, frame, dwFrameInterval };
  }

  throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, 'the camera has no such frame size', {
    expected: `${request.width ?? '*'}x${request.height ?? '*'}${wantedFormat ? ` ${wantedFormat}` : ''}`,
    found: candidates.flatMap(({ format }) =>
      format.frames.map((f) => `${f.wWidth}x${f.wHeight} ${format.pixelFormat}`),
    ),
  });
}

function pickFrame(format: FormatDescriptor, request: StreamRequest): FrameDescriptor | undefined {
  if (request.width === undefined && request.height === undefined) {
    return format.frames.find((f) => f.bFrameIndex === format.bDefaultFrameIndex) ?? format.frames[0];
  }
  return format.frames.find(
    (f) =>
      (request.width === undefined || f.wWidth === request.width) &&
      (request.height === undefined || f.wHeight === request.height),
  );
}

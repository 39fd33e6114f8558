/**
 * Output profiles: what a camera's descriptors offer, in OpenHarmony's shape
 * (`CameraOutputCapability` with preview, photo and video profiles).
 *
 * A UVC camera sends one stream per VideoStreaming interface, so every profile is a format and
 * frame size of the descriptors. Preview and photo profiles carry the range of frame rates the
 * frame offers; video profiles are one per frame rate (fixed, `min === max`), plus the whole
 * range for frames with a continuous interval range. Order: descriptor order of formats, the
 * format's default frame first, the fastest rate first.
 *
 * Photos use still method 1 (a frame of the running stream, UVC 1.5 §2.4.2.4), so the photo
 * profiles are the stream's own formats and sizes.
 *
 * @packageDocumentation
 */
import { CameraError, CameraErrorCode } from '../errors.js';
import type {
  CameraModel,
  FormatDescriptor,
  FrameDescriptor,
  PixelFormat,
  VideoStreamingInterface,
} from '../uvc/model.js';
import { listIntervals, nearestInterval } from './select.js';

/** A frame size in pixels. */
export interface Size {
  /** Pixels across. */
  width: number;
  /** Pixels down. */
  height: number;
}

/** A frame-rate range in frames per second; `{ min: 0, max: 0 }` means "not set". */
export interface FrameRateRange {
  /** Slowest rate, frames per second. */
  min: number;
  /** Fastest rate, frames per second. */
  max: number;
}

/** A format, size and frame-rate range the camera streams (`camera.Profile`). */
export interface Profile {
  /** webuvc's pixel format name (`YUYV`, `MJPEG`, …), not OpenHarmony's CameraFormat. */
  readonly format: PixelFormat;
  /** The frame size. */
  readonly size: Readonly<Size>;
  /** The frame rates the profile offers (video: one fixed rate). */
  readonly frameRateRange: Readonly<FrameRateRange>;
}

/** A video profile (`camera.VideoProfile`); fixed-rate ones have `min === max`. */
export type VideoProfile = Profile;

/** What a camera can output (`camera.CameraOutputCapability`). */
export interface CameraOutputCapability {
  /** One per format and frame size. */
  readonly previewProfiles: readonly Profile[];
  /** The same as the preview profiles (still method 1 takes stream frames). */
  readonly photoProfiles: readonly Profile[];
  /** One per format, frame size and frame rate. */
  readonly videoProfiles: readonly VideoProfile[];
  /** Metadata objects (faces, …); UVC cameras report none. */
  readonly supportedMetadataObjectTypes: readonly number[];
}

/** Where a profile lives in the descriptors. */
export interface ProfileLocation {
  streaming: VideoStreamingInterface;
  format: FormatDescriptor;
  frame: FrameDescriptor;
}

/** dwFrameInterval units (100 ns) per second. */
const INTERVALS_PER_SECOND = 10_000_000;

/** Frame rates are reported to two decimals (30.0003 fps is 30, 7.5 stays 7.5). */
const RATE_DECIMALS = 100;

/** Frames per second of a frame interval in 100 ns units, rounded to two decimals. */
export function rateOfInterval(interval: number): number {
  if (interval <= 0) return 0;
  return Math.round((INTERVALS_PER_SECOND / interval) * RATE_DECIMALS) / RATE_DECIMALS;
}

/** The frame interval (100 ns units) a frame offers nearest to `fps`. */
export function intervalForRate(frame: FrameDescriptor, fps: number): number {
  if (fps <= 0) return frame.dwDefaultFrameInterval;
  return nearestInterval(frame, Math.round(INTERVALS_PER_SECOND / fps));
}

/** The frame rates a frame offers, fastest first (a continuous range: its ends and default). */
export function frameRates(frame: FrameDescriptor): number[] {
  const rates = listIntervals(frame).map(rateOfInterval).filter((rate) => rate > 0);
  return [...new Set(rates)].sort((a, b) => b - a);
}

/**
 * The frame-rate ranges a frame supports, as `getSupportedFrameRates` reports them: each rate
 * fixed, fastest first, then the whole range when there is more than one rate.
 */
export function supportedFrameRates(frame: FrameDescriptor): FrameRateRange[] {
  const rates = frameRates(frame);
  const ranges = rates.map((rate) => ({ min: rate, max: rate }));
  const fastest = rates[0];
  const slowest = rates[rates.length - 1];
  if (fastest !== undefined && slowest !== undefined && fastest !== slowest) {
    ranges.push({ min: slowest, max: fastest });
  }
  return ranges;
}

/** The VideoStreaming input interfaces of the first video function that carry formats. */
function inputInterfaces(model: CameraModel): VideoStreamingInterface[] {
  const fn = model.functions[0];
  if (!fn) return [];
  return fn.streaming.filter((vs) => vs.inputHeader !== undefined && vs.formats.length > 0);
}

/** The frames of a format, its default frame first. */
function framesInOrder(format: FormatDescriptor): FrameDescriptor[] {
  const first = format.frames.find((frame) => frame.bFrameIndex === format.bDefaultFrameIndex);
  return first ? [first, ...format.frames.filter((frame) => frame !== first)] : format.frames;
}

/** Every format and frame of the camera's input interfaces, in profile order. */
function locations(model: CameraModel): ProfileLocation[] {
  return inputInterfaces(model).flatMap((streaming) =>
    streaming.formats
      .filter((format) => format.pixelFormat !== 'unknown')
      .flatMap((format) => framesInOrder(format).map((frame) => ({ streaming, format, frame }))),
  );
}

function profileOf(location: ProfileLocation, range: FrameRateRange): Profile {
  const { format, frame } = location;
  return Object.freeze({
    format: format.pixelFormat,
    size: Object.freeze({ width: frame.wWidth, height: frame.wHeight }),
    frameRateRange: Object.freeze({ ...range }),
  });
}

/** The camera's output capability, read off its descriptors. */
export function outputCapability(model: CameraModel | undefined): CameraOutputCapability {
  const found = model ? locations(model) : [];
  const previewProfiles: Profile[] = [];
  const videoProfiles: Profile[] = [];
  for (const location of found) {
    const ranges = supportedFrameRates(location.frame);
    const whole = ranges[ranges.length - 1];
    if (!whole) continue;
    previewProfiles.push(profileOf(location, whole));
    for (const range of ranges) {
      const fixed = range.min === range.max;
      const continuous = location.frame.intervals.kind === 'continuous';
      if (fixed || continuous) videoProfiles.push(profileOf(location, range));
    }
  }
  return Object.freeze({
    previewProfiles: Object.freeze(previewProfiles),
    photoProfiles: Object.freeze([...previewProfiles]),
    videoProfiles: Object.freeze(videoProfiles),
    supportedMetadataObjectTypes: Object.freeze([]),
  });
}

/** Where `profile`'s format and size live in the camera's descriptors, if anywhere. */
export function locateProfile(
  model: CameraModel | undefined,
  profile: Profile,
): ProfileLocation | undefined {
  if (!model) return undefined;
  return locations(model).find(
    ({ format, frame }) =>
      format.pixelFormat === profile.format &&
      frame.wWidth === profile.size.width &&
      frame.wHeight === profile.size.height,
  );
}

/** True when two profiles need the same stream: same format and size. */
export function sameStream(a: Profile, b: Profile): boolean {
  return a.format === b.format && a.size.width === b.size.width && a.size.height === b.size.height;
}

/** `format widthxheight`, for messages. */
export function describeProfile(profile: Profile): string {
  return `${profile.format} ${profile.size.width}x${profile.size.height}`;
}

/**
 * Check that `value` looks like a profile and copy it.
 *
 * @throws CameraError 7400101 when it does not.
 */
export function checkProfile(value: unknown, what: string): Profile {
  const candidate = value as Partial<Profile> | null | undefined;
  const size = candidate?.size;
  const range = candidate?.frameRateRange;
  const valid =
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.format === 'string' &&
    typeof size === 'object' &&
    size !== null &&
    Number.isInteger(size.width) &&
    Number.isInteger(size.height) &&
    (range === undefined || (typeof range.min === 'number' && typeof range.max === 'number'));
  if (!valid) {
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, `${what} needs a profile`, {
      expected: '{ format, size: { width, height }, frameRateRange: { min, max } }',
      found: value === undefined ? 'nothing' : typeof value,
    });
  }
  return Object.freeze({
    format: candidate.format as PixelFormat,
    size: Object.freeze({ width: size.width, height: size.height }),
    frameRateRange: Object.freeze({ min: range?.min ?? 0, max: range?.max ?? 0 }),
  });
}

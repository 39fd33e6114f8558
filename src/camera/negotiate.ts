/**
 * Stream parameter negotiation with the Video Probe and Commit Controls (UVC 1.5 §4.3.1.1.1),
 * as a ladder of small steps the way Linux uvcvideo does it:
 *
 * 1. read the device's defaults: GET_DEF, else GET_CUR, else the descriptors' defaults;
 * 2. SET_CUR(PROBE) with a sanitised request for the chosen format, frame and interval;
 * 3. GET_MIN/GET_MAX(PROBE), informational, skipped or survived when the device STALLs them;
 * 4. GET_CUR(PROBE): the device's answer, the only authoritative one;
 * 5. check what the device changed, then fix up what it left unspecified or got wrong;
 * 6. SET_CUR(COMMIT).
 *
 * GET_MIN/GET_MAX come after SET_CUR(PROBE) because their answer is relative to the format
 * and frame being probed; the Realtek 0bda:5602 trace shows Linux asking in that order.
 *
 * All I/O goes through the `USBDevice` passed in; nothing here parses descriptors.
 *
 * @packageDocumentation
 */

import { CameraError, CameraErrorCode, fromUsbError } from '../errors.js';
import { UVC_REQ, VS_CONTROL } from '../uvc/constants.js';
import type { FormatDescriptor, FrameDescriptor, FrameIntervals } from '../uvc/model.js';
import {
  copyProbe,
  decodeProbe,
  describeProbe,
  emptyProbe,
  encodeProbe,
  PROBE_LENGTH,
  probeLength,
  sanitizeProbe,
  type ProbeControl,
} from '../uvc/probe.js';
import {
  describeRequest,
  getControl,
  isStall,
  setControl,
  UvcRequestError,
  vsRequest,
  type UvcControlParameters,
  type UvcRequestCode,
} from '../uvc/requests.js';

/** Device workarounds that change the ladder (Linux UVC_QUIRK_PROBE_DEF / _PROBE_MINMAX). */
export interface NegotiateQuirks {
  /** Don't issue GET_DEF(PROBE); start from GET_CUR (LifeCam NX-3000, Apple 05ac:8600, …). */
  probeDef?: boolean;
  /** Skip GET_MIN/GET_MAX(PROBE) (Apple iSight 05ac:8501, LifeCam VX-7000, …). */
  probeMinMax?: boolean;
}

/** Receives opt-in debug lines; the category is `probe` for everything here. */
export type DebugSink = (category: string, message: string) => void;

/** What {@link negotiate} needs to know. */
export interface NegotiateOptions {
  /** bInterfaceNumber of the VideoStreaming interface. */
  interfaceNumber: number;
  /** bcdUVC of the VideoControl header; selects the 26/34/48-byte structure. */
  bcdUVC: number;
  format: FormatDescriptor;
  /** One of `format.frames`. */
  frame: FrameDescriptor;
  /** Wanted frame interval in 100 ns units; default `frame.dwDefaultFrameInterval`. */
  dwFrameInterval?: number;
  /**
   * The largest payload the streaming endpoint can move: for isochronous streams the
   * bytesPerInterval of the largest alternate setting, for bulk the payload size the
   * driver will request per transfer.
   */
  maxPayloadCapacity: number;
  /** Default `isochronous`; bulk streams are not limited per interval, so nothing is clamped. */
  transferType?: 'isochronous' | 'bulk';
  quirks?: NegotiateQuirks;
  debug?: DebugSink;
}

/** Where the starting values of the request came from. */
export type DefaultsSource = 'GET_DEF' | 'GET_CUR' | 'descriptor';

/** The outcome of {@link negotiate}. */
export interface Negotiation {
  /** The GET_CUR(PROBE) answer as the device gave it (zero-filled to the full structure). */
  probe: ProbeControl;
  /** What SET_CUR(COMMIT) sent: the answer, fixed up and sanitised. Stream with these values. */
  committed: ProbeControl;
  /**
   * One sentence per deviation: a value the device changed from the request, a value fixed up
   * after the device's answer, a probe request the device did not support.
   */
  adjustments: string[];
  /** What SET_CUR(PROBE) sent. */
  request: ProbeControl;
  /** The starting point of the request. */
  defaults: { source: DefaultsSource; probe: ProbeControl };
  /** GET_MIN/GET_MAX answers where the device gave them. */
  limits: { min?: ProbeControl; max?: ProbeControl };
  /** Bytes of the probe/commit structure used: 26, 34 or 48. */
  length: number;
}

/** UVC 1.0's 26 bytes are the least a GET_DEF/GET_CUR(PROBE) answer must hold to be used. */
const MIN_PROBE_ANSWER = PROBE_LENGTH.UVC_1_0;

/** Bison-based cameras (Linux uvc_video.c) answer GET_MIN/MAX(PROBE) with wCompQuality only. */
const COMP_QUALITY_ONLY_ANSWER = 2;

/** dwMaxPayloadTransferSize values sign-extended from 16 bits (Linux uvc_fixup_video_ctrl). */
const SIGN_EXTENDED_HIGH = 0xffff0000;
const LOW_16_BITS = 0xffff;

/** 100 ns units per second, for messages. */
const INTERVAL_UNITS_PER_SECOND = 1e7;

const BITS_PER_BYTE = 8;

/** Largest values of UVC wire fields. */
const MAX_BYTE = 0xff;
const MAX_BCD = 0xffff;
const MAX_DWORD = 0xffffffff;

/** State shared by the steps of one negotiation. */
interface Ladder {
  device: USBDevice;
  options: NegotiateOptions;
  length: number;
  probeParams: UvcControlParameters;
  commitParams: UvcControlParameters;
  adjustments: string[];
  debug: (message: string) => void;
}

/**
 * Negotiate and commit streaming parameters for one format, frame and interval.
 *
 * @throws CameraError 7400101 when the options are inconsistent (frame not in the format,
 *   interval the frame does not offer, bad numbers).
 * @throws CameraError 7400110 when the device answers the probe with another format or frame.
 * @throws CameraError from the USB failure table when SET_CUR(PROBE), GET_CUR(PROBE) or
 *   SET_CUR(COMMIT) fail (a STALL maps to 7400102; the message names the request and the
 *   bytes sent), 7400201 when the device is gone.
 */
export async function negotiate(
  device: USBDevice,
  options: NegotiateOptions,
): Promise<Negotiation> {
  checkOptions(options);
  const ladder = startLadder(device, options);

  const defaults = await readDefaults(ladder);
  const request = buildRequest(defaults.probe, options);
  await sendProbe(ladder, request);

  const limits = await readLimits(ladder);
  const probe = await readCurrent(ladder);

  checkAnswer(ladder, request, probe);
  const committed = sanitizeProbe(fixUp(ladder, probe), options.format.kind);

  await sendCommit(ladder, committed);
  const { adjustments, length } = ladder;
  return { probe, committed, adjustments, request, defaults, limits, length };
}

function startLadder(device: USBDevice, options: NegotiateOptions): Ladder {
  const sink = options.debug;
  return {
    device,
    options,
    length: probeLength(options.bcdUVC),
    probeParams: vsRequest(options.interfaceNumber, VS_CONTROL.PROBE_CONTROL),
    commitParams: vsRequest(options.interfaceNumber, VS_CONTROL.COMMIT_CONTROL),
    adjustments: [],
    debug: sink === undefined ? () => undefined : (message) => sink('probe', message),
  };
}

/** Step 1: GET_DEF, else GET_CUR, else the descriptors (EasyCAP and iBridge STALL GET_DEF). */
async function readDefaults(
  ladder: Ladder,
): Promise<{ source: DefaultsSource; probe: ProbeControl }> {
  const sources: Array<{ source: 'GET_DEF' | 'GET_CUR'; request: UvcRequestCode }> = [];
  if (ladder.options.quirks?.probeDef !== true) {
    sources.push({ source: 'GET_DEF', request: UVC_REQ.GET_DEF });
  }
  sources.push({ source: 'GET_CUR', request: UVC_REQ.GET_CUR });

  for (const { source, request } of sources) {
    const answer = await tryGetProbe(ladder, request, MIN_PROBE_ANSWER);
    if (answer !== undefined) {
      const probe = decodeProbe(answer);
      ladder.debug(`defaults from ${source}: ${describeProbe(probe)}`);
      return { source, probe };
    }
  }

  const probe = descriptorDefaults(ladder.options.format);
  ladder.adjustments.push('the device gave no probe defaults; started from the descriptors');
  ladder.debug(`defaults from the descriptors: ${describeProbe(probe)}`);
  return { source: 'descriptor', probe };
}

/** Step 2: the request: the defaults, re-targeted at the chosen stream, then sanitised. */
function buildRequest(defaults: ProbeControl, options: NegotiateOptions): ProbeControl {
  const { format, frame } = options;
  const request = copyProbe(defaults);

  // Device-set values belong to the stream the defaults describe; echo them only for that stream.
  const sameFormat = defaults.bFormatIndex === format.bFormatIndex;
  if (!sameFormat || defaults.bFrameIndex !== frame.bFrameIndex) {
    request.wDelay = 0;
    request.dwMaxVideoFrameSize = 0;
    request.dwMaxPayloadTransferSize = 0;
  }
  if (!sameFormat) {
    request.bPreferedVersion = 0;
    request.bMinVersion = 0;
    request.bMaxVersion = 0;
  }

  request.bFormatIndex = format.bFormatIndex;
  request.bFrameIndex = frame.bFrameIndex;
  request.dwFrameInterval = options.dwFrameInterval ?? frame.dwDefaultFrameInterval;
  return sanitizeProbe(request, format.kind);
}

async function sendProbe(ladder: Ladder, request: ProbeControl): Promise<void> {
  ladder.debug(`SET_CUR(PROBE) ${describeProbe(request)}`);
  try {
    await setControl(ladder.device, ladder.probeParams, encodeProbe(request, ladder.length));
  } catch (error) {
    throw asCameraError(error, describeRequest(ladder.probeParams, UVC_REQ.SET_CUR));
  }
}

/** Step 3: GET_MIN/GET_MAX. A STALL or a useless answer only loses the information. */
async function readLimits(ladder: Ladder): Promise<{ min?: ProbeControl; max?: ProbeControl }> {
  if (ladder.options.quirks?.probeMinMax === true) return {};

  const min = await readLimit(ladder, UVC_REQ.GET_MIN);
  const max = await readLimit(ladder, UVC_REQ.GET_MAX);
  const limits: { min?: ProbeControl; max?: ProbeControl } = {};
  if (min !== undefined) limits.min = min;
  if (max !== undefined) limits.max = max;
  return limits;
}

async function readLimit(
  ladder: Ladder,
  request: UvcRequestCode,
): Promise<ProbeControl | undefined> {
  const what = describeRequest(ladder.probeParams, request);
  const answer = await tryGetProbe(ladder, request, COMP_QUALITY_ONLY_ANSWER);
  if (answer === undefined) return undefined;

  if (answer.length === COMP_QUALITY_ONLY_ANSWER) {
    const probe = emptyProbe();
    // The two bytes are a little-endian wCompQuality.
    probe.wCompQuality = (answer[0] ?? 0) | ((answer[1] ?? 0) << BITS_PER_BYTE);
    ladder.debug(`${what} gave wCompQuality only`);
    return probe;
  }
  if (answer.length < MIN_PROBE_ANSWER) {
    ladder.debug(`${what} answered ${answer.length} bytes; ignored`);
    return undefined;
  }
  const probe = decodeProbe(answer);
  ladder.debug(`${what}: ${describeProbe(probe)}`);
  return probe;
}

/** Step 4: GET_CUR(PROBE), the device's verdict. */
async function readCurrent(ladder: Ladder): Promise<ProbeControl> {
  const what = describeRequest(ladder.probeParams, UVC_REQ.GET_CUR);
  let answer: Uint8Array;
  try {
    answer = await getControl(ladder.device, ladder.probeParams, UVC_REQ.GET_CUR, ladder.length, {
      minLength: MIN_PROBE_ANSWER,
    });
  } catch (error) {
    throw asCameraError(error, what);
  }

  if (answer.length < ladder.length) {
    ladder.debug(`${what} answered ${answer.length} of ${ladder.length} bytes; rest taken as zero`);
  }
  const probe = decodeProbe(answer);
  ladder.debug(`GET_CUR(PROBE) ${describeProbe(probe)}`);
  return probe;
}

/** Step 5a: the device may adjust the interval, never the format or frame we asked for. */
function checkAnswer(ladder: Ladder, request: ProbeControl, answer: ProbeControl): void {
  if (answer.bFormatIndex !== request.bFormatIndex || answer.bFrameIndex !== request.bFrameIndex) {
    const { interfaceNumber } = ladder.options;
    throw new CameraError(
      CameraErrorCode.UNRESOLVED_CONFLICTS_WITH_CURRENT_CONFIGURATIONS,
      `The camera answered the probe on interface ${interfaceNumber} with another stream`,
      {
        expected: `format ${request.bFormatIndex} frame ${request.bFrameIndex}`,
        found: `format ${answer.bFormatIndex} frame ${answer.bFrameIndex}`,
      },
    );
  }

  if (answer.dwFrameInterval !== request.dwFrameInterval && answer.dwFrameInterval !== 0) {
    ladder.adjustments.push(
      `dwFrameInterval ${request.dwFrameInterval} (${fps(request.dwFrameInterval)} fps) became ` +
        `${answer.dwFrameInterval} (${fps(answer.dwFrameInterval)} fps): the device adjusted it`,
    );
  }
}

/** Step 5b: fill what the device left at zero and repair sizes no endpoint can carry. */
function fixUp(ladder: Ladder, answer: ProbeControl): ProbeControl {
  const fixed = copyProbe(answer);
  fixFrameInterval(ladder, fixed);
  fixFrameSize(ladder, fixed);
  fixPayloadSize(ladder, fixed);
  return fixed;
}

function fixFrameInterval(ladder: Ladder, probe: ProbeControl): void {
  if (probe.dwFrameInterval !== 0) return;

  const interval = ladder.options.dwFrameInterval ?? ladder.options.frame.dwDefaultFrameInterval;
  probe.dwFrameInterval = interval;
  ladder.adjustments.push(`dwFrameInterval 0 in the answer; kept the requested ${interval}`);
}

/** UVC 1.0 devices may answer dwMaxVideoFrameSize 0 (Linux substitutes the descriptor's size). */
function fixFrameSize(ladder: Ladder, probe: ProbeControl): void {
  if (probe.dwMaxVideoFrameSize !== 0) return;

  const { size, source } = descriptorFrameSize(ladder.options.format, ladder.options.frame);
  if (size === 0) {
    // TODO: probe: frame-based formats without dwBytesPerLine or bBitsPerPixel have no size to use.
    ladder.adjustments.push('dwMaxVideoFrameSize 0 in the answer and no size in the descriptors');
    return;
  }
  probe.dwMaxVideoFrameSize = size;
  ladder.adjustments.push(`dwMaxVideoFrameSize 0 in the answer; used ${size} from ${source}`);
}

/**
 * dwMaxPayloadTransferSize: undo 16-bit sign extension, replace 0 ("unspecified", libuvc
 * issue 276) by the endpoint's capacity, and clamp absurd values of compressed isochronous
 * streams (Alcor 1b17:6684 asks 2,752,512 bytes for MJPEG) to what the endpoint can carry.
 */
function fixPayloadSize(ladder: Ladder, probe: ProbeControl): void {
  const capacity = ladder.options.maxPayloadCapacity;
  const original = probe.dwMaxPayloadTransferSize;

  if ((original & SIGN_EXTENDED_HIGH) >>> 0 === SIGN_EXTENDED_HIGH) {
    probe.dwMaxPayloadTransferSize = original & LOW_16_BITS;
    const used = probe.dwMaxPayloadTransferSize;
    ladder.adjustments.push(`dwMaxPayloadTransferSize ${original} looked sign-extended; used ${used}`);
  }

  if (probe.dwMaxPayloadTransferSize === 0) {
    probe.dwMaxPayloadTransferSize = capacity;
    ladder.adjustments.push(`dwMaxPayloadTransferSize 0 in the answer; used the endpoint's ${capacity}`);
    return;
  }

  const size = probe.dwMaxPayloadTransferSize;
  const isochronous = (ladder.options.transferType ?? 'isochronous') === 'isochronous';
  if (!isochronous || size <= capacity) return;
  if (ladder.options.format.kind === 'uncompressed') {
    // Uncompressed streams need what they ask; the alternate-setting choice will report it.
    ladder.debug(`dwMaxPayloadTransferSize ${size} exceeds the endpoint's ${capacity}`);
    return;
  }
  probe.dwMaxPayloadTransferSize = capacity;
  ladder.adjustments.push(
    `dwMaxPayloadTransferSize ${size} exceeds what the endpoint carries for a compressed format; clamped to ${capacity}`,
  );
}

async function sendCommit(ladder: Ladder, committed: ProbeControl): Promise<void> {
  ladder.debug(`SET_CUR(COMMIT) ${describeProbe(committed)}`);
  try {
    await setControl(ladder.device, ladder.commitParams, encodeProbe(committed, ladder.length));
  } catch (error) {
    throw asCameraError(error, describeRequest(ladder.commitParams, UVC_REQ.SET_CUR));
  }
}

/**
 * A GET on the probe control that may legitimately fail: a STALL or an answer shorter than
 * `minLength` gives `undefined` (logged and noted); every other failure is thrown.
 */
async function tryGetProbe(
  ladder: Ladder,
  request: UvcRequestCode,
  minLength: number,
): Promise<Uint8Array | undefined> {
  const what = describeRequest(ladder.probeParams, request);
  try {
    const { device, probeParams, length } = ladder;
    return await getControl(device, probeParams, request, length, { minLength });
  } catch (error) {
    if (!(error instanceof UvcRequestError) || (!isStall(error) && error.failure !== 'short')) {
      throw asCameraError(error, what);
    }
    ladder.adjustments.push(`${what} is not supported (${error.failure}); continued without it`);
    ladder.debug(`UVC non-compliance: ${error.message}`);
    return undefined;
  }
}

/** The descriptors' default stream (UVC 1.5 §3.9.2.3 bDefaultFrameIndex, §3.9.2.2). */
function descriptorDefaults(format: FormatDescriptor): ProbeControl {
  const probe = emptyProbe();
  const frame =
    format.frames.find((candidate) => candidate.bFrameIndex === format.bDefaultFrameIndex) ??
    format.frames[0];
  probe.bFormatIndex = format.bFormatIndex;
  probe.bFrameIndex = frame?.bFrameIndex ?? 0;
  probe.dwFrameInterval = frame?.dwDefaultFrameInterval ?? 0;
  return probe;
}

/** The largest frame the descriptors allow, and where the number came from. */
function descriptorFrameSize(
  format: FormatDescriptor,
  frame: FrameDescriptor,
): { size: number; source: string } {
  const { wWidth, wHeight, dwMaxVideoFrameBufferSize: bufferSize } = frame;
  if (bufferSize !== undefined && bufferSize > 0) {
    return { size: bufferSize, source: "the frame descriptor's dwMaxVideoFrameBufferSize" };
  }
  const bits = format.bBitsPerPixel;
  if (bits !== undefined && bits > 0) {
    const size = Math.ceil((wWidth * wHeight * bits) / BITS_PER_BYTE);
    return { size, source: `${wWidth}x${wHeight} at ${bits} bits per pixel` };
  }
  if (frame.dwBytesPerLine !== undefined && frame.dwBytesPerLine > 0) {
    return { size: frame.dwBytesPerLine * frame.wHeight, source: 'dwBytesPerLine × wHeight' };
  }
  return { size: 0, source: 'nothing' };
}

function checkOptions(options: NegotiateOptions): void {
  const { format, frame } = options;
  checkInteger('interfaceNumber', options.interfaceNumber, MAX_BYTE);
  checkInteger('bcdUVC', options.bcdUVC, MAX_BCD);
  checkInteger('maxPayloadCapacity', options.maxPayloadCapacity, MAX_DWORD, 1);

  const frameIndexes = format.frames.map((candidate) => candidate.bFrameIndex);
  if (!frameIndexes.includes(frame.bFrameIndex)) {
    const message = "The frame is not one of the format's frames";
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, {
      expected: `one of bFrameIndex ${frameIndexes.join(', ')}`,
      found: frame.bFrameIndex,
    });
  }

  const interval = options.dwFrameInterval ?? frame.dwDefaultFrameInterval;
  checkInteger('dwFrameInterval', interval, MAX_DWORD, 1);
  if (!offersInterval(frame.intervals, interval)) {
    const message = 'Frame rate outside the supported ranges';
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, {
      expected: describeIntervals(frame.intervals),
      found: interval,
    });
  }
}

function offersInterval(intervals: FrameIntervals, interval: number): boolean {
  if (intervals.kind === 'discrete') return intervals.values.includes(interval);
  return interval >= intervals.min && interval <= intervals.max;
}

function describeIntervals(intervals: FrameIntervals): string {
  if (intervals.kind === 'discrete') return `one of ${intervals.values.join(', ')} (100 ns units)`;
  return `${intervals.min}..${intervals.max} step ${intervals.step} (100 ns units)`;
}

function checkInteger(name: string, value: number, max: number, min = 0): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    const message = `Negotiation option ${name} out of range`;
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, {
      expected: `an integer in ${min}..${max}`,
      found: value,
    });
  }
}

/** Map a failed request through the one USB failure table, keeping the request in the message. */
function asCameraError(error: unknown, what: string): CameraError {
  if (error instanceof CameraError) return error;
  if (error instanceof UvcRequestError) return fromUsbError(error, 'Probe/commit negotiation');
  return fromUsbError(error, what);
}

function fps(interval: number): string {
  return (INTERVAL_UNITS_PER_SECOND / interval).toFixed(2);
}

/**
 * Any USB capture as a camera: a usbmon capture (text, or pcap/pcapng with link type 189 or
 * 220 — what Wireshark or tcpdump write on Linux, and what `webuvc record` writes) or a
 * USBPcap capture from Windows (link type 249) becomes a {@link CaptureCamera} that answers as
 * the recorded camera did.
 *
 * - Descriptors come from the capture's GET_DESCRIPTOR answers (device, whole configuration,
 *   other-speed configuration, strings) when it holds them; otherwise from descriptors given
 *   alongside (a file read with `loadDescriptorFile`).
 * - The camera is the device on the capture that a video configuration describes, or that got
 *   class requests and carried the most IN payload (a capture may hold several devices).
 * - Class and vendor request answers, and the video endpoint's bulk or isochronous payloads,
 *   replay as recorded (see `capture-camera.ts` for the rules and the error a request the
 *   capture never saw ends in).
 *
 * Pure: bytes in, a camera out; no file access.
 *
 * @packageDocumentation
 */
import { CameraError, CameraErrorCode } from '../errors.js';
import type { StreamRequest } from '../camera/select.js';
import { USB_DT, USB_REQ, UVC_REQ, VS_CONTROL } from '../uvc/constants.js';
import { parseConfiguration } from '../uvc/descriptors.js';
import type { CameraModel } from '../uvc/model.js';
import { CaptureCamera } from './capture-camera.js';
import type { DescriptorFiles } from './emulated-files.js';
import { captureContainer, readCaptureFile } from './pcap-file.js';
import {
  USB_LINKTYPE,
  extractBulkInCompletions,
  extractControlTransfers,
  extractIsochronousInCompletions,
  parseUsbPcap,
  parseUsbmonText,
  type ControlTransfer,
  type UsbmonEvent,
} from './usbmon.js';
import { LINKTYPE_USBPCAP, usbPcapEvents } from './usbpcap.js';

/** What kind of capture a file was. */
export type CaptureFormat =
  | 'usbmon text'
  | 'usbmon pcap'
  | 'usbmon pcapng'
  | 'USBPcap pcap'
  | 'USBPcap pcapng';

/** A capture read into events. */
export interface ParsedCapture {
  format: CaptureFormat;
  events: UsbmonEvent[];
}

/** How to replay. */
export interface ReplayOptions {
  /** Descriptors to use when the capture holds no GET_DESCRIPTOR answers. */
  descriptors?: Pick<
    DescriptorFiles,
    'configuration' | 'device' | 'otherSpeedConfiguration' | 'strings'
  >;
  /** Which device of the capture is the camera; chosen from the traffic when absent. */
  device?: { bus: number; device: number };
  /** The capture's video endpoint (e.g. 0x81); the one the descriptors name when absent. */
  endpointAddress?: number;
  /** `'recorded'` keeps the capture's timing; `'asap'` (default) serves as fast as read. */
  pace?: 'recorded' | 'asap';
  /** What answers requests the capture never saw (default `'error'`; see `capture-camera.ts`). */
  unseen?: 'error' | 'emulate';
}

/** What the recorded host negotiated: the last probe or commit the capture holds. */
export interface RecordedNegotiation {
  bFormatIndex: number;
  bFrameIndex: number;
  dwFrameInterval: number;
  /** True when it comes from SET_CUR(VS_COMMIT_CONTROL), false from the probe. */
  committed: boolean;
}

/** A replay ready to open: the camera and what was learned about the capture. */
export interface Replay {
  camera: CaptureCamera;
  format: CaptureFormat;
  bus: number;
  device: number;
  /** Where the descriptors came from. */
  descriptorSource: 'capture' | 'descriptors given';
  /** The video endpoint payloads are served on, and the one they were recorded on. */
  endpointAddress: number;
  recordedEndpointAddress: number;
  /** How the video payloads travelled; `'none'` when the capture holds none. */
  transferType: 'bulk' | 'isochronous' | 'none';
  controlTransfers: number;
  /** Bulk completions, or isochronous packets, of the video endpoint. */
  payloads: number;
  negotiation?: RecordedNegotiation;
  /** The stream request that asks for what the capture streamed (empty when unknown). */
  request: StreamRequest;
}

/** Probe/commit fields (UVC 1.5 §4.3.1.1): bFormatIndex @2, bFrameIndex @3, dwFrameInterval @4. */
const PROBE = { FORMAT_INDEX: 2, FRAME_INDEX: 3, FRAME_INTERVAL: 4, MIN_LENGTH: 8 } as const;
const INTERVALS_PER_SECOND = 10_000_000;
/** bmRequestType of a class request to an interface, host to device (USB 2.0 §9.3.1). */
const CLASS_INTERFACE_OUT = 0x21;
const CLASS_INTERFACE_IN = 0xa1;
const STANDARD_DEVICE_IN = 0x80;
/** wLength is 16 bits; a configuration cannot be longer. */
const CONFIG_TOTAL_LENGTH_OFFSET = 2;

function badReplay(message: string, expected: string, found: unknown): CameraError {
  return new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, { expected, found });
}

/**
 * Read a capture of any supported kind: pcap or pcapng of usbmon (189, 220) or USBPcap (249)
 * records, or usbmon text.
 *
 * @throws CameraError 7400101 when the bytes are none of these.
 */
export function parseCaptureFile(input: Uint8Array | string): ParsedCapture {
  if (typeof input === 'string') return { format: 'usbmon text', events: parseUsbmonText(input) };

  const container = captureContainer(input);
  if (!container)
    return { format: 'usbmon text', events: parseUsbmonText(new TextDecoder().decode(input)) };

  const file = readCaptureFile(input);
  const usbmon = file.linkTypes.some(
    (type) => type === USB_LINKTYPE.USB_LINUX || type === USB_LINKTYPE.USB_LINUX_MMAPPED,
  );
  if (usbmon) return { format: `usbmon ${container.container}`, events: parseUsbPcap(input) };
  if (file.linkTypes.includes(LINKTYPE_USBPCAP)) {
    return { format: `USBPcap ${container.container}`, events: usbPcapEvents(file.packets) };
  }
  const expected = 'link type 189 or 220 (Linux usbmon) or 249 (USBPcap)';
  throw badReplay(
    'the capture holds no USB traffic webuvc can read',
    expected,
    file.linkTypes.join(', ') || 'no interface',
  );
}

/** Descriptors a capture's GET_DESCRIPTOR answers hold for one device. */
export interface CapturedDescriptors {
  device?: Uint8Array;
  configuration?: Uint8Array;
  otherSpeedConfiguration?: Uint8Array;
  strings: Record<number, string>;
}

/** The GET_DESCRIPTOR answers of a device's control transfers (USB 2.0 §9.4.3). */
export function capturedDescriptors(controls: readonly ControlTransfer[]): CapturedDescriptors {
  const found: CapturedDescriptors = { strings: {} };
  for (const t of controls) {
    if (
      t.bmRequestType !== STANDARD_DEVICE_IN ||
      t.bRequest !== USB_REQ.GET_DESCRIPTOR ||
      t.status !== 0
    )
      continue;
    const type = t.wValue >> 8;
    const index = t.wValue & 0xff;
    // Only answers the capture holds whole.
    const bytes = t.data.subarray(0, t.dataLength);
    if (bytes.length < t.dataLength || bytes.length < 2) continue;

    if (type === USB_DT.DEVICE && bytes.length >= 18) found.device = bytes.slice(0, 18);
    if (
      (type === USB_DT.CONFIGURATION || type === USB_DT.OTHER_SPEED_CONFIGURATION) &&
      index === 0
    ) {
      const total =
        (bytes[CONFIG_TOTAL_LENGTH_OFFSET] ?? 0) |
        ((bytes[CONFIG_TOTAL_LENGTH_OFFSET + 1] ?? 0) << 8);
      if (bytes.length < total) continue;
      const whole = bytes.slice(0, total);
      if (type === USB_DT.CONFIGURATION) found.configuration = whole;
      else found.otherSpeedConfiguration = whole;
    }
    if (type === USB_DT.STRING && index > 0) found.strings[index] = decodeString(bytes);
  }
  return found;
}

/** A string descriptor's UTF-16LE text (USB 2.0 §9.6.7). */
function decodeString(bytes: Uint8Array): string {
  const length = Math.min(bytes[0] ?? 0, bytes.length);
  let text = '';
  for (let at = 2; at + 1 < length; at += 2)
    text += String.fromCharCode((bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8));
  return text;
}

/** True when a configuration has a video interface (class 0x0E). */
function describesVideo(configuration: Uint8Array | undefined): boolean {
  if (!configuration) return false;
  for (let at = 0; at + 5 < configuration.length; ) {
    const length = configuration[at] ?? 0;
    if (length < 2) break;
    if (configuration[at + 1] === USB_DT.INTERFACE && configuration[at + 5] === 0x0e) return true;
    at += length;
  }
  return false;
}

/** The devices of a capture, the likeliest camera first. */
export function captureDevices(
  events: readonly UsbmonEvent[],
): Array<{ bus: number; device: number; score: number }> {
  const devices = new Map<string, { bus: number; device: number; score: number }>();
  const of = (event: UsbmonEvent) => {
    const key = `${event.bus}:${event.device}`;
    let entry = devices.get(key);
    if (!entry) devices.set(key, (entry = { bus: event.bus, device: event.device, score: 0 }));
    return entry;
  };
  for (const event of events) {
    const entry = of(event);
    // Class requests to an interface: a driver talks to the function; IN payloads: it streams.
    const setupType = event.setup?.[0] ?? -1;
    if (setupType === CLASS_INTERFACE_IN || setupType === CLASS_INTERFACE_OUT)
      entry.score += 1_000_000;
    if (event.type === 'C' && (event.transferType === 'Bi' || event.transferType === 'Zi'))
      entry.score += event.length;
  }
  for (const entry of devices.values()) {
    const controls = extractControlTransfers(events, entry);
    if (describesVideo(capturedDescriptors(controls).configuration)) entry.score += 1e15;
  }
  return [...devices.values()].sort((a, b) => b.score - a.score);
}

/** The last probe or commit the host sent, as recorded. */
export function recordedNegotiation(
  controls: readonly ControlTransfer[],
): RecordedNegotiation | undefined {
  const sets = controls.filter(
    (t) =>
      t.bmRequestType === CLASS_INTERFACE_OUT &&
      t.bRequest === UVC_REQ.SET_CUR &&
      t.wIndex >> 8 === 0 &&
      t.data.length >= PROBE.MIN_LENGTH &&
      (t.wValue >> 8 === VS_CONTROL.PROBE_CONTROL || t.wValue >> 8 === VS_CONTROL.COMMIT_CONTROL),
  );
  const commit = sets.filter((t) => t.wValue >> 8 === VS_CONTROL.COMMIT_CONTROL).at(-1);
  const chosen = commit ?? sets.at(-1);
  if (!chosen) return undefined;
  const data = chosen.data;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return {
    bFormatIndex: data[PROBE.FORMAT_INDEX] ?? 0,
    bFrameIndex: data[PROBE.FRAME_INDEX] ?? 0,
    dwFrameInterval: view.getUint32(PROBE.FRAME_INTERVAL, true),
    committed: commit !== undefined,
  };
}

/** The stream request that asks the camera for a recorded negotiation. */
function requestFor(
  model: CameraModel,
  negotiation: RecordedNegotiation | undefined,
  interfaceNumber: number | undefined,
): StreamRequest {
  if (!negotiation) return {};
  const streaming = model.functions
    .flatMap((fn) => fn.streaming)
    .find((vs) => vs.bInterfaceNumber === interfaceNumber);
  const format = streaming?.formats.find((f) => f.bFormatIndex === negotiation.bFormatIndex);
  const frame = format?.frames.find((f) => f.bFrameIndex === negotiation.bFrameIndex);
  if (!streaming || !format || !frame) return {};
  return {
    interfaceNumber: streaming.bInterfaceNumber,
    pixelFormat: format.pixelFormat,
    width: frame.wWidth,
    height: frame.wHeight,
    ...(negotiation.dwFrameInterval > 0
      ? { fps: INTERVALS_PER_SECOND / negotiation.dwFrameInterval }
      : {}),
  };
}

/** The video endpoints of a model, by VideoStreaming interface. */
function videoEndpoints(model: CameraModel): Array<{ interfaceNumber: number; address: number }> {
  return model.functions.flatMap((fn) =>
    fn.streaming
      .filter((vs) => vs.inputHeader !== undefined)
      .map((vs) => ({
        interfaceNumber: vs.bInterfaceNumber,
        address: vs.inputHeader!.bEndpointAddress,
      })),
  );
}

/** Every endpoint address a configuration descriptor set declares (USB 2.0 §9.6.6). */
function declaredEndpoints(configuration: Uint8Array): Set<number> {
  const addresses = new Set<number>();
  for (let at = 0; at + 2 < configuration.length; ) {
    const length = configuration[at] ?? 0;
    if (length < 2) break;
    if (configuration[at + 1] === USB_DT.ENDPOINT) addresses.add(configuration[at + 2] ?? 0);
    at += length;
  }
  return addresses;
}

/**
 * The capture's video endpoint: a video endpoint of the descriptors that carried payloads, else
 * the busiest IN endpoint the descriptors do not give to another interface (descriptors of
 * another camera given alongside), else the descriptors' first video endpoint.
 */
function recordedVideoEndpoint(
  events: readonly UsbmonEvent[],
  where: { bus: number; device: number },
  video: readonly number[],
  declared: ReadonlySet<number>,
): number | undefined {
  const bytes = new Map<number, number>();
  for (const e of events) {
    const payload = e.type === 'C' && (e.transferType === 'Bi' || e.transferType === 'Zi');
    if (!payload || e.bus !== where.bus || e.device !== where.device) continue;
    bytes.set(e.endpoint, (bytes.get(e.endpoint) ?? 0) + e.length + 1);
  }
  const withPayload = video.find((address) => bytes.has(address));
  if (withPayload !== undefined) return withPayload;

  let best: number | undefined;
  for (const [endpoint, count] of bytes) {
    if (declared.has(endpoint)) continue;
    if (best === undefined || count > (bytes.get(best) ?? 0)) best = endpoint;
  }
  return best ?? video[0];
}

/**
 * Make a camera of a capture (see the module notes).
 *
 * @throws CameraError 7400101 when the capture holds no device, or no descriptors and none are
 *   given; 7400108 when the descriptors do not describe a camera.
 */
export function replayCapture(capture: ParsedCapture, options: ReplayOptions = {}): Replay {
  const { events, format } = capture;
  const chosen = options.device ?? captureDevices(events)[0];
  if (!chosen)
    throw badReplay('the capture holds no USB traffic', 'at least one transfer', '0 events');
  const { bus, device } = chosen;

  const controls = extractControlTransfers(events, { bus, device });
  const captured = capturedDescriptors(controls);
  const fromCapture = captured.configuration !== undefined;
  const descriptors = fromCapture ? captured : options.descriptors;
  if (!descriptors?.configuration) {
    throw badReplay(
      `the capture holds no configuration descriptor of device ${bus}:${device}`,
      'a capture that starts at enumeration, or descriptors given alongside (--descriptors FILE)',
      `${controls.length} control transfers without a whole GET_DESCRIPTOR(CONFIGURATION) answer`,
    );
  }
  const deviceDescriptor = fromCapture
    ? (captured.device ?? options.descriptors?.device)
    : descriptors.device;
  const model = parseConfiguration(descriptors.configuration, deviceDescriptor);

  // The capture's video endpoint, and the descriptors' one it is served on.
  const endpoints = videoEndpoints(model);
  const video = endpoints.map((e) => e.address);
  const declared = declaredEndpoints(descriptors.configuration);
  const recorded =
    options.endpointAddress ?? recordedVideoEndpoint(events, { bus, device }, video, declared);
  const target = endpoints.find((e) => e.address === recorded) ?? endpoints[0];
  if (recorded === undefined || !target) {
    throw new CameraError(
      CameraErrorCode.DEVICE_DISABLED,
      'the replayed descriptors have no video input endpoint',
      {
        expected: 'a VideoStreaming interface with an input header',
        found: `${model.functions.length} video functions`,
      },
    );
  }

  const filter = { bus, device, endpoint: recorded };
  const completions = extractBulkInCompletions(events, filter);
  const isochronous = extractIsochronousInCompletions(events, filter);
  const strings = { ...(descriptors.strings ?? {}), ...(fromCapture ? captured.strings : {}) };
  const otherSpeed = descriptors.otherSpeedConfiguration;

  const camera = new CaptureCamera({
    configuration: descriptors.configuration,
    ...(deviceDescriptor ? { device: deviceDescriptor } : {}),
    ...(otherSpeed ? { otherSpeedConfiguration: otherSpeed } : {}),
    ...(Object.keys(strings).length > 0 ? { strings } : {}),
    controls,
    completions,
    isochronous,
    endpointAddress: target.address,
    ...(options.pace ? { pace: options.pace } : {}),
    ...(options.unseen ? { unseen: options.unseen } : {}),
  });

  const negotiation = recordedNegotiation(controls);
  return {
    camera,
    format,
    bus,
    device,
    descriptorSource: fromCapture ? 'capture' : 'descriptors given',
    endpointAddress: target.address,
    recordedEndpointAddress: recorded,
    transferType: isochronous.length > 0 ? 'isochronous' : completions.length > 0 ? 'bulk' : 'none',
    controlTransfers: controls.length,
    payloads: camera.recordedPayloads,
    ...(negotiation ? { negotiation } : {}),
    request: requestFor(model, negotiation, target.interfaceNumber),
  };
}

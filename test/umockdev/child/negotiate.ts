/**
 * Probe/commit for the programs under umockdev-run, over any transport: read the configuration
 * descriptor from the device, pick a format and frame, SET_CUR/GET_CUR(VS_PROBE_CONTROL),
 * SET_CUR(VS_COMMIT_CONTROL), and choose the streaming endpoint and alternate setting.
 */
import { parseConfiguration } from '../../../src/uvc/descriptors.js';
import type { EndpointInfo, VideoStreamingInterface } from '../../../src/uvc/model.js';
import {
  decodeProbe,
  encodeProbe,
  probeLength,
  type ProbeControl,
} from '../../../src/uvc/probe.js';
import { USB_REQ, UVC_REQ, VS_CONTROL } from '../../../src/uvc/constants.js';

/** bmRequestType values (USB 2.0 Table 9-2). */
const STANDARD_DEVICE_IN = 0x80;
const CLASS_INTERFACE_IN = 0xa1;
const CLASS_INTERFACE_OUT = 0x21;
const CONFIG_HEADER_LENGTH = 9;
const DESCRIPTOR_CONFIGURATION = 0x0200;

/** The control requests a transport offers. */
export interface ControlChannel {
  controlIn(
    bmRequestType: number,
    bRequest: number,
    wValue: number,
    wIndex: number,
    length: number,
  ): Promise<Uint8Array>;
  controlOut(
    bmRequestType: number,
    bRequest: number,
    wValue: number,
    wIndex: number,
    data: Uint8Array,
  ): Promise<void>;
}

/** What to stream. */
export interface StreamChoice {
  pixelFormat: string;
  width: number;
  height: number;
}

/** The result of negotiation. */
export interface Negotiated {
  vs: VideoStreamingInterface;
  probe: ProbeControl;
  endpoint: EndpointInfo;
  /** 0 for bulk cameras, whose endpoint is in alternate setting 0. */
  alternate: number;
}

/** Read the full configuration descriptor through GET_DESCRIPTOR. */
export async function readConfiguration(channel: ControlChannel): Promise<Uint8Array> {
  const head = await channel.controlIn(
    STANDARD_DEVICE_IN,
    USB_REQ.GET_DESCRIPTOR,
    DESCRIPTOR_CONFIGURATION,
    0,
    CONFIG_HEADER_LENGTH,
  );
  const total = (head[2] ?? 0) | ((head[3] ?? 0) << 8);
  return channel.controlIn(
    STANDARD_DEVICE_IN,
    USB_REQ.GET_DESCRIPTOR,
    DESCRIPTOR_CONFIGURATION,
    0,
    total,
  );
}

/** Negotiate `choice` on the first VideoStreaming interface. */
export async function negotiate(
  channel: ControlChannel,
  config: Uint8Array,
  choice: StreamChoice,
): Promise<Negotiated> {
  const model = parseConfiguration(config);
  const fn = model.functions[0];
  const vs = fn?.streaming[0];
  if (fn === undefined || vs === undefined) throw new Error('no VideoStreaming interface');
  const format = vs.formats.find((f) => f.pixelFormat === choice.pixelFormat);
  const frame = format?.frames.find(
    (f) => f.wWidth === choice.width && f.wHeight === choice.height,
  );
  if (format === undefined || frame === undefined) {
    throw new Error(
      `no ${choice.pixelFormat} ${choice.width}x${choice.height} on interface ${vs.bInterfaceNumber}`,
    );
  }

  const length = probeLength(fn.videoControl.bcdUVC);
  const wanted = decodeProbe(new Uint8Array(length));
  wanted.bmHint = 1;
  wanted.bFormatIndex = format.bFormatIndex;
  wanted.bFrameIndex = frame.bFrameIndex;
  wanted.dwFrameInterval = frame.dwDefaultFrameInterval;

  const iface = vs.bInterfaceNumber;
  await channel.controlOut(
    CLASS_INTERFACE_OUT,
    UVC_REQ.SET_CUR,
    VS_CONTROL.PROBE_CONTROL << 8,
    iface,
    encodeProbe(wanted, length),
  );
  const probe = decodeProbe(
    await channel.controlIn(
      CLASS_INTERFACE_IN,
      UVC_REQ.GET_CUR,
      VS_CONTROL.PROBE_CONTROL << 8,
      iface,
      length,
    ),
  );
  await channel.controlOut(
    CLASS_INTERFACE_OUT,
    UVC_REQ.SET_CUR,
    VS_CONTROL.COMMIT_CONTROL << 8,
    iface,
    encodeProbe(probe, length),
  );

  const { endpoint, alternate } = chooseEndpoint(vs, probe.dwMaxPayloadTransferSize);
  return { vs, probe, endpoint, alternate };
}

/** The bulk endpoint, or the smallest isochronous alternate that carries the payload size. */
function chooseEndpoint(
  vs: VideoStreamingInterface,
  payloadSize: number,
): { endpoint: EndpointInfo; alternate: number } {
  let best: { endpoint: EndpointInfo; alternate: number } | undefined;
  for (const alt of vs.alternateSettings) {
    for (const endpoint of alt.endpoints) {
      if (endpoint.transferType === 'bulk') return { endpoint, alternate: alt.bAlternateSetting };
      if (endpoint.transferType !== 'isochronous' || endpoint.bytesPerInterval < payloadSize)
        continue;
      if (best === undefined || endpoint.bytesPerInterval < best.endpoint.bytesPerInterval) {
        best = { endpoint, alternate: alt.bAlternateSetting };
      }
    }
  }
  if (best === undefined)
    throw new Error(`no alternate setting carries ${payloadSize} bytes per interval`);
  return best;
}

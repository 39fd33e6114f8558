/**
 * Windows USBPcap captures (LINKTYPE_USBPCAP, 249) read into the event shape of `usbmon.ts`,
 * so replay and the transfer extractors treat them like Linux captures; and the inverse, a
 * writer, which is how webuvc's USBPcap sample was made (no real USBPcap capture of a camera
 * was found to test with).
 *
 * Layout (USBPcap capture format specification; all fields little-endian, packed): a 27-byte
 * `USBPCAP_BUFFER_PACKET_HEADER` — headerLen u16 @0, irpId u64 @2, status (USBD_STATUS) u32
 * @10, function u16 @14, info u8 @16 (bit 0: the IRP returns from the device), bus u16 @17,
 * device u16 @19, endpoint u8 @21, transfer u8 @22, dataLength u32 @23 — then a control
 * transfer's stage byte, or an isochronous transfer's startFrame, numberOfPackets, errorCount
 * and packets (offset, length, status; 12 bytes each); the data follows at headerLen.
 *
 * Control transfers: USBPcap 1.5 and later record a SETUP packet (8 setup bytes and any OUT
 * data) and a COMPLETE packet (any IN data); earlier versions recorded SETUP, an optional DATA
 * packet and STATUS. Both are read; the writer writes the 1.5 form.
 *
 * @packageDocumentation
 */
import { CameraError, CameraErrorCode } from '../errors.js';
import { readCaptureFile, type CapturePacket } from './pcap-file.js';
import type { UsbmonEvent, UsbmonIsoDescriptor, UsbmonTransferType } from './usbmon.js';

/** LINKTYPE_USBPCAP. */
export const LINKTYPE_USBPCAP = 249;

/** USBPCAP_BUFFER_PACKET_HEADER and the transfer-specific headers that extend it. */
const HEADER = {
  SIZE: 27,
  HEADER_LEN: 0,
  IRP_ID: 2,
  STATUS: 10,
  FUNCTION: 14,
  INFO: 16,
  BUS: 17,
  DEVICE: 19,
  ENDPOINT: 21,
  TRANSFER: 22,
  DATA_LENGTH: 23,
  /** USBPCAP_BUFFER_CONTROL_HEADER: the stage byte. */
  CONTROL_STAGE: 27,
  CONTROL_SIZE: 28,
  /** USBPCAP_BUFFER_ISOCH_HEADER. */
  ISO_START_FRAME: 27,
  ISO_PACKET_COUNT: 31,
  ISO_ERROR_COUNT: 35,
  ISO_PACKETS: 39,
  ISO_PACKET_SIZE: 12,
} as const;

/** USBPCAP_INFO_PDO_TO_FDO: the IRP is on its way back from the device (a completion). */
const INFO_PDO_TO_FDO = 0x01;

/** USBPCAP_TRANSFER_* values. */
export const USBPCAP_TRANSFER = {
  ISOCHRONOUS: 0,
  INTERRUPT: 1,
  CONTROL: 2,
  BULK: 3,
  IRP_INFO: 0xfe,
  UNKNOWN: 0xff,
} as const;

/** USBPCAP_CONTROL_STAGE_* values. */
export const USBPCAP_CONTROL_STAGE = { SETUP: 0, DATA: 1, STATUS: 2, COMPLETE: 3 } as const;

/** URB function codes (Windows usb.h) the writer sets. */
const URB_FUNCTION = {
  SELECT_CONFIGURATION: 0x0000,
  SELECT_INTERFACE: 0x0001,
  CONTROL_TRANSFER: 0x0008,
  BULK_OR_INTERRUPT_TRANSFER: 0x0009,
  ISOCH_TRANSFER: 0x000a,
  GET_DESCRIPTOR_FROM_DEVICE: 0x000b,
  CLASS_DEVICE: 0x001a,
  CLASS_INTERFACE: 0x001b,
  CLASS_ENDPOINT: 0x001c,
  SYNC_CLEAR_STALL: 0x0030,
} as const;

/** USBD_STATUS codes (Windows usb.h) and the Linux errno a usbmon capture would show. */
const USBD_STATUS_ERRNO: ReadonlyMap<number, number> = new Map([
  [0x00000000, 0], // SUCCESS
  [0x40000000, -115], // PENDING: EINPROGRESS
  [0xc0000001, -84], // CRC: EILSEQ
  [0xc0000002, -71], // BTSTUFF: EPROTO
  [0xc0000003, -84], // DATA_TOGGLE_MISMATCH: EILSEQ
  [0xc0000004, -32], // STALL_PID: EPIPE
  [0xc0000005, -71], // DEV_NOT_RESPONDING: EPROTO
  [0xc0000008, -75], // DATA_OVERRUN: EOVERFLOW
  [0xc0000009, -121], // DATA_UNDERRUN: EREMOTEIO
  [0xc000000c, -63], // BUFFER_OVERRUN: ENOSR
  [0xc000000d, -70], // BUFFER_UNDERRUN: ECOMM
  [0xc000000f, -18], // NOT_ACCESSED: EXDEV
  [0xc0000012, -75], // BABBLE_DETECTED: EOVERFLOW
  [0xc0000030, -32], // ENDPOINT_HALTED: EPIPE
  [0xc0010000, -2], // CANCELED: ENOENT
  [0xc0020000, -18], // ISO_NOT_ACCESSED_BY_HW: EXDEV
  [0xc0040000, -18], // ISO_NA_LATE_USBPORT: EXDEV
  [0xc0050000, -18], // ISO_NOT_ACCESSED_LATE: EXDEV
  [0xc0006000, -110], // TIMEOUT: ETIMEDOUT
  [0xc0007000, -19], // DEVICE_GONE: ENODEV
]);

/** The USBD_STATUS the writer uses for each errno (the first one of the table above). */
const ERRNO_USBD_STATUS: ReadonlyMap<number, number> = new Map(
  [...USBD_STATUS_ERRNO].reverse().map(([status, errno]) => [errno, status]),
);

/** EPROTO: what any other failure code reads as. */
const ERRNO_PROTOCOL = -71;
const STATUS_IN_PROGRESS = -115;
const SETUP_SIZE = 8;
const ENDPOINT_IN = 0x80;

/** usbmon transfer letters by USBPcap transfer type. */
const TRANSFER_LETTER: Record<number, string> = { 0: 'Z', 1: 'I', 2: 'C', 3: 'B' };

function badCapture(message: string, expected: string, found: unknown): CameraError {
  return new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, { expected, found });
}

/** The errno a USBD_STATUS stands for. */
export function usbdStatusToErrno(status: number): number {
  const known = USBD_STATUS_ERRNO.get(status >>> 0);
  if (known !== undefined) return known;
  // The top two bits: 00 success, 01 pending, 11 error (Windows usb.h USBD_STATUS).
  const severity = (status >>> 30) & 0x3;
  if (severity === 0) return 0;
  return severity === 1 ? STATUS_IN_PROGRESS : ERRNO_PROTOCOL;
}

/** One USBPcap packet, decoded. */
interface UsbPcapRecord {
  timestampUs: number;
  irpId: string;
  status: number;
  completion: boolean;
  bus: number;
  device: number;
  endpoint: number;
  transfer: number;
  stage?: number;
  iso?: { startFrame: number; errorCount: number; packets: UsbmonIsoDescriptor[] };
  /** dataLength as recorded (the bytes may have been cut by the capture's snap length). */
  dataLength: number;
  data: Uint8Array;
}

function decodeRecord(packet: CapturePacket, index: number): UsbPcapRecord {
  const bytes = packet.data;
  if (bytes.length < HEADER.SIZE) {
    throw badCapture(
      `USBPcap packet ${index + 1} is too short`,
      `${HEADER.SIZE} header bytes`,
      bytes.length,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint16(HEADER.HEADER_LEN, true);
  const transfer = bytes[HEADER.TRANSFER] ?? USBPCAP_TRANSFER.UNKNOWN;
  if (headerLength < HEADER.SIZE || headerLength > bytes.length) {
    const message = `USBPcap packet ${index + 1} has a bad header length`;
    throw badCapture(message, `${HEADER.SIZE} to ${bytes.length} bytes`, headerLength);
  }

  const dataLength = view.getUint32(HEADER.DATA_LENGTH, true);
  const high = view.getUint32(HEADER.IRP_ID + 4, true);
  const low = view.getUint32(HEADER.IRP_ID, true);
  const record: UsbPcapRecord = {
    timestampUs: packet.timestampUs,
    irpId: high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0'),
    status: view.getUint32(HEADER.STATUS, true),
    completion: ((bytes[HEADER.INFO] ?? 0) & INFO_PDO_TO_FDO) !== 0,
    bus: view.getUint16(HEADER.BUS, true),
    device: view.getUint16(HEADER.DEVICE, true),
    endpoint: bytes[HEADER.ENDPOINT] ?? 0,
    transfer,
    dataLength,
    data: bytes.slice(
      headerLength,
      headerLength + Math.min(dataLength, bytes.length - headerLength),
    ),
  };

  if (transfer === USBPCAP_TRANSFER.CONTROL && headerLength >= HEADER.CONTROL_SIZE) {
    record.stage = bytes[HEADER.CONTROL_STAGE];
  }
  if (transfer === USBPCAP_TRANSFER.ISOCHRONOUS)
    record.iso = decodeIsoHeader(view, headerLength, index);
  return record;
}

function decodeIsoHeader(
  view: DataView,
  headerLength: number,
  index: number,
): UsbPcapRecord['iso'] {
  if (headerLength < HEADER.ISO_PACKETS) {
    const message = `USBPcap isochronous packet ${index + 1} has no isochronous header`;
    throw badCapture(message, `at least ${HEADER.ISO_PACKETS} header bytes`, headerLength);
  }
  const count = view.getUint32(HEADER.ISO_PACKET_COUNT, true);
  const room = Math.floor((headerLength - HEADER.ISO_PACKETS) / HEADER.ISO_PACKET_SIZE);
  if (count > room) {
    const message = `USBPcap isochronous packet ${index + 1} lists more packets than it holds`;
    throw badCapture(message, `at most ${room} packets`, count);
  }

  const packets: UsbmonIsoDescriptor[] = [];
  for (let packet = 0; packet < count; packet += 1) {
    const at = HEADER.ISO_PACKETS + packet * HEADER.ISO_PACKET_SIZE;
    packets.push({
      offset: view.getUint32(at, true),
      length: view.getUint32(at + 4, true),
      status: usbdStatusToErrno(view.getUint32(at + 8, true)),
    });
  }
  return {
    startFrame: view.getUint32(HEADER.ISO_START_FRAME, true),
    errorCount: view.getUint32(HEADER.ISO_ERROR_COUNT, true),
    packets,
  };
}

/**
 * Decode the packets of a USBPcap capture (link type 249) into usbmon-shaped events: one
 * submission ('S') and one completion ('C') per transfer, control stages merged. Packets of
 * other link types, IRP information packets and unknown transfer types are skipped.
 *
 * @throws CameraError 7400101 for a packet too short for its header.
 */
export function usbPcapEvents(packets: readonly CapturePacket[]): UsbmonEvent[] {
  const events: UsbmonEvent[] = [];
  // Control transfers in progress by IRP: the submission, and the completion once seen.
  const controls = new Map<string, { submit: UsbmonEvent; complete?: UsbmonEvent }>();

  packets.forEach((packet, index) => {
    if (packet.linkType !== LINKTYPE_USBPCAP) return;
    const record = decodeRecord(packet, index);
    const letter = TRANSFER_LETTER[record.transfer];
    if (letter === undefined) return;
    if (letter === 'C') {
      controlEvent(record, controls, events);
      return;
    }
    events.push(dataEvent(record, letter));
  });
  return events;
}

/** A bulk, interrupt or isochronous IRP, going out or coming back. */
function dataEvent(record: UsbPcapRecord, letter: string): UsbmonEvent {
  const inbound = (record.endpoint & ENDPOINT_IN) !== 0;
  const event = baseEvent(
    record,
    `${letter}${inbound ? 'i' : 'o'}` as UsbmonTransferType,
    record.endpoint,
  );
  event.data = record.data;
  event.dataLength = record.data.length;
  event.length = record.dataLength;

  const iso = record.iso;
  if (iso) {
    event.startFrame = iso.startFrame;
    event.iso = {
      errorCount: iso.errorCount,
      packetCount: iso.packets.length,
      descriptors: iso.packets,
    };
    // A completion's URB length is what arrived: the sum of the packets' actual lengths.
    if (record.completion && inbound)
      event.length = iso.packets.reduce((sum, p) => sum + p.length, 0);
  }
  return event;
}

function baseEvent(
  record: UsbPcapRecord,
  transferType: UsbmonTransferType,
  endpoint: number,
): UsbmonEvent {
  return {
    id: record.irpId,
    timestampUs: record.timestampUs,
    type: record.completion ? 'C' : 'S',
    transferType,
    bus: record.bus,
    device: record.device,
    endpoint,
    status: record.completion ? usbdStatusToErrno(record.status) : STATUS_IN_PROGRESS,
    length: 0,
    data: new Uint8Array(0),
    dataLength: 0,
  };
}

/**
 * One packet of a control transfer: SETUP starts the submission (with any OUT data), DATA adds
 * OUT data going out or IN data coming back, STATUS and COMPLETE end it (COMPLETE with any IN
 * data).
 */
function controlEvent(
  record: UsbPcapRecord,
  controls: Map<string, { submit: UsbmonEvent; complete?: UsbmonEvent }>,
  events: UsbmonEvent[],
): void {
  const key = `${record.irpId}/${record.bus}/${record.device}`;
  if (!record.completion && record.stage === USBPCAP_CONTROL_STAGE.SETUP) {
    const setup = record.data.slice(0, SETUP_SIZE);
    const inbound = ((setup[0] ?? 0) & ENDPOINT_IN) !== 0;
    const endpoint = (record.endpoint & 0x7f) | (inbound ? ENDPOINT_IN : 0);
    const submit = baseEvent(record, inbound ? 'Ci' : 'Co', endpoint);
    submit.setup = setup;
    submit.length = (setup[6] ?? 0) | ((setup[7] ?? 0) << 8);
    submit.data = record.data.slice(SETUP_SIZE);
    submit.dataLength = submit.data.length;
    controls.set(key, { submit });
    events.push(submit);
    return;
  }

  const transfer = controls.get(key);
  if (!transfer) return;
  const { submit } = transfer;
  if (!record.completion) {
    // Before USBPcap 1.5: OUT data in a DATA packet of its own.
    submit.data = concat(submit.data, record.data);
    submit.dataLength = submit.data.length;
    return;
  }

  let complete = transfer.complete;
  if (!complete) {
    complete = baseEvent(record, submit.transferType, submit.endpoint);
    complete.length = submit.transferType === 'Co' ? submit.dataLength : 0;
    transfer.complete = complete;
    events.push(complete);
  }
  complete.status = usbdStatusToErrno(record.status);
  complete.timestampUs = record.timestampUs;
  if (submit.transferType === 'Ci' && record.data.length > 0) {
    complete.data = concat(complete.data, record.data);
    complete.dataLength = complete.data.length;
    complete.length += record.dataLength;
  }
  if (record.stage !== USBPCAP_CONTROL_STAGE.DATA) controls.delete(key);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Parse a USBPcap capture file (classic pcap or pcapng, link type 249).
 *
 * @throws CameraError 7400101 when the file is not a capture or holds no USBPcap interface.
 */
export function parseUsbPcapFile(bytes: Uint8Array): UsbmonEvent[] {
  const file = readCaptureFile(bytes);
  if (!file.linkTypes.includes(LINKTYPE_USBPCAP)) {
    const message = 'capture is not a USBPcap capture';
    throw badCapture(
      message,
      `link type ${LINKTYPE_USBPCAP} (USBPCAP)`,
      file.linkTypes.join(', ') || 'none',
    );
  }
  return usbPcapEvents(file.packets);
}

// ---------------------------------------------------------------------------------------------
// Writing

/** Classic pcap file header fields of the writer. */
const PCAP_FILE = {
  MAGIC: 0xa1b2c3d4,
  VERSION_MAJOR: 2,
  VERSION_MINOR: 4,
  HEADER_SIZE: 24,
  RECORD_HEADER_SIZE: 16,
  SNAP_LENGTH: 0x40000,
} as const;

const MICROSECONDS_PER_SECOND = 1_000_000;

/** The URB function Windows would use for a control request (USBPcap records it as is). */
function controlFunction(setup: Uint8Array): number {
  const bmRequestType = setup[0] ?? 0;
  const bRequest = setup[1] ?? 0;
  const type = (bmRequestType >> 5) & 0x3;
  const recipient = bmRequestType & 0x1f;
  if (type === 0 && bRequest === 0x06) return URB_FUNCTION.GET_DESCRIPTOR_FROM_DEVICE;
  if (type === 0 && bRequest === 0x09) return URB_FUNCTION.SELECT_CONFIGURATION;
  if (type === 0 && bRequest === 0x0b) return URB_FUNCTION.SELECT_INTERFACE;
  if (type === 0 && bRequest === 0x01 && recipient === 2) return URB_FUNCTION.SYNC_CLEAR_STALL;
  if (type === 1) {
    return (
      [URB_FUNCTION.CLASS_DEVICE, URB_FUNCTION.CLASS_INTERFACE, URB_FUNCTION.CLASS_ENDPOINT][
        recipient
      ] ?? URB_FUNCTION.CONTROL_TRANSFER
    );
  }
  return URB_FUNCTION.CONTROL_TRANSFER;
}

function errnoToUsbdStatus(errno: number, completion: boolean): number {
  if (!completion) return 0;
  return ERRNO_USBD_STATUS.get(errno) ?? 0xc0000005;
}

/** One USBPcap packet: header fields, transfer-specific header bytes, data. */
function encodePacket(
  event: UsbmonEvent,
  fields: {
    function: number;
    extra: Uint8Array;
    data: Uint8Array;
    transfer: number;
    endpoint: number;
  },
): Uint8Array {
  const headerLength = HEADER.SIZE + fields.extra.length;
  const bytes = new Uint8Array(headerLength + fields.data.length);
  const view = new DataView(bytes.buffer);
  const id = event.id.padStart(16, '0').slice(-16);
  const completion = event.type !== 'S';

  view.setUint16(HEADER.HEADER_LEN, headerLength, true);
  view.setUint32(HEADER.IRP_ID, Number.parseInt(id.slice(8), 16) >>> 0, true);
  view.setUint32(HEADER.IRP_ID + 4, Number.parseInt(id.slice(0, 8), 16) >>> 0, true);
  view.setUint32(HEADER.STATUS, errnoToUsbdStatus(event.status, completion), true);
  view.setUint16(HEADER.FUNCTION, fields.function, true);
  bytes[HEADER.INFO] = completion ? INFO_PDO_TO_FDO : 0;
  view.setUint16(HEADER.BUS, event.bus, true);
  view.setUint16(HEADER.DEVICE, event.device, true);
  bytes[HEADER.ENDPOINT] = fields.endpoint;
  bytes[HEADER.TRANSFER] = fields.transfer;
  view.setUint32(HEADER.DATA_LENGTH, fields.data.length, true);
  bytes.set(fields.extra, HEADER.SIZE);
  bytes.set(fields.data, headerLength);
  return bytes;
}

/** The packets USBPcap 1.5 would record for one usbmon event (none for what it never shows). */
function usbPcapPacketsOf(event: UsbmonEvent): Uint8Array[] {
  const letter = event.transferType[0];
  const transfer = { Z: 0, I: 1, C: 2, B: 3 }[letter ?? ''] ?? USBPCAP_TRANSFER.UNKNOWN;
  if (transfer === USBPCAP_TRANSFER.UNKNOWN || event.type === 'E') return [];

  if (transfer === USBPCAP_TRANSFER.CONTROL) {
    const submission = event.type === 'S';
    if (submission && !event.setup) return [];
    const setup = event.setup ?? new Uint8Array(SETUP_SIZE);
    const stage = submission ? USBPCAP_CONTROL_STAGE.SETUP : USBPCAP_CONTROL_STAGE.COMPLETE;
    const data = submission ? concat(setup.slice(0, SETUP_SIZE), event.data) : event.data;
    return [
      encodePacket(event, {
        function: submission ? controlFunction(setup) : URB_FUNCTION.CONTROL_TRANSFER,
        extra: Uint8Array.of(stage),
        data,
        transfer,
        endpoint: event.endpoint & ENDPOINT_IN,
      }),
    ];
  }

  if (transfer === USBPCAP_TRANSFER.ISOCHRONOUS) {
    const packets = event.iso?.descriptors ?? [];
    const extra = new Uint8Array(
      HEADER.ISO_PACKETS - HEADER.SIZE + packets.length * HEADER.ISO_PACKET_SIZE,
    );
    const view = new DataView(extra.buffer);
    view.setUint32(HEADER.ISO_START_FRAME - HEADER.SIZE, event.startFrame ?? 0, true);
    view.setUint32(HEADER.ISO_PACKET_COUNT - HEADER.SIZE, packets.length, true);
    view.setUint32(HEADER.ISO_ERROR_COUNT - HEADER.SIZE, event.iso?.errorCount ?? 0, true);
    packets.forEach((packet, index) => {
      const at = HEADER.ISO_PACKETS - HEADER.SIZE + index * HEADER.ISO_PACKET_SIZE;
      view.setUint32(at, packet.offset, true);
      view.setUint32(at + 4, packet.length, true);
      view.setUint32(at + 8, errnoToUsbdStatus(packet.status, event.type !== 'S'), true);
    });
    return [
      encodePacket(event, {
        function: URB_FUNCTION.ISOCH_TRANSFER,
        extra,
        data: event.data,
        transfer,
        endpoint: event.endpoint,
      }),
    ];
  }

  return [
    encodePacket(event, {
      function: URB_FUNCTION.BULK_OR_INTERRUPT_TRANSFER,
      extra: new Uint8Array(0),
      data: event.data,
      transfer,
      endpoint: event.endpoint,
    }),
  ];
}

/**
 * Write usbmon-shaped events as a USBPcap capture (classic pcap, link type 249) the way
 * USBPcap 1.5 records transfers. Captured bytes are written as the events hold them (cut
 * bodies stay cut: USBPcap has no separate "real length" field, so `dataLength` is what was
 * kept).
 */
export function writeUsbPcap(events: Iterable<UsbmonEvent>): Uint8Array {
  const records: Array<{ timestampUs: number; bytes: Uint8Array }> = [];
  for (const event of events) {
    for (const bytes of usbPcapPacketsOf(event))
      records.push({ timestampUs: event.timestampUs, bytes });
  }

  const size = records.reduce((sum, r) => sum + PCAP_FILE.RECORD_HEADER_SIZE + r.bytes.length, 0);
  const out = new Uint8Array(PCAP_FILE.HEADER_SIZE + size);
  const view = new DataView(out.buffer);
  view.setUint32(0, PCAP_FILE.MAGIC, true);
  view.setUint16(4, PCAP_FILE.VERSION_MAJOR, true);
  view.setUint16(6, PCAP_FILE.VERSION_MINOR, true);
  view.setUint32(16, PCAP_FILE.SNAP_LENGTH, true);
  view.setUint32(20, LINKTYPE_USBPCAP, true);

  let at: number = PCAP_FILE.HEADER_SIZE;
  for (const { timestampUs, bytes } of records) {
    const time = Math.max(0, Math.round(timestampUs));
    view.setUint32(at, Math.floor(time / MICROSECONDS_PER_SECOND), true);
    view.setUint32(at + 4, time % MICROSECONDS_PER_SECOND, true);
    view.setUint32(at + 8, bytes.length, true);
    view.setUint32(at + 12, bytes.length, true);
    out.set(bytes, at + PCAP_FILE.RECORD_HEADER_SIZE);
    at += PCAP_FILE.RECORD_HEADER_SIZE + bytes.length;
  }
  return out;
}

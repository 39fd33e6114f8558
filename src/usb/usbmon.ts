/**
 * Linux usbmon captures: the text format ('u', and the older 't') and the binary records that
 * classic pcap and pcapng files hold (LINKTYPE_USB_LINUX 189, 48-byte header, and
 * LINKTYPE_USB_LINUX_MMAPPED 220, 64-byte header), read into one event list.
 *
 * Pure functions over text or bytes: no file access, so a browser can use them too.
 * Layouts: the Linux kernel's usbmon documentation (Documentation/usb/usbmon.rst) for both
 * the text lines and the binary `struct usbmon_packet`.
 *
 * @packageDocumentation
 */
import { CameraError, CameraErrorCode } from '../errors.js';
import { captureContainer, readCaptureFile } from './pcap-file.js';

/** usbmon event kinds: submission, callback (completion), submission error. */
export type UsbmonEventType = 'S' | 'C' | 'E';

/** Transfer type letter (Z isochronous, I interrupt, C control, B bulk) and direction. */
export type UsbmonTransferType = 'Ci' | 'Co' | 'Bi' | 'Bo' | 'Ii' | 'Io' | 'Zi' | 'Zo';

/** One isochronous packet descriptor of a URB. */
export interface UsbmonIsoDescriptor {
  status: number;
  offset: number;
  /** Requested length on submission, actual length on completion. */
  length: number;
}

/** Isochronous details of a URB. */
export interface UsbmonIso {
  /** Packets that failed (completions only; 0 when not reported). */
  errorCount: number;
  /** Packets in the URB. */
  packetCount: number;
  /** The descriptors the capture holds (the text format prints at most 5). */
  descriptors: UsbmonIsoDescriptor[];
}

/** One usbmon event. */
export interface UsbmonEvent {
  /** URB tag (kernel address of the URB) in hex; a submission and its completion share it. */
  id: string;
  /** Microseconds: as printed in text captures (wraps at 2^32), since the epoch in pcap files. */
  timestampUs: number;
  type: UsbmonEventType;
  transferType: UsbmonTransferType;
  bus: number;
  device: number;
  /** Endpoint address with the direction bit (0x81 for EP 1 IN, 0x80 for control IN). */
  endpoint: number;
  /** URB status, a negative errno (-115 EINPROGRESS on submissions, -2 ENOENT when killed). */
  status: number;
  /** The 8-byte SETUP packet of a control submission, when captured. */
  setup?: Uint8Array;
  /** Interrupt and isochronous URBs: the polling interval. */
  interval?: number;
  /** Isochronous URBs: the start frame. */
  startFrame?: number;
  /** Isochronous URBs: error count and packet descriptors. */
  iso?: UsbmonIso;
  /** The URB length field: requested bytes on submission, actual bytes on completion. */
  length: number;
  /** The captured bytes; usbmon may cut them (text: 32 bytes at most). */
  data: Uint8Array;
  /** Captured bytes, `data.length`; less than `length` when the capture cut the data. */
  dataLength: number;
}

/** EINPROGRESS: what usbmon reports as the status of every submission. */
const STATUS_IN_PROGRESS = -115;

/** SETUP packet size (USB 2.0 §9.3). */
const SETUP_SIZE = 8;

/**
 * usbmon binary header fields (Linux Documentation/usb/usbmon.rst, struct usbmon_packet): the
 * one layout both the capture reader and the pcapng writer use.
 */
export const USBMON_HEADER = {
  /** The mmapped form (LINKTYPE 220) is 64 bytes; the older form (189) ends after START_FRAME. */
  SIZE: 64,
  ID: 0,
  TYPE: 8,
  XFER_TYPE: 9,
  EPNUM: 10,
  DEVNUM: 11,
  BUSNUM: 12,
  FLAG_SETUP: 14,
  FLAG_DATA: 15,
  TS_SEC: 16,
  TS_USEC: 24,
  STATUS: 28,
  LENGTH: 32,
  LEN_CAP: 36,
  SETUP: 40,
  ISO_ERROR_COUNT: 40,
  ISO_NUMDESC: 44,
  INTERVAL: 48,
  START_FRAME: 52,
  XFER_FLAGS: 56,
  NDESC: 60,
  ISO_DESCRIPTOR_SIZE: 16,
} as const;

/** pcap link types that carry usbmon records, with their header sizes. */
export const USB_LINKTYPE = {
  /** LINKTYPE_USB_LINUX: 48-byte header. */
  USB_LINUX: 189,
  /** LINKTYPE_USB_LINUX_MMAPPED: 64-byte header, iso descriptors before the data. */
  USB_LINUX_MMAPPED: 220,
} as const;

const HEADER_SIZE: Record<number, number> = {
  [USB_LINKTYPE.USB_LINUX]: 48,
  [USB_LINKTYPE.USB_LINUX_MMAPPED]: 64,
};

/** usbmon xfer_type codes and the letters the text format uses. */
const XFER_TYPE_LETTER = ['Z', 'I', 'C', 'B'] as const;

function badCapture(message: string, expected: string, found: unknown): CameraError {
  return new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, { expected, found });
}

// ---------------------------------------------------------------------------------------------
// Text format

/**
 * Parse a usbmon text capture ('u' format, `Bi:1:004:1` addresses; 't' addresses without the
 * bus read as bus 0). Blank lines and lines starting with `#` are skipped. A line that is not
 * an event ends in a CameraError (7400101) naming the line.
 */
export function parseUsbmonText(text: string): UsbmonEvent[] {
  const events: UsbmonEvent[] = [];
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index += 1) {
    const line = (lines[index] ?? '').trim();
    if (line === '' || line.startsWith('#')) continue;
    events.push(parseTextLine(line, index + 1));
  }
  return events;
}

/** A cursor over the words of one text line. */
class Words {
  readonly #words: string[];
  #next = 0;

  constructor(
    line: string,
    readonly lineNumber: number,
  ) {
    this.#words = line.split(/\s+/);
  }

  peek(): string | undefined {
    return this.#words[this.#next];
  }

  take(what: string): string {
    const word = this.#words[this.#next];
    if (word === undefined) throw this.fail(`missing ${what}`, what, 'end of line');
    this.#next += 1;
    return word;
  }

  rest(): string[] {
    const rest = this.#words.slice(this.#next);
    this.#next = this.#words.length;
    return rest;
  }

  fail(message: string, expected: string, found: unknown): CameraError {
    return badCapture(`usbmon text line ${this.lineNumber}: ${message}`, expected, found);
  }
}

function parseTextLine(line: string, lineNumber: number): UsbmonEvent {
  const words = new Words(line, lineNumber);
  const id = words.take('URB tag');
  const timestampUs = decimal(words, words.take('timestamp'), 'timestamp');
  const type = words.take('event type');
  if (type !== 'S' && type !== 'C' && type !== 'E') {
    throw words.fail('bad event type', 'S, C or E', type);
  }

  const address = parseTextAddress(words, words.take('address'));
  const event: UsbmonEvent = {
    id,
    timestampUs,
    type,
    ...address,
    status: STATUS_IN_PROGRESS,
    length: 0,
    data: new Uint8Array(0),
    dataLength: 0,
  };

  // Either a setup packet ('s' and five hex words) or the status word.
  const statusWord = words.take('status');
  if (statusWord === 's') {
    event.setup = parseTextSetup(words);
  } else {
    readTextStatus(words, statusWord, event);
  }

  if (event.transferType[0] === 'Z') readTextIsoDescriptors(words, event);
  event.length = decimal(words, words.take('data length'), 'data length');

  // '=' is followed by the data words; any other tag ('<', '>', …) means no data was captured.
  const tag = words.peek();
  if (tag === '=') {
    words.take('data tag');
    event.data = parseTextData(words, words.rest());
    event.dataLength = event.data.length;
  }
  return event;
}

function parseTextAddress(
  words: Words,
  address: string,
): Pick<UsbmonEvent, 'transferType' | 'bus' | 'device' | 'endpoint'> {
  const parts = address.split(':');
  const kind = parts[0] ?? '';
  const letter = kind[0];
  const direction = kind[1];
  const validDirection = direction === 'i' || direction === 'o';
  const validKind = kind.length === 2 && 'ZICB'.includes(letter ?? '-') && validDirection;
  if (!validKind || (parts.length !== 4 && parts.length !== 3)) {
    throw words.fail('bad address', 'Tt:bus:device:endpoint such as Bi:1:004:1', address);
  }

  const fields = parts.length === 4 ? parts.slice(1) : ['0', ...parts.slice(1)];
  const [busText, deviceText, endpointText] = fields;
  const endpointNumber = decimal(words, endpointText ?? '', 'endpoint');
  return {
    transferType: kind as UsbmonTransferType,
    bus: decimal(words, busText ?? '', 'bus'),
    device: decimal(words, deviceText ?? '', 'device'),
    endpoint: endpointNumber | (direction === 'i' ? 0x80 : 0),
  };
}

function parseTextSetup(words: Words): Uint8Array {
  const bmRequestType = hex(words, words.take('bmRequestType'), 0xff);
  const bRequest = hex(words, words.take('bRequest'), 0xff);
  const wValue = hex(words, words.take('wValue'), 0xffff);
  const wIndex = hex(words, words.take('wIndex'), 0xffff);
  const wLength = hex(words, words.take('wLength'), 0xffff);
  return Uint8Array.of(
    bmRequestType,
    bRequest,
    wValue & 0xff,
    wValue >> 8,
    wIndex & 0xff,
    wIndex >> 8,
    wLength & 0xff,
    wLength >> 8,
  );
}

/** `status`, `status:interval`, `status:interval:start_frame[:error_count]`. */
function readTextStatus(words: Words, word: string, event: UsbmonEvent): void {
  const fields = word.split(':').map((field) => decimal(words, field, 'status'));
  event.status = fields[0] ?? STATUS_IN_PROGRESS;
  if (fields[1] !== undefined) event.interval = fields[1];
  if (fields[2] !== undefined) event.startFrame = fields[2];
  if (event.transferType[0] === 'Z') {
    event.iso = { errorCount: fields[3] ?? 0, packetCount: 0, descriptors: [] };
  }
}

/** The descriptor count, then up to five `status:offset:length` words. */
function readTextIsoDescriptors(words: Words, event: UsbmonEvent): void {
  const iso = event.iso ?? { errorCount: 0, packetCount: 0, descriptors: [] };
  event.iso = iso;
  iso.packetCount = decimal(words, words.take('descriptor count'), 'descriptor count');
  for (let word = words.peek(); word !== undefined; word = words.peek()) {
    const match = /^(-?\d+):(\d+):(\d+)$/.exec(word);
    if (match === null) break;
    words.take('descriptor');
    const [, status, offset, length] = match.map(Number);
    iso.descriptors.push({ status: status ?? 0, offset: offset ?? 0, length: length ?? 0 });
  }
}

/** Data words: a byte stream in hex, split into groups of up to 4 bytes. */
function parseTextData(words: Words, groups: string[]): Uint8Array {
  const text = groups.join('');
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) {
    throw words.fail('bad data words', 'hex bytes', groups.join(' '));
  }
  const bytes = new Uint8Array(text.length / 2);
  for (let index = 0; index < bytes.length; index += 1) {
    bytes[index] = Number.parseInt(text.slice(index * 2, index * 2 + 2), 16);
  }
  return bytes;
}

function decimal(words: Words, text: string, what: string): number {
  if (!/^-?\d+$/.test(text)) throw words.fail(`bad ${what}`, 'a decimal number', text);
  return Number(text);
}

function hex(words: Words, text: string, max: number): number {
  const value = /^[0-9a-fA-F]+$/.test(text) ? Number.parseInt(text, 16) : Number.NaN;
  if (!(value >= 0 && value <= max)) {
    throw words.fail('bad setup field', `hex up to ${max.toString(16)}`, text);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Binary records in pcap and pcapng files

/** A little- or big-endian reader over a whole capture file (one DataView for the file). */
class CaptureReader {
  readonly #view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    public littleEndian: boolean,
  ) {
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  u16(offset: number): number {
    return this.#view.getUint16(offset, this.littleEndian);
  }

  u32(offset: number): number {
    return this.#view.getUint32(offset, this.littleEndian);
  }

  i32(offset: number): number {
    return this.#view.getInt32(offset, this.littleEndian);
  }

  /** A signed 64-bit value as a number (exact below 2^53). */
  i64(offset: number): number {
    const low = this.u32(offset + (this.littleEndian ? 0 : 4));
    const high = this.i32(offset + (this.littleEndian ? 4 : 0));
    return high * 0x1_0000_0000 + low;
  }

  /** A 64-bit value as 16 hex digits. */
  hex64(offset: number): string {
    const low = this.u32(offset + (this.littleEndian ? 0 : 4));
    const high = this.u32(offset + (this.littleEndian ? 4 : 0));
    return high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0');
  }
}

/**
 * Parse a classic pcap or a pcapng file whose packets are usbmon records (link type 189 or
 * 220). Other link types, and files that are neither, end in a CameraError (7400101). A file
 * cut short inside its last record keeps the records before it.
 */
export function parseUsbPcap(bytes: Uint8Array): UsbmonEvent[] {
  return readCaptureFile(bytes).packets.map((packet) => {
    checkLinkType(packet.linkType);
    const reader = new CaptureReader(packet.data, packet.littleEndian);
    return parseUsbmonRecord(reader, 0, packet.data.length, packet.linkType);
  });
}

function checkLinkType(linkType: number): void {
  if (HEADER_SIZE[linkType] === undefined) {
    const expected = 'link type 189 (USB_LINUX) or 220 (USB_LINUX_MMAPPED)';
    throw badCapture('capture is not of usbmon records', expected, linkType);
  }
}

/** One usbmon binary record: struct usbmon_packet, iso descriptors (220 only), data. */
function parseUsbmonRecord(
  reader: CaptureReader,
  start: number,
  size: number,
  linkType: number,
): UsbmonEvent {
  const headerSize = HEADER_SIZE[linkType] ?? HEADER_SIZE[USB_LINKTYPE.USB_LINUX_MMAPPED] ?? 0;
  if (size < headerSize) {
    throw badCapture('usbmon record too short', `at least ${headerSize} bytes`, size);
  }
  const bytes = reader.bytes;
  const at = (field: number): number => start + field;
  const mmapped = linkType === USB_LINKTYPE.USB_LINUX_MMAPPED;

  const typeCode = String.fromCharCode(bytes[at(USBMON_HEADER.TYPE)] ?? 0);
  if (typeCode !== 'S' && typeCode !== 'C' && typeCode !== 'E') {
    throw badCapture('bad usbmon event type', 'S, C or E', typeCode);
  }
  const xferType = bytes[at(USBMON_HEADER.XFER_TYPE)] ?? 0;
  const letter = XFER_TYPE_LETTER[xferType];
  if (letter === undefined) throw badCapture('bad usbmon transfer type', '0 to 3', xferType);
  const endpoint = bytes[at(USBMON_HEADER.EPNUM)] ?? 0;
  const seconds = reader.i64(at(USBMON_HEADER.TS_SEC));

  const event: UsbmonEvent = {
    id: reader.hex64(at(USBMON_HEADER.ID)),
    timestampUs: seconds * 1_000_000 + reader.i32(at(USBMON_HEADER.TS_USEC)),
    type: typeCode,
    transferType: `${letter}${(endpoint & 0x80) !== 0 ? 'i' : 'o'}`,
    bus: reader.u16(at(USBMON_HEADER.BUSNUM)),
    device: bytes[at(USBMON_HEADER.DEVNUM)] ?? 0,
    endpoint,
    status: reader.i32(at(USBMON_HEADER.STATUS)),
    length: reader.u32(at(USBMON_HEADER.LENGTH)),
    data: new Uint8Array(0),
    dataLength: 0,
  };

  // flag_setup and flag_data are 0 when the setup packet and the data were captured.
  if (bytes[at(USBMON_HEADER.FLAG_SETUP)] === 0 && letter === 'C') {
    event.setup = bytes.slice(at(USBMON_HEADER.SETUP), at(USBMON_HEADER.SETUP) + SETUP_SIZE);
  }
  if (mmapped && (letter === 'Z' || letter === 'I')) {
    event.interval = reader.i32(at(USBMON_HEADER.INTERVAL));
  }

  let dataStart = start + headerSize;
  const captured = Math.min(reader.u32(at(USBMON_HEADER.LEN_CAP)), size - headerSize);
  const end = dataStart + Math.max(captured, 0);
  if (letter === 'Z') {
    dataStart = readIsoDescriptors(reader, event, { start, dataStart, end, mmapped });
  }
  if (bytes[at(USBMON_HEADER.FLAG_DATA)] === 0 && end > dataStart) {
    event.data = bytes.slice(dataStart, end);
    event.dataLength = event.data.length;
  }
  return event;
}

/** Read the iso fields and descriptors of a record; returns where the data starts. */
function readIsoDescriptors(
  reader: CaptureReader,
  event: UsbmonEvent,
  where: { start: number; dataStart: number; end: number; mmapped: boolean },
): number {
  const { start, dataStart, end, mmapped } = where;
  const count = mmapped ? reader.u32(start + USBMON_HEADER.NDESC) : 0;
  const size = USBMON_HEADER.ISO_DESCRIPTOR_SIZE;
  if (dataStart + count * size > end) {
    const message = 'usbmon iso descriptors run past the record';
    throw badCapture(message, `${count} descriptors of ${size} bytes`, `${end - dataStart} bytes`);
  }

  event.startFrame = mmapped ? reader.i32(start + USBMON_HEADER.START_FRAME) : 0;
  const iso: UsbmonIso = {
    errorCount: reader.i32(start + USBMON_HEADER.ISO_ERROR_COUNT),
    packetCount: reader.i32(start + USBMON_HEADER.ISO_NUMDESC),
    descriptors: [],
  };
  for (let index = 0; index < count; index += 1) {
    const descriptor = dataStart + index * size;
    iso.descriptors.push({
      status: reader.i32(descriptor),
      offset: reader.u32(descriptor + 4),
      length: reader.u32(descriptor + 8),
    });
  }
  event.iso = iso;
  return dataStart + count * size;
}

/**
 * Parse any usbmon capture: text (a string, or bytes that are not a pcap/pcapng file) or
 * pcap/pcapng bytes.
 */
export function parseUsbCapture(input: string | Uint8Array): UsbmonEvent[] {
  if (typeof input === 'string') return parseUsbmonText(input);
  if (captureContainer(input) !== undefined) return parseUsbPcap(input);
  return parseUsbmonText(new TextDecoder().decode(input));
}

// ---------------------------------------------------------------------------------------------
// Transfers: submissions paired with completions

/** A completion (or submission error) with the submission it answers, when the capture holds it. */
export interface PairedTransfer {
  submit?: UsbmonEvent;
  complete: UsbmonEvent;
}

/**
 * Pair each completion ('C') or submission error ('E') with the earlier submission of the same
 * URB tag and address. Returns the pairs in completion order; submissions never completed are
 * left out.
 */
export function pairTransfers(events: readonly UsbmonEvent[]): PairedTransfer[] {
  const pending = new Map<string, UsbmonEvent[]>();
  const pairs: PairedTransfer[] = [];
  for (const event of events) {
    const key = `${event.id}/${event.bus}/${event.device}/${event.endpoint}/${event.transferType}`;
    if (event.type === 'S') {
      const queue = pending.get(key) ?? [];
      queue.push(event);
      pending.set(key, queue);
      continue;
    }
    const submit = pending.get(key)?.shift();
    pairs.push(submit === undefined ? { complete: event } : { submit, complete: event });
  }
  return pairs;
}

/** Which device or endpoint to keep. */
export interface TransferFilter {
  bus?: number;
  device?: number;
  /** Endpoint address with the direction bit (0x81). */
  endpoint?: number;
}

function matches(event: UsbmonEvent, filter: TransferFilter): boolean {
  return (
    (filter.bus === undefined || event.bus === filter.bus) &&
    (filter.device === undefined || event.device === filter.device) &&
    (filter.endpoint === undefined || event.endpoint === filter.endpoint)
  );
}

/** A control transfer (USB 2.0 §9.3) as the capture shows it. */
export interface ControlTransfer {
  /** Completion time, µs. */
  timestampUs: number;
  /** Submission time, µs. */
  submitTimestampUs: number;
  bus: number;
  device: number;
  /** The 8 SETUP bytes. */
  setup: Uint8Array;
  bmRequestType: number;
  bRequest: number;
  wValue: number;
  wIndex: number;
  wLength: number;
  /** Completion status: 0, or a negative errno (-32 EPIPE is a STALL). */
  status: number;
  /** The data stage: bytes sent (host to device) or answered (device to host), as captured. */
  data: Uint8Array;
  /** Real length of the data stage (bytes transferred). */
  dataLength: number;
}

/** Control transfers whose submission carries a SETUP packet, in completion order. */
export function extractControlTransfers(
  events: readonly UsbmonEvent[],
  filter: TransferFilter = {},
): ControlTransfer[] {
  const transfers: ControlTransfer[] = [];
  for (const { submit, complete } of pairTransfers(events)) {
    const setup = submit?.setup;
    if (submit === undefined || setup === undefined || complete.transferType[0] !== 'C') continue;
    if (!matches(complete, { bus: filter.bus, device: filter.device })) continue;

    const deviceToHost = ((setup[0] ?? 0) & 0x80) !== 0;
    const source = deviceToHost ? complete : submit;
    transfers.push({
      timestampUs: complete.timestampUs,
      submitTimestampUs: submit.timestampUs,
      bus: complete.bus,
      device: complete.device,
      setup,
      bmRequestType: setup[0] ?? 0,
      bRequest: setup[1] ?? 0,
      wValue: (setup[2] ?? 0) | ((setup[3] ?? 0) << 8),
      wIndex: (setup[4] ?? 0) | ((setup[5] ?? 0) << 8),
      wLength: (setup[6] ?? 0) | ((setup[7] ?? 0) << 8),
      status: complete.status,
      data: source.data,
      dataLength: complete.length,
    });
  }
  return transfers;
}

/** A completed bulk IN transfer. */
export interface BulkInCompletion {
  /** Completion time, µs. */
  timestampUs: number;
  /** Submission time, µs, when the capture holds the submission. */
  submitTimestampUs?: number;
  bus: number;
  device: number;
  endpoint: number;
  /** Bytes the host asked for, when the capture holds the submission. */
  requestedLength?: number;
  /** Bytes that arrived. */
  length: number;
  /** The captured bytes (possibly cut). */
  data: Uint8Array;
  /** 0, or a negative errno (-2 ENOENT: killed at stream stop). */
  status: number;
}

/** Bulk IN completions in order, with their request sizes. */
export function extractBulkInCompletions(
  events: readonly UsbmonEvent[],
  filter: TransferFilter = {},
): BulkInCompletion[] {
  const completions: BulkInCompletion[] = [];
  for (const { submit, complete } of pairTransfers(events)) {
    const wanted = complete.type === 'C' && complete.transferType === 'Bi';
    if (!wanted || !matches(complete, filter)) continue;
    completions.push({
      timestampUs: complete.timestampUs,
      ...(submit === undefined
        ? {}
        : { submitTimestampUs: submit.timestampUs, requestedLength: submit.length }),
      bus: complete.bus,
      device: complete.device,
      endpoint: complete.endpoint,
      length: complete.length,
      data: complete.data,
      status: complete.status,
    });
  }
  return completions;
}

/** A completed isochronous IN transfer. */
export interface IsochronousInCompletion {
  /** Completion time, µs. */
  timestampUs: number;
  bus: number;
  device: number;
  endpoint: number;
  status: number;
  /** Packets that failed. */
  errorCount: number;
  /** Packet descriptors (offsets into `data`), as far as the capture holds them. */
  packets: UsbmonIsoDescriptor[];
  /** The captured bytes, laid out at the packets' offsets. */
  data: Uint8Array;
}

/** Isochronous IN completions in order. */
export function extractIsochronousInCompletions(
  events: readonly UsbmonEvent[],
  filter: TransferFilter = {},
): IsochronousInCompletion[] {
  const completions: IsochronousInCompletion[] = [];
  for (const event of events) {
    if (event.type !== 'C' || event.transferType !== 'Zi' || !matches(event, filter)) continue;
    completions.push({
      timestampUs: event.timestampUs,
      bus: event.bus,
      device: event.device,
      endpoint: event.endpoint,
      status: event.status,
      errorCount: event.iso?.errorCount ?? 0,
      packets: event.iso?.descriptors ?? [],
      data: event.data,
    });
  }
  return completions;
}

/**
 * Writing USB traffic as pcapng with the Linux usbmon link type (LINKTYPE_USB_LINUX_MMAPPED,
 * 220), the format Wireshark and tshark open and dissect (USB, then UVC class requests once
 * the capture holds the configuration descriptor).
 *
 * Each {@link UsbmonEvent} becomes one Enhanced Packet Block holding a 64-byte
 * `struct usbmon_packet` (setup packet or isochronous counts, interval, start frame, transfer
 * flags, descriptor count), the isochronous packet descriptors, then the captured bytes. The
 * flags follow what Linux writes (seen in real captures): `flag_setup` 0 with a setup packet
 * and `-` without; `flag_data` 0 when bytes follow, `<` on an IN submission, `>` on an OUT
 * completion; status -115 (EINPROGRESS) on submissions. `len_cap` counts the isochronous
 * descriptors too, as in captures Linux makes.
 *
 * Pure: bytes go to a callback, so a browser can record too. Layouts: the Linux kernel's
 * usbmon documentation (`struct usbmon_packet`, `struct mon_bin_isodesc`) and the pcapng
 * specification (Section Header, Interface Description and Enhanced Packet Blocks).
 *
 * @packageDocumentation
 */
import { CameraError, CameraErrorCode } from '../errors.js';
import { USBMON_HEADER, USB_LINKTYPE, type UsbmonEvent } from './usbmon.js';

/** Where a recorder sends the events it sees (a {@link PcapngWriter}, or an array in tests). */
export interface UsbEventSink {
  write(event: UsbmonEvent): void;
}

/** Options of {@link PcapngWriter}. */
export interface PcapngWriterOptions {
  /**
   * Captured bytes kept per event at most, as usbmon's own limit does: `length` stays the real
   * transfer length and `len_cap` says how much was kept. Unlimited when absent.
   */
  snapLength?: number;
  /**
   * Write each isochronous packet right after the previous one instead of at its offset in the
   * host's buffer. Linux lays packets out at their buffer offsets, so a compressed stream's
   * mostly short packets leave mostly zeros between them; packed, a recording is many times
   * smaller and reads the same (each descriptor still gives its packet's offset and length).
   */
  packIsochronous?: boolean;
  /** Interface name in the file (`usbmon1` when absent). */
  interfaceName?: string;
  /** The program that wrote the file, for the section header. */
  application?: string;
  /** A comment for the section header (what was recorded, how). */
  comment?: string;
}

const HEADER = USBMON_HEADER;

/** One isochronous descriptor (struct mon_bin_isodesc): status, offset, length, padding. */
const ISO_DESCRIPTOR = { SIZE: 16, STATUS: 0, OFFSET: 4, LENGTH: 8 } as const;

/** usbmon xfer_type codes by the transfer letter of {@link UsbmonEvent.transferType}. */
const XFER_TYPE: Record<string, number> = { Z: 0, I: 1, C: 2, B: 3 };

/** usbmon flag characters. */
const FLAG = {
  PRESENT: 0,
  SETUP_NOT_RELEVANT: 0x2d, // '-'
  DATA_IN_SUBMISSION: 0x3c, // '<'
  DATA_OUT_COMPLETION: 0x3e, // '>'
} as const;

/** URB transfer flags Linux copies into the record (include/linux/usb.h). */
const URB_FLAGS = { DIR_IN: 0x0200 } as const;

/** pcapng block types and constants (pcapng specification §4). */
const PCAPNG = {
  SECTION_HEADER: 0x0a0d0d0a,
  INTERFACE_DESCRIPTION: 0x00000001,
  ENHANCED_PACKET: 0x00000006,
  BYTE_ORDER_MAGIC: 0x1a2b3c4d,
  MAJOR_VERSION: 1,
  MINOR_VERSION: 0,
  OPT_ENDOFOPT: 0,
  OPT_COMMENT: 1,
  SHB_USERAPPL: 4,
  IF_NAME: 2,
  IF_TSRESOL: 9,
  /** Microseconds: the resolution of usbmon and of this writer. */
  TSRESOL_MICROSECONDS: 6,
  /** Block type, length, and the trailing copy of the length. */
  BLOCK_OVERHEAD: 12,
  /** Enhanced packet block fields before the data: interface, timestamp (2 words), lengths. */
  EPB_FIXED: 20,
} as const;

const MICROSECONDS_PER_SECOND = 1_000_000;
const TWO_TO_32 = 0x1_0000_0000;
const SETUP_SIZE = 8;

/** Round up to the 32-bit boundary pcapng blocks and options keep. */
function pad4(length: number): number {
  return (length + 3) & ~3;
}

/** The 16 hex digits of a URB tag as two 32-bit words; shorter tags are padded, others hashed. */
function urbIdWords(id: string): { high: number; low: number } {
  if (/^[0-9a-fA-F]{1,16}$/.test(id)) {
    const digits = id.padStart(16, '0');
    return {
      high: Number.parseInt(digits.slice(0, 8), 16),
      low: Number.parseInt(digits.slice(8), 16),
    };
  }
  let hash = 0x811c9dc5;
  for (let index = 0; index < id.length; index += 1) {
    hash = Math.imul(hash ^ id.charCodeAt(index), 0x01000193) >>> 0;
  }
  return { high: 0, low: hash };
}

function badEvent(message: string, expected: string, found: unknown): CameraError {
  return new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, { expected, found });
}

/**
 * An isochronous event with its packets laid end to end (see `packIsochronous`); other events
 * unchanged.
 */
export function packIsochronousEvent(event: UsbmonEvent): UsbmonEvent {
  const descriptors = event.iso?.descriptors;
  if (!event.iso || !descriptors || descriptors.length === 0 || event.data.length === 0)
    return event;
  const kept = descriptors.map((d) =>
    Math.max(0, Math.min(d.length, event.data.length - d.offset)),
  );
  const data = new Uint8Array(kept.reduce((sum, length) => sum + length, 0));
  let offset = 0;
  const packed = descriptors.map((descriptor, index) => {
    const length = kept[index] ?? 0;
    data.set(event.data.subarray(descriptor.offset, descriptor.offset + length), offset);
    const moved = { ...descriptor, offset };
    offset += length;
    return moved;
  });
  return { ...event, iso: { ...event.iso, descriptors: packed }, data, dataLength: data.length };
}

/**
 * Encode one event as a usbmon record of link type 220: the 64-byte header, the isochronous
 * descriptors, and up to `snapLength` captured bytes.
 *
 * @throws CameraError 7400101 for an event that cannot be written (unknown transfer type).
 */
export function encodeUsbmonRecord(
  event: UsbmonEvent,
  snapLength = Number.POSITIVE_INFINITY,
): Uint8Array {
  const letter = event.transferType[0] ?? '';
  const xferType = XFER_TYPE[letter];
  if (xferType === undefined) {
    throw badEvent(
      'usbmon event with an unknown transfer type',
      'Z, I, C or B',
      event.transferType,
    );
  }
  const isochronous = letter === 'Z';
  const descriptors = isochronous ? (event.iso?.descriptors ?? []) : [];
  const kept = Math.max(0, Math.min(event.data.length, snapLength));
  const descriptorBytes = descriptors.length * ISO_DESCRIPTOR.SIZE;
  const record = new Uint8Array(HEADER.SIZE + descriptorBytes + kept);
  const view = new DataView(record.buffer);

  const { high, low } = urbIdWords(event.id);
  view.setUint32(HEADER.ID, low, true);
  view.setUint32(HEADER.ID + 4, high, true);
  record[HEADER.TYPE] = event.type.charCodeAt(0);
  record[HEADER.XFER_TYPE] = xferType;
  record[HEADER.EPNUM] = event.endpoint & 0xff;
  record[HEADER.DEVNUM] = event.device & 0xff;
  view.setUint16(HEADER.BUSNUM, event.bus & 0xffff, true);

  // Time: whole seconds (64-bit) and the microseconds within them.
  const seconds = Math.floor(event.timestampUs / MICROSECONDS_PER_SECOND);
  view.setUint32(HEADER.TS_SEC, seconds >>> 0, true);
  view.setInt32(HEADER.TS_SEC + 4, Math.floor(seconds / TWO_TO_32), true);
  view.setInt32(HEADER.TS_USEC, event.timestampUs - seconds * MICROSECONDS_PER_SECOND, true);
  view.setInt32(HEADER.STATUS, event.status, true);
  view.setUint32(HEADER.LENGTH, event.length >>> 0, true);
  view.setUint32(HEADER.LEN_CAP, descriptorBytes + kept, true);

  // The setup packet of a control submission, or the isochronous counts, share bytes 40..47.
  const withSetup = event.setup !== undefined && letter === 'C';
  record[HEADER.FLAG_SETUP] = withSetup ? FLAG.PRESENT : FLAG.SETUP_NOT_RELEVANT;
  if (withSetup) record.set(event.setup!.subarray(0, SETUP_SIZE), HEADER.SETUP);
  if (isochronous) {
    view.setInt32(HEADER.ISO_ERROR_COUNT, event.iso?.errorCount ?? 0, true);
    view.setInt32(HEADER.ISO_NUMDESC, event.iso?.packetCount ?? descriptors.length, true);
  }
  record[HEADER.FLAG_DATA] = dataFlag(event, kept);
  view.setInt32(HEADER.INTERVAL, event.interval ?? 0, true);
  view.setInt32(HEADER.START_FRAME, event.startFrame ?? 0, true);
  view.setUint32(HEADER.XFER_FLAGS, (event.endpoint & 0x80) !== 0 ? URB_FLAGS.DIR_IN : 0, true);
  view.setUint32(HEADER.NDESC, descriptors.length, true);

  descriptors.forEach((descriptor, index) => {
    const at = HEADER.SIZE + index * ISO_DESCRIPTOR.SIZE;
    view.setInt32(at + ISO_DESCRIPTOR.STATUS, descriptor.status, true);
    view.setUint32(at + ISO_DESCRIPTOR.OFFSET, descriptor.offset >>> 0, true);
    view.setUint32(at + ISO_DESCRIPTOR.LENGTH, descriptor.length >>> 0, true);
  });
  record.set(event.data.subarray(0, kept), HEADER.SIZE + descriptorBytes);
  return record;
}

/** What `flag_data` says when no bytes follow: why there are none. */
function dataFlag(event: UsbmonEvent, kept: number): number {
  if (kept > 0) return FLAG.PRESENT;
  const inbound = (event.endpoint & 0x80) !== 0;
  if (event.type === 'S' && inbound) return FLAG.DATA_IN_SUBMISSION;
  if (event.type !== 'S' && !inbound) return FLAG.DATA_OUT_COMPLETION;
  return FLAG.PRESENT;
}

/** A little-endian block writer: fields appended in order. */
class BlockBuilder {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #at = 0;

  constructor(length: number) {
    this.#bytes = new Uint8Array(length);
    this.#view = new DataView(this.#bytes.buffer);
  }

  u16(value: number): this {
    this.#view.setUint16(this.#at, value, true);
    this.#at += 2;
    return this;
  }

  u32(value: number): this {
    this.#view.setUint32(this.#at, value >>> 0, true);
    this.#at += 4;
    return this;
  }

  bytes(value: Uint8Array): this {
    this.#bytes.set(value, this.#at);
    this.#at = pad4(this.#at + value.length);
    return this;
  }

  done(): Uint8Array {
    return this.#bytes;
  }
}

/** pcapng options: code, length, value padded to 32 bits; an end-of-options marker last. */
function encodeOptions(options: ReadonlyArray<[number, Uint8Array]>): Uint8Array {
  if (options.length === 0) return new Uint8Array(0);
  const size = options.reduce((sum, [, value]) => sum + 4 + pad4(value.length), 0) + 4;
  const block = new BlockBuilder(size);
  for (const [code, value] of options) block.u16(code).u16(value.length).bytes(value);
  return block.u16(PCAPNG.OPT_ENDOFOPT).u16(0).done();
}

function text(value: string): Uint8Array {
  return new TextEncoder().encode(value);
}

/** A whole block: type, total length, body, total length again. */
function encodeBlock(type: number, body: Uint8Array): Uint8Array {
  const total = PCAPNG.BLOCK_OVERHEAD + pad4(body.length);
  return new BlockBuilder(total).u32(type).u32(total).bytes(body).u32(total).done();
}

/** The section header block (little-endian, section length unknown). */
function sectionHeader(options: PcapngWriterOptions): Uint8Array {
  const shbOptions: Array<[number, Uint8Array]> = [];
  if (options.comment) shbOptions.push([PCAPNG.OPT_COMMENT, text(options.comment)]);
  shbOptions.push([PCAPNG.SHB_USERAPPL, text(options.application ?? 'webuvc')]);
  const encoded = encodeOptions(shbOptions);
  const body = new BlockBuilder(16 + encoded.length)
    .u32(PCAPNG.BYTE_ORDER_MAGIC)
    .u16(PCAPNG.MAJOR_VERSION)
    .u16(PCAPNG.MINOR_VERSION)
    .u32(0xffffffff)
    .u32(0xffffffff)
    .bytes(encoded)
    .done();
  return encodeBlock(PCAPNG.SECTION_HEADER, body);
}

/** The one interface: usbmon records, microsecond timestamps. */
function interfaceDescription(options: PcapngWriterOptions): Uint8Array {
  const encoded = encodeOptions([
    [PCAPNG.IF_NAME, text(options.interfaceName ?? 'usbmon1')],
    [PCAPNG.IF_TSRESOL, Uint8Array.of(PCAPNG.TSRESOL_MICROSECONDS)],
  ]);
  const snapLength = 0; // no limit at the pcap level; usbmon's own cut is in each record
  const body = new BlockBuilder(8 + encoded.length)
    .u16(USB_LINKTYPE.USB_LINUX_MMAPPED)
    .u16(0)
    .u32(snapLength)
    .bytes(encoded)
    .done();
  return encodeBlock(PCAPNG.INTERFACE_DESCRIPTION, body);
}

/** One record in an enhanced packet block on interface 0. */
function enhancedPacket(timestampUs: number, record: Uint8Array): Uint8Array {
  const body = new BlockBuilder(PCAPNG.EPB_FIXED + pad4(record.length))
    .u32(0)
    .u32(Math.floor(Math.round(timestampUs) / TWO_TO_32))
    .u32(Math.round(timestampUs) % TWO_TO_32)
    .u32(record.length)
    .u32(record.length)
    .bytes(record)
    .done();
  return encodeBlock(PCAPNG.ENHANCED_PACKET, body);
}

/**
 * Writes a pcapng file of usbmon records, block by block, to `sink`: the section header and
 * interface description first, then one block per event written.
 */
export class PcapngWriter implements UsbEventSink {
  readonly #sink: (chunk: Uint8Array) => void;
  readonly #snapLength: number;
  readonly #pack: boolean;
  #events = 0;
  #bytes = 0;

  constructor(sink: (chunk: Uint8Array) => void, options: PcapngWriterOptions = {}) {
    const snapLength = options.snapLength ?? Number.POSITIVE_INFINITY;
    if (!(snapLength >= 0)) {
      throw badEvent('bad pcapng snap length', 'a length of 0 or more bytes', snapLength);
    }
    this.#sink = sink;
    this.#snapLength = snapLength;
    this.#pack = options.packIsochronous ?? false;
    this.#emit(sectionHeader(options));
    this.#emit(interfaceDescription(options));
  }

  /** Events written so far. */
  get events(): number {
    return this.#events;
  }

  /** Bytes handed to the sink so far, headers included. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Append one event. */
  write(event: UsbmonEvent): void {
    const written = this.#pack ? packIsochronousEvent(event) : event;
    this.#emit(enhancedPacket(event.timestampUs, encodeUsbmonRecord(written, this.#snapLength)));
    this.#events += 1;
  }

  #emit(chunk: Uint8Array): void {
    this.#bytes += chunk.length;
    this.#sink(chunk);
  }
}

/** A whole pcapng file of `events` in one buffer. */
export function writePcapng(
  events: Iterable<UsbmonEvent>,
  options: PcapngWriterOptions = {},
): Uint8Array {
  const chunks: Uint8Array[] = [];
  const writer = new PcapngWriter((chunk) => chunks.push(chunk), options);
  for (const event of events) writer.write(event);
  return concatBytes(chunks);
}

/** Join chunks into one buffer. */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/**
 * The packets of a classic pcap or a pcapng file, whatever their link type: timestamp, link
 * type and bytes of each. The USB readers (`usbmon.ts` for Linux captures, `usbpcap.ts` for
 * Windows ones) decode the bytes; this module only walks the container.
 *
 * Pure functions over bytes. Layouts: the pcap savefile format (pcap-savefile(5)) and the
 * pcapng specification (Section Header, Interface Description, Enhanced, Simple and obsolete
 * Packet Blocks; the `if_tsresol` option).
 *
 * @packageDocumentation
 */
import { CameraError, CameraErrorCode } from '../errors.js';

/** One packet of a capture file. */
export interface CapturePacket {
  /** The link type of the interface the packet was captured on (LINKTYPE_*). */
  linkType: number;
  /** Microseconds since the epoch. */
  timestampUs: number;
  /** The captured bytes (a copy). */
  data: Uint8Array;
  /** Byte order of the file (or pcapng section), which multi-byte fields inside follow. */
  littleEndian: boolean;
}

/** Which container a file is. */
export type CaptureContainer = 'pcap' | 'pcapng';

/** A capture file's container, the link types of its interfaces, and its packets. */
export interface CaptureFile {
  container: CaptureContainer;
  /** Link types of the file's interfaces (one for classic pcap), in file order. */
  linkTypes: number[];
  packets: CapturePacket[];
  /** True when the file ends inside a record or block, which was left out. */
  truncated?: boolean;
}

/** Capture file magic numbers. */
const MAGIC = {
  PCAP_MICROSECONDS: 0xa1b2c3d4,
  PCAP_NANOSECONDS: 0xa1b23c4d,
  PCAPNG_SECTION: 0x0a0d0d0a,
  PCAPNG_BYTE_ORDER: 0x1a2b3c4d,
} as const;

/** Classic pcap layout. */
const PCAP = {
  FILE_HEADER: 24,
  LINKTYPE: 20,
  RECORD_HEADER: 16,
  TS_SEC: 0,
  TS_FRACTION: 4,
  INCL_LEN: 8,
} as const;

/** pcapng layout, offsets from the start of a block. */
const PCAPNG = {
  INTERFACE_DESCRIPTION: 1,
  OBSOLETE_PACKET: 2,
  SIMPLE_PACKET: 3,
  ENHANCED_PACKET: 6,
  BLOCK_LENGTH: 4,
  MIN_BLOCK: 12,
  SHB_BYTE_ORDER: 8,
  IDB_LINKTYPE: 8,
  IDB_OPTIONS: 16,
  EPB_INTERFACE: 8,
  EPB_TS_HIGH: 12,
  EPB_TS_LOW: 16,
  EPB_CAPLEN: 20,
  EPB_DATA: 28,
  SPB_ORIGINAL_LENGTH: 8,
  SPB_DATA: 12,
  OPT_ENDOFOPT: 0,
  IF_TSRESOL: 9,
} as const;

const MICROSECONDS_PER_SECOND = 1_000_000;
const NANOSECONDS_PER_MICROSECOND = 1_000;
const TWO_TO_32 = 0x1_0000_0000;

function badCapture(message: string, expected: string, found: unknown): CameraError {
  return new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, { expected, found });
}

/** Which container `bytes` are, and their byte order; undefined when neither. */
export function captureContainer(
  bytes: Uint8Array,
): { container: CaptureContainer; littleEndian: boolean } | undefined {
  if (bytes.length < 4) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = view.getUint32(0, true);
  const big = view.getUint32(0, false);
  if (little === MAGIC.PCAPNG_SECTION) return { container: 'pcapng', littleEndian: true };
  if (little === MAGIC.PCAP_MICROSECONDS || little === MAGIC.PCAP_NANOSECONDS) {
    return { container: 'pcap', littleEndian: true };
  }
  if (big === MAGIC.PCAP_MICROSECONDS || big === MAGIC.PCAP_NANOSECONDS) {
    return { container: 'pcap', littleEndian: false };
  }
  return undefined;
}

/**
 * Every packet of a pcap or pcapng file, in file order, with the file's link types.
 *
 * @throws CameraError 7400101 when the bytes are neither, or a block or record runs past the
 *   end of the file.
 */
export function readCaptureFile(bytes: Uint8Array): CaptureFile {
  const kind = captureContainer(bytes);
  if (kind === undefined) {
    const found =
      bytes.length < 4 ? `${bytes.length} bytes` : Array.from(bytes.subarray(0, 4)).join(' ');
    throw badCapture(
      'not a pcap or pcapng file',
      'pcap magic a1b2c3d4/a1b23c4d or pcapng 0a0d0d0a',
      found,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return kind.container === 'pcap'
    ? readPcap(bytes, view, kind.littleEndian)
    : readPcapng(bytes, view);
}

function readPcap(bytes: Uint8Array, view: DataView, littleEndian: boolean): CaptureFile {
  if (bytes.length < PCAP.FILE_HEADER) {
    throw badCapture('pcap file header cut short', `${PCAP.FILE_HEADER} bytes`, bytes.length);
  }
  const nanoseconds = view.getUint32(0, littleEndian) === MAGIC.PCAP_NANOSECONDS;
  const linkType = view.getUint32(PCAP.LINKTYPE, littleEndian) & 0xffff;
  const packets: CapturePacket[] = [];

  let offset: number = PCAP.FILE_HEADER;
  while (offset + PCAP.RECORD_HEADER <= bytes.length) {
    const seconds = view.getUint32(offset + PCAP.TS_SEC, littleEndian);
    const fraction = view.getUint32(offset + PCAP.TS_FRACTION, littleEndian);
    const length = view.getUint32(offset + PCAP.INCL_LEN, littleEndian);
    const start = offset + PCAP.RECORD_HEADER;
    // A capture cut short mid-record (a recorder killed while writing) keeps its whole records.
    if (start + length > bytes.length) return { container: 'pcap', linkTypes: [linkType], packets, truncated: true };
    const micro = nanoseconds ? Math.floor(fraction / NANOSECONDS_PER_MICROSECOND) : fraction;
    packets.push({
      linkType,
      timestampUs: seconds * MICROSECONDS_PER_SECOND + micro,
      data: bytes.slice(start, start + length),
      littleEndian,
    });
    offset = start + length;
  }
  return { container: 'pcap', linkTypes: [linkType], packets };
}

/** An interface of a pcapng section: its link type and timestamp units per second. */
interface PcapngInterface {
  linkType: number;
  unitsPerSecond: number;
}

function readPcapng(bytes: Uint8Array, view: DataView): CaptureFile {
  const packets: CapturePacket[] = [];
  const interfaces: PcapngInterface[] = [];
  const linkTypes: number[] = [];
  let littleEndian = true;

  let offset = 0;
  while (offset + PCAPNG.MIN_BLOCK <= bytes.length) {
    // A section header's byte-order magic decides how the rest of its section reads.
    if (view.getUint32(offset, true) === MAGIC.PCAPNG_SECTION) {
      littleEndian =
        view.getUint32(offset + PCAPNG.SHB_BYTE_ORDER, true) === MAGIC.PCAPNG_BYTE_ORDER;
      interfaces.length = 0;
    }
    const type = view.getUint32(offset, littleEndian);
    const total = view.getUint32(offset + PCAPNG.BLOCK_LENGTH, littleEndian);
    if (total < PCAPNG.MIN_BLOCK || total % 4 !== 0) {
      throw badCapture('bad pcapng block length', `a multiple of 4 of at least ${PCAPNG.MIN_BLOCK}`, total);
    }
    // A capture cut short mid-block (a recorder killed while writing) keeps its whole blocks.
    if (offset + total > bytes.length) return { container: 'pcapng', linkTypes, packets, truncated: true };

    const block = { bytes, view, offset, total, littleEndian };
    if (type === PCAPNG.INTERFACE_DESCRIPTION) {
      const described = readInterface(block);
      interfaces.push(described);
      linkTypes.push(described.linkType);
    } else if (type === PCAPNG.ENHANCED_PACKET || type === PCAPNG.OBSOLETE_PACKET) {
      packets.push(readEnhancedPacket(block, interfaces, type === PCAPNG.ENHANCED_PACKET));
    } else if (type === PCAPNG.SIMPLE_PACKET) {
      packets.push(readSimplePacket(block, interfaces));
    }
    offset += total;
  }
  return { container: 'pcapng', linkTypes, packets };
}

interface Block {
  bytes: Uint8Array;
  view: DataView;
  offset: number;
  total: number;
  littleEndian: boolean;
}

function readInterface(block: Block): PcapngInterface {
  const { view, offset, total, littleEndian } = block;
  const linkType = view.getUint16(offset + PCAPNG.IDB_LINKTYPE, littleEndian);
  let unitsPerSecond = MICROSECONDS_PER_SECOND;

  // Options: code, length, value padded to 4 bytes; only if_tsresol matters here.
  const end = offset + total - 4;
  let at = offset + PCAPNG.IDB_OPTIONS;
  while (at + 4 <= end) {
    const code = view.getUint16(at, littleEndian);
    const length = view.getUint16(at + 2, littleEndian);
    if (code === PCAPNG.OPT_ENDOFOPT || at + 4 + length > end) break;
    if (code === PCAPNG.IF_TSRESOL && length >= 1) {
      const resolution = view.getUint8(at + 4);
      const exponent = resolution & 0x7f;
      unitsPerSecond = (resolution & 0x80) !== 0 ? 2 ** exponent : 10 ** exponent;
    }
    at += 4 + ((length + 3) & ~3);
  }
  return { linkType, unitsPerSecond };
}

function interfaceOf(interfaces: readonly PcapngInterface[], id: number): PcapngInterface {
  const found = interfaces[id];
  if (found === undefined) {
    throw badCapture(
      'pcapng packet for an unknown interface',
      'an interface description block first',
      id,
    );
  }
  return found;
}

function readEnhancedPacket(
  block: Block,
  interfaces: readonly PcapngInterface[],
  enhanced: boolean,
): CapturePacket {
  const { bytes, view, offset, total, littleEndian } = block;
  const id = enhanced
    ? view.getUint32(offset + PCAPNG.EPB_INTERFACE, littleEndian)
    : view.getUint16(offset + PCAPNG.EPB_INTERFACE, littleEndian);
  const captured = view.getUint32(offset + PCAPNG.EPB_CAPLEN, littleEndian);
  if (PCAPNG.EPB_DATA + captured > total) {
    throw badCapture(
      'pcapng packet runs past its block',
      `${total - PCAPNG.EPB_DATA} bytes`,
      captured,
    );
  }
  const where = interfaceOf(interfaces, id);
  const high = view.getUint32(offset + PCAPNG.EPB_TS_HIGH, littleEndian);
  const low = view.getUint32(offset + PCAPNG.EPB_TS_LOW, littleEndian);
  const units = high * TWO_TO_32 + low;
  const start = offset + PCAPNG.EPB_DATA;
  return {
    linkType: where.linkType,
    timestampUs: Math.floor((units * MICROSECONDS_PER_SECOND) / where.unitsPerSecond),
    data: bytes.slice(start, start + captured),
    littleEndian,
  };
}

function readSimplePacket(block: Block, interfaces: readonly PcapngInterface[]): CapturePacket {
  const { bytes, view, offset, total, littleEndian } = block;
  const where = interfaceOf(interfaces, 0);
  const room = total - PCAPNG.MIN_BLOCK - 4;
  const captured = Math.min(
    view.getUint32(offset + PCAPNG.SPB_ORIGINAL_LENGTH, littleEndian),
    room,
  );
  const start = offset + PCAPNG.SPB_DATA;
  return {
    linkType: where.linkType,
    timestampUs: 0,
    data: bytes.slice(start, start + captured),
    littleEndian,
  };
}

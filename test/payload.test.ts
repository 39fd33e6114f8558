import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UVC_STREAM } from '../src/uvc/constants.js';
import {
  parsePayloadHeader,
  payloadHeaderProblem,
  requiredHeaderLength,
  type PayloadHeader,
} from '../src/uvc/payload.js';
import {
  extractBulkInCompletions,
  extractIsochronousInCompletions,
  parseUsbPcap,
} from '../src/usb/usbmon.js';
import { capturesDir } from './fixtures.js';

/** Bytes from the hex notation bugs.md uses (`0c 8c b2 …`). */
function hex(text: string): Uint8Array {
  return Uint8Array.from(text.trim().split(/\s+/), (pair) => Number.parseInt(pair, 16));
}

/** An independent little-endian reader for cross-checking the parser. */
function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function capture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(capturesDir, name)));
}

describe('parsePayloadHeader on the bugs.md minimal inputs', () => {
  it('§2 Realtek: a 12-byte header with PTS and SCR before the JPEG SOI', () => {
    const bytes = hex('0c 8c b2 10 18 14 79 94 1f 14 62 03 ff d8 ff db');
    const header = parsePayloadHeader(bytes);
    expect(header).toBeDefined();
    expect(header?.bHeaderLength).toBe(12);
    expect(header?.fid).toBe(0);
    expect(header?.eof).toBe(false);
    expect(header?.err).toBe(false);
    expect(header?.pts).toBe(view(bytes).getUint32(2, true));
    expect(header?.scr).toEqual({
      stc: view(bytes).getUint32(6, true),
      sof: view(bytes).getUint16(10, true) & 0x7ff,
    });
  });

  it('§2 Realtek: the 14-byte EOF transfer is a header plus ff d9', () => {
    const bytes = hex('0c 8e b2 10 18 14 72 aa 1f 14 62 03 ff d9');
    const header = parsePayloadHeader(bytes);
    expect(header?.eof).toBe(true);
    expect(header?.fid).toBe(0);
    expect(bytes.length - (header?.bHeaderLength ?? 0)).toBe(2);
  });

  it('§2 Realtek: the stale first transfer is not a header', () => {
    const stale = new Uint8Array(12858);
    stale.set(hex('58 59 5a 63 64 65 66 67'));
    expect(parsePayloadHeader(stale)).toBeUndefined();
    expect(payloadHeaderProblem(stale)).toBe('lengthImplausible');
    expect(payloadHeaderProblem(hex('58 59 5a 63 64 65 66 67'))).toBe('lengthBeyondPayload');
  });

  it('§3 MS2109: a header-only EOF packet (length == HLE) is valid', () => {
    const header = parsePayloadHeader(hex('0c 8e 00 00 00 00 00 00 00 00 00 00'));
    expect(header).toMatchObject({ bHeaderLength: 12, eof: true, fid: 0 });
  });

  it('§11 FID never toggles: the 2-byte EOF header', () => {
    const header = parsePayloadHeader(hex('02 02 aa bb'));
    expect(header).toEqual({
      bHeaderLength: 2,
      bmHeaderInfo: 2,
      fid: 0,
      eof: true,
      err: false,
      sti: false,
    });
  });

  it('§13 Vaultmicro: EOH never set and RES set on the EOF packet are accepted', () => {
    const eofPacket = parsePayloadHeader(hex('0c 1e a9 29 bd af 6b 25 d3 af 00 00'));
    expect(eofPacket).toMatchObject({ eof: true, fid: 0, pts: 0xafbd29a9 });
    expect((eofPacket?.bmHeaderInfo ?? 0) & UVC_STREAM.EOH).toBe(0);
    expect((eofPacket?.bmHeaderInfo ?? 0) & UVC_STREAM.RES).toBe(UVC_STREAM.RES);
    const idle = parsePayloadHeader(hex('0c 0d a9 29 bd af 30 98 d3 af 00 00'));
    expect(idle).toMatchObject({ fid: 1, eof: false });
  });
});

describe('payload header validation', () => {
  it('rejects header lengths that do not fit or are implausible', () => {
    expect(payloadHeaderProblem(hex('0c'))).toBe('shortPayload');
    expect(payloadHeaderProblem(new Uint8Array(0))).toBe('shortPayload');
    expect(payloadHeaderProblem(hex('00 80 00 00'))).toBe('lengthTooSmall');
    expect(payloadHeaderProblem(hex('01 80 00 00'))).toBe('lengthTooSmall');
    expect(payloadHeaderProblem(hex('0c 8c 00 00 00 00 00 00'))).toBe('lengthBeyondPayload');
    expect(payloadHeaderProblem(hex('05 80 00 00 00 00'))).toBe('lengthImplausible');
    expect(payloadHeaderProblem(new Uint8Array(16).fill(0x10, 0, 1))).toBe('lengthImplausible');
    // HLE 6 leaves room for a PTS only, but the bits announce PTS and SCR.
    expect(payloadHeaderProblem(hex('06 8c 00 00 00 00'))).toBe('lengthBelowFields');
    expect(payloadHeaderProblem(hex('02 84 00 00 00 00'))).toBe('lengthBelowFields');
  });

  it('reads PTS-only and SCR-only headers at their offsets', () => {
    const ptsOnly = parsePayloadHeader(hex('06 85 01 02 03 04 99'));
    expect(ptsOnly).toMatchObject({ bHeaderLength: 6, fid: 1, pts: 0x04030201 });
    expect(ptsOnly?.scr).toBeUndefined();
    const scrOnly = parsePayloadHeader(hex('08 88 01 02 03 04 ff ff'));
    expect(scrOnly?.pts).toBeUndefined();
    expect(scrOnly?.scr).toEqual({ stc: 0x04030201, sof: 0x7ff });
  });

  it('honours offset and length inside a larger buffer', () => {
    const buffer = hex('ee ee 0c 8e 01 00 00 00 02 00 00 00 03 00 ff d9 ee');
    expect(parsePayloadHeader(buffer, 2, 14)).toMatchObject({ pts: 1, eof: true });
    expect(parsePayloadHeader(buffer, 2, 11)).toBeUndefined();
    expect(payloadHeaderProblem(buffer, 2, 11)).toBe('lengthBeyondPayload');
    expect(payloadHeaderProblem(buffer, 40, 2)).toBe('shortPayload');
  });

  it('sets the ERR and STI flags', () => {
    expect(parsePayloadHeader(hex('02 41'))).toMatchObject({ err: true, sti: false, fid: 1 });
    expect(parsePayloadHeader(hex('02 20'))).toMatchObject({ err: false, sti: true });
  });

  it('computes the length the PTS/SCR bits require', () => {
    expect(requiredHeaderLength(0x80)).toBe(2);
    expect(requiredHeaderLength(UVC_STREAM.PTS)).toBe(6);
    expect(requiredHeaderLength(UVC_STREAM.SCR)).toBe(8);
    expect(requiredHeaderLength(UVC_STREAM.PTS | UVC_STREAM.SCR)).toBe(12);
  });
});

describe('real URB headers (Vaultmicro captures)', () => {
  it('parses the header of the bulk URB', () => {
    const events = parseUsbPcap(capture('vaultmicro_uvc_frame_detector_tph_bulk_0.derived.pcap'));
    const completions = extractBulkInCompletions(events);
    expect(completions).toHaveLength(1);
    const urb = completions[0]!;
    expect(urb.length).toBe(16384);
    expect(urb.data.length).toBe(16384);

    const header = parsePayloadHeader(urb.data);
    expect(header).toBeDefined();
    const quoted = hex('0c 8d a4 9e 68 00 0c e7 ab 98 36 01');
    expect(Array.from(urb.data.subarray(0, 12))).toEqual(Array.from(quoted));
    expect(header?.bHeaderLength).toBe(12);
    expect(header?.fid).toBe(1);
    expect(header?.eof).toBe(false);
    expect((header?.bmHeaderInfo ?? 0) & UVC_STREAM.EOH).toBe(UVC_STREAM.EOH);
    expect(header?.pts).toBe(view(urb.data).getUint32(2, true));
    expect(header?.scr?.stc).toBe(view(urb.data).getUint32(6, true));
    expect(header?.scr?.sof).toBe(view(urb.data).getUint16(10, true) & 0x7ff);
    // MJPEG data begins right after the header.
    expect(Array.from(urb.data.subarray(12, 14))).toEqual([0xff, 0xd8]);
  });

  it('parses all 32 packet headers of the isochronous URB', () => {
    const completions = extractIsochronousInCompletions(
      parseUsbPcap(capture('vaultmicro_uvc_frame_detector_tph_iso_0.derived.pcap')),
    );
    expect(completions).toHaveLength(1);
    const urb = completions[0]!;
    expect(urb.packets).toHaveLength(32);

    const headers = urb.packets.map((packet) =>
      parsePayloadHeader(urb.data, packet.offset, packet.length),
    );
    expect(headers.every((header) => header?.bHeaderLength === 12)).toBe(true);
    const eofPackets = headers.flatMap((header, index) => (header?.eof ? [index] : []));
    expect(eofPackets).toEqual([28]);
    expect(headers[28]?.bmHeaderInfo).toBe(0x1e);
    expect(headers.slice(0, 29).every((header) => header?.fid === 0)).toBe(true);
    expect(headers.slice(29).every((header) => header?.fid === 1)).toBe(true);
    const eoh = (header: PayloadHeader | undefined): number =>
      (header?.bmHeaderInfo ?? 0) & UVC_STREAM.EOH;
    const withEoh = headers.filter((header) => eoh(header) !== 0);
    expect(withEoh).toHaveLength(0);

    // bugs.md §13 quotes packets 26 and 28.
    const packet26 = urb.packets[26]!;
    expect(Array.from(urb.data.subarray(packet26.offset, packet26.offset + 12))).toEqual(
      Array.from(hex('0c 0c a9 29 bd af 01 7d c4 af 00 00')),
    );
    expect(packet26.length - 12).toBe(424);
    const packet28 = urb.packets[28]!;
    const packet28Bytes = urb.data.subarray(packet28.offset, packet28.offset + packet28.length);
    expect(Array.from(packet28Bytes)).toEqual(
      Array.from(hex('0c 1e a9 29 bd af 6b 25 d3 af 00 00')),
    );
  });
});

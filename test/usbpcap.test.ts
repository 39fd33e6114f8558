/**
 * Windows USBPcap captures (link type 249). No real USBPcap capture of a camera was found, so
 * these tests read (1) packets built here byte by byte from the USBPcap capture format
 * specification, independently of webuvc's writer, in both the 1.5 and the older control
 * layouts; (2) the samples in hardware-fixtures/, which webuvc's writer made from its own
 * pcapng recordings, checked against those recordings and against tshark's reading of them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { isCameraError } from '../src/errors.js';
import { parseCaptureFile } from '../src/usb/replay.js';
import { parseUsbPcapFile, usbdStatusToErrno, writeUsbPcap } from '../src/usb/usbpcap.js';
import type { UsbmonEvent } from '../src/usb/usbmon.js';
import { extractControlTransfers } from '../src/usb/usbmon.js';
import { projectRoot } from './fixtures.js';
import { hexOf, replayRun, tsharkFields } from './helpers/recording.js';

const SAMPLES = [
  'virtual-mjpeg-640x480-iso-packed',
  'emulated-realtek-0bda-5602-mjpeg-320x240-bulk',
].map((name) => ({
  name,
  usbpcap: join(projectRoot, 'hardware-fixtures', `${name}.usbpcap.pcap`),
  pcapng: join(projectRoot, 'hardware-fixtures', `${name}.pcapng`),
}));

/** One USBPcap packet, written field by field at the specification's offsets. */
function packet(fields: {
  irpId: number;
  status?: number;
  fn: number;
  completion: boolean;
  endpoint: number;
  transfer: number;
  extra?: number[];
  data?: number[];
}): Uint8Array {
  const extra = fields.extra ?? [];
  const data = fields.data ?? [];
  const headerLength = 27 + extra.length;
  const bytes = new Uint8Array(headerLength + data.length);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, headerLength, true); // headerLen
  view.setUint32(2, fields.irpId, true); // irpId, low word
  view.setUint32(6, 0xffffb000, true); // irpId, high word
  view.setUint32(10, fields.status ?? 0, true); // status
  view.setUint16(14, fields.fn, true); // function
  bytes[16] = fields.completion ? 1 : 0; // info: PDO to FDO
  view.setUint16(17, 2, true); // bus
  view.setUint16(19, 5, true); // device
  bytes[21] = fields.endpoint;
  bytes[22] = fields.transfer;
  view.setUint32(23, data.length, true); // dataLength
  bytes.set(extra, 27);
  bytes.set(data, headerLength);
  return bytes;
}

/** A classic pcap file (little-endian, microseconds) of link type 249 around packets. */
function pcapFile(packets: Uint8Array[]): Uint8Array {
  const size = 24 + packets.reduce((sum, p) => sum + 16 + p.length, 0);
  const file = new Uint8Array(size);
  const view = new DataView(file.buffer);
  view.setUint32(0, 0xa1b2c3d4, true);
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  view.setUint32(16, 65535, true);
  view.setUint32(20, 249, true);
  let at = 24;
  packets.forEach((p, index) => {
    view.setUint32(at, 1_700_000_000, true);
    view.setUint32(at + 4, index * 1000, true);
    view.setUint32(at + 8, p.length, true);
    view.setUint32(at + 12, p.length, true);
    file.set(p, at + 16);
    at += 16 + p.length;
  });
  return file;
}

const u32 = (value: number) => [
  value & 0xff,
  (value >> 8) & 0xff,
  (value >> 16) & 0xff,
  (value >>> 24) & 0xff,
];

describe('USBPcap packets built from the format specification', () => {
  const getDescriptor = [0x80, 0x06, 0x00, 0x01, 0x00, 0x00, 0x12, 0x00];
  const deviceDescriptor = [
    0x12, 0x01, 0x00, 0x02, 0xef, 0x02, 0x01, 0x40, 0x6d, 0x04, 0x1b, 0x08, 0x10, 0x00, 0x00, 0x00,
    0x02, 0x01,
  ];
  const setCurProbe = [0x21, 0x01, 0x00, 0x01, 0x01, 0x00, 0x04, 0x00];
  const file = pcapFile([
    // USBPcap 1.5: SETUP with the setup packet, COMPLETE with the IN data.
    packet({
      irpId: 0x100,
      fn: 0x000b,
      completion: false,
      endpoint: 0x80,
      transfer: 2,
      extra: [0],
      data: getDescriptor,
    }),
    packet({
      irpId: 0x100,
      fn: 0x0008,
      completion: true,
      endpoint: 0x80,
      transfer: 2,
      extra: [3],
      data: deviceDescriptor,
    }),
    // Before 1.5: SETUP, then the OUT data in a DATA packet, then STATUS on completion.
    packet({
      irpId: 0x200,
      fn: 0x001b,
      completion: false,
      endpoint: 0x00,
      transfer: 2,
      extra: [0],
      data: setCurProbe,
    }),
    packet({
      irpId: 0x200,
      fn: 0x001b,
      completion: false,
      endpoint: 0x00,
      transfer: 2,
      extra: [1],
      data: [1, 0, 2, 4],
    }),
    packet({
      irpId: 0x200,
      fn: 0x001b,
      completion: true,
      endpoint: 0x00,
      transfer: 2,
      extra: [2],
      status: 0xc0000004,
    }),
    // Bulk IN: the request carries no data, the response does.
    packet({ irpId: 0x300, fn: 0x0009, completion: false, endpoint: 0x81, transfer: 3 }),
    packet({
      irpId: 0x300,
      fn: 0x0009,
      completion: true,
      endpoint: 0x81,
      transfer: 3,
      data: [0x0c, 0x8e, 1, 2, 3],
    }),
    // Isochronous IN response: start frame, 3 packets, 1 error, then offset/length/status each.
    packet({
      irpId: 0x400,
      fn: 0x000a,
      completion: true,
      endpoint: 0x82,
      transfer: 0,
      extra: [
        ...u32(77),
        ...u32(3),
        ...u32(1),
        ...u32(0),
        ...u32(2),
        ...u32(0),
        ...u32(4),
        ...u32(0),
        ...u32(0xc0000012),
        ...u32(8),
        ...u32(1),
        ...u32(0),
      ],
      data: [0xaa, 0xbb, 0, 0, 0, 0, 0, 0, 0xcc],
    }),
    // IRP information packets carry no transfer.
    packet({ irpId: 0x500, fn: 0x0000, completion: true, endpoint: 0x00, transfer: 0xfe }),
  ]);
  const events = parseUsbPcapFile(file);

  it('reads a 1.5-style control transfer: setup from SETUP, the answer from COMPLETE', () => {
    const [submit, complete] = events;
    expect(submit).toMatchObject({
      id: 'ffffb00000000100',
      type: 'S',
      transferType: 'Ci',
      bus: 2,
      device: 5,
      endpoint: 0x80,
      length: 18,
    });
    expect(hexOf(submit!.setup!)).toBe(hexOf(Uint8Array.from(getDescriptor)));
    expect(complete).toMatchObject({
      type: 'C',
      transferType: 'Ci',
      status: 0,
      length: 18,
      timestampUs: 1_700_000_000_001_000,
    });
    expect(hexOf(complete!.data)).toBe(hexOf(Uint8Array.from(deviceDescriptor)));
  });

  it('reads an older control transfer: OUT data from DATA, the STALL from STATUS', () => {
    const [transfer] = extractControlTransfers(events.slice(2, 4));
    expect(transfer).toMatchObject({
      bmRequestType: 0x21,
      bRequest: 1,
      wValue: 0x0100,
      wIndex: 1,
      wLength: 4,
      status: -32,
    });
    expect(hexOf(transfer!.data)).toBe('01000204');
  });

  it('reads bulk and isochronous transfers with their packets and statuses', () => {
    const bulk = events.filter((e) => e.transferType === 'Bi');
    expect(bulk.map((e) => [e.type, e.length, hexOf(e.data)])).toEqual([
      ['S', 0, ''],
      ['C', 5, '0c8e010203'],
    ]);
    const iso = events.find((e) => e.transferType === 'Zi')!;
    expect(iso).toMatchObject({ type: 'C', endpoint: 0x82, startFrame: 77, length: 3 });
    expect(iso.iso).toEqual({
      errorCount: 1,
      packetCount: 3,
      descriptors: [
        { offset: 0, length: 2, status: 0 },
        { offset: 4, length: 0, status: -75 },
        { offset: 8, length: 1, status: 0 },
      ],
    });
  });

  it('skips IRP information packets', () => {
    expect(events).toHaveLength(7);
  });

  it('maps USBD_STATUS codes to the errno a usbmon capture would show', () => {
    expect(
      [0, 0xc0000004, 0xc0000030, 0xc0010000, 0xc0007000, 0xc0000012, 0xc0ffffff].map(
        usbdStatusToErrno,
      ),
    ).toEqual([0, -32, -32, -2, -19, -75, -71]);
  });

  it('ends bad input in a CameraError that says what was expected', () => {
    const short = pcapFile([new Uint8Array(20)]);
    expect(() => parseUsbPcapFile(short)).toThrow(
      /USBPcap packet 1 is too short; expected 27 header bytes; found 20/,
    );
    const lying = packet({ irpId: 1, fn: 9, completion: true, endpoint: 0x81, transfer: 3 });
    new DataView(lying.buffer).setUint16(0, 400, true);
    expect(() => parseUsbPcapFile(pcapFile([lying]))).toThrow(/bad header length/);
    const notUsbPcap = pcapFile([]);
    new DataView(notUsbPcap.buffer).setUint32(20, 1, true);
    let error: unknown;
    try {
      parseUsbPcapFile(notUsbPcap);
    } catch (caught) {
      error = caught;
    }
    expect(isCameraError(error, 7400101)).toBe(true);
  });
});

/** What a USBPcap capture keeps of a usbmon event: IN submissions carry no length there. */
function kept(event: UsbmonEvent): Record<string, unknown> {
  const inSubmission = event.type === 'S' && (event.endpoint & 0x80) !== 0;
  return {
    id: event.id,
    timestampUs: event.timestampUs,
    type: event.type,
    transferType: event.transferType,
    endpoint: event.endpoint,
    status: event.status,
    length: inSubmission && event.transferType[0] !== 'C' ? 0 : event.length,
    data: hexOf(event.data),
    setup: event.setup ? hexOf(event.setup) : undefined,
    iso: event.type === 'C' ? event.iso : undefined,
  };
}

describe('the USBPcap samples in hardware-fixtures/', () => {
  for (const sample of SAMPLES) {
    describe(sample.name, () => {
      const usbpcap = readFileSync(sample.usbpcap);
      const pcapng = readFileSync(sample.pcapng);

      it('hold the transfers of the recording they were made from', () => {
        const fromUsbPcap = parseCaptureFile(usbpcap);
        const fromPcapng = parseCaptureFile(pcapng);
        expect(fromUsbPcap.format).toBe('USBPcap pcap');
        expect(fromUsbPcap.events.map(kept)).toEqual(fromPcapng.events.map(kept));
      });

      it('replay to the same frames as that recording', async () => {
        const a = await replayRun(usbpcap);
        const b = await replayRun(pcapng);
        expect(a.frames.length).toBeGreaterThan(0);
        expect(a.frames.map((f) => [f.pts, hexOf(f.data)])).toEqual(
          b.frames.map((f) => [f.pts, hexOf(f.data)]),
        );
      });

      it('read in tshark as the reader reads them', () => {
        const rows = tsharkFields(sample.usbpcap, 'usb', [
          'usb.irp_id',
          'usb.irp_info.direction',
          'usb.transfer_type',
          'usb.endpoint_address',
          'usb.control_stage',
        ]);
        const events = parseUsbPcapFile(usbpcap);
        expect(rows).toHaveLength(events.length);
        rows.forEach(([irp, direction, transfer, endpoint, stage], index) => {
          const event = events[index]!;
          const control = event.transferType[0] === 'C';
          expect(irp).toBe(`0x${event.id}`);
          expect(Number(direction)).toBe(event.type === 'S' ? 0 : 1);
          expect(Number(transfer)).toBe('ZICB'.indexOf(event.transferType[0]!));
          if (!control) expect(Number(endpoint)).toBe(event.endpoint);
          expect(stage).toBe(control ? (event.type === 'S' ? '0' : '3') : '');
        });
      });

      it('have their UVC probe and commit dissected by tshark', () => {
        const rows = tsharkFields(
          sample.usbpcap,
          'usbvideo.probe.maxVideoFrameSize && usbvideo.control.selector == 2',
          ['usbvideo.format.index', 'usbvideo.frame.index'],
        );
        const commit = parseCaptureFile(usbpcap).events.find(
          (e) => e.type === 'S' && e.setup?.[1] === 1 && e.setup[3] === 2,
        )!;
        expect(rows).toEqual([[String(commit.data[2]), String(commit.data[3])]]);
      });
    });
  }

  it('come out of the writer as they are stored (the writer is deterministic)', () => {
    const sample = SAMPLES[1]!;
    const events = parseCaptureFile(readFileSync(sample.pcapng)).events;
    expect(hexOf(writeUsbPcap(events))).toBe(hexOf(readFileSync(sample.usbpcap)));
  });
});

/**
 * Recording: what the recorder writes is what crossed the (emulated) bus, in the shape Linux
 * usbmon gives it; the pcapng writer's records match the real captures' layout byte for
 * byte; tshark opens a recording and dissects its UVC probe/commit as it does the real C310
 * capture.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { decodeProbe } from '../src/uvc/probe.js';
import { UVC_REQ, USB_REQ, VS_CONTROL } from '../src/uvc/constants.js';
import { loadEmulatedCamera } from '../src/usb/emulated-files.js';
import { readCaptureFile } from '../src/usb/pcap-file.js';
import {
  PcapngWriter,
  concatBytes,
  encodeUsbmonRecord,
  packIsochronousEvent,
  writePcapng,
} from '../src/usb/pcapng.js';
import { pairTransfers, parseUsbPcap, type UsbmonEvent } from '../src/usb/usbmon.js';
import { createVirtualCamera } from '../src/usb/virtual-camera.js';
import { capturesDir, fixturesDir } from './fixtures.js';
import { hexOf, recordRun, tsharkFields, type RecordedRun } from './helpers/recording.js';

const C310 = join(capturesDir, 'logitech_C310_enum.pcapng');
const REALTEK_PCAP = join(
  capturesDir,
  'dell_xps12_realtek_0bda-5602_bulk_usbmon-works-mjpg-320x240.derived.pcap',
);
const REALTEK_LSUSB = join(
  fixturesDir,
  'descriptors',
  'realtek_integrated_webcam_dell_xps12_bulk_0bda-5602.lsusb.txt',
);

const work = mkdtempSync(join(tmpdir(), 'webuvc-record-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The fields a pcapng round trip keeps, with the defaults the binary format reads back. */
function normalized(event: UsbmonEvent): Record<string, unknown> {
  const isochronous = event.transferType[0] === 'Z';
  return {
    ...event,
    data: hexOf(event.data),
    setup: event.setup && event.transferType[0] === 'C' ? hexOf(event.setup) : undefined,
    interval: isochronous || event.transferType[0] === 'I' ? (event.interval ?? 0) : undefined,
    startFrame: isochronous ? (event.startFrame ?? 0) : undefined,
  };
}

function controlSubmissions(
  events: readonly UsbmonEvent[],
  bRequest: number,
  selector?: number,
): UsbmonEvent[] {
  return events.filter(
    (e) =>
      e.type === 'S' &&
      e.setup !== undefined &&
      e.setup[1] === bRequest &&
      (selector === undefined || e.setup[3] === selector),
  );
}

function completionOf(events: readonly UsbmonEvent[], submit: UsbmonEvent): UsbmonEvent {
  const complete = events.find((e) => e.type === 'C' && e.id === submit.id);
  if (!complete) throw new Error(`no completion for URB ${submit.id}`);
  return complete;
}

describe('the recorder on the virtual camera (isochronous MJPEG)', async () => {
  const device = await createVirtualCamera();
  const run: RecordedRun = await recordRun(
    device,
    { pixelFormat: 'MJPEG', width: 320, height: 240 },
    4,
  );
  const { events } = run;

  it('pairs every submission with one later completion of the same URB, and only those', () => {
    const pairs = pairTransfers(events);
    expect(pairs.every((p) => p.submit !== undefined)).toBe(true);
    expect(pairs).toHaveLength(events.filter((e) => e.type === 'S').length);
    expect(events.filter((e) => e.type === 'S').every((e) => e.status === -115)).toBe(true);
  });

  it('holds the descriptors the driver read, as the device answered them', () => {
    const reads = controlSubmissions(events, USB_REQ.GET_DESCRIPTOR);
    const answers = reads.map((submit) => completionOf(events, submit).data);
    expect(hexOf(answers[0]!)).toBe(hexOf(device.deviceDescriptor));
    expect(answers.map(hexOf)).toContain(hexOf(device.configurationDescriptor));
  });

  it('holds the committed probe the driver negotiated', () => {
    const commits = controlSubmissions(events, UVC_REQ.SET_CUR, VS_CONTROL.COMMIT_CONTROL);
    expect(commits).toHaveLength(1);
    const committed = decodeProbe(commits[0]!.data);
    const negotiated = run.stream.negotiation.committed;
    expect([committed.bFormatIndex, committed.bFrameIndex, committed.dwFrameInterval]).toEqual([
      negotiated.bFormatIndex,
      negotiated.bFrameIndex,
      negotiated.dwFrameInterval,
    ]);
    expect(committed.dwMaxPayloadTransferSize).toBe(negotiated.dwMaxPayloadTransferSize);
  });

  it('holds every isochronous packet the payload driver got, byte for byte and in order', () => {
    const recorded = events
      .filter((e) => e.type === 'C' && e.transferType === 'Zi' && e.status === 0)
      .flatMap((e) =>
        (e.iso?.descriptors ?? []).map((d) => ({
          status: d.status,
          bytes: hexOf(e.data.subarray(d.offset, d.offset + d.length)),
        })),
      );
    const seen = run.tapped.isochronous.flatMap(({ data, packets }) =>
      packets.map((p) => ({
        status: p.status === 'ok' ? 0 : -1,
        bytes: hexOf(data.subarray(p.offset, p.offset + p.length)),
      })),
    );
    expect(seen.length).toBeGreaterThan(0);
    expect(recorded.slice(0, seen.length)).toEqual(seen);
  });

  it('says per completion how many packets failed and how many bytes arrived', () => {
    for (const e of events.filter(
      (x) => x.type === 'C' && x.transferType === 'Zi' && x.iso!.packetCount > 0,
    )) {
      const packets = e.iso!.descriptors;
      expect(e.iso!.errorCount).toBe(packets.filter((p) => p.status !== 0).length);
      expect(e.length).toBe(packets.reduce((sum, p) => sum + p.length, 0));
    }
  });

  it('records the transfers cancelled at stop as killed (ENOENT), as usbmon shows them', () => {
    const killed = events.filter(
      (e) => e.type === 'C' && e.transferType === 'Zi' && e.status === -2,
    );
    expect(killed.length).toBeGreaterThan(0);
  });

  it('reads back from pcapng into the same events', () => {
    const file = writePcapng(events);
    expect(parseUsbPcap(file).map(normalized)).toEqual(events.map(normalized));
  });

  it('reads back the same packets when isochronous packets are packed end to end', () => {
    const packed = parseUsbPcap(writePcapng(events, { packIsochronous: true }));
    const packets = (list: readonly UsbmonEvent[]) =>
      list.flatMap((e) =>
        (e.iso?.descriptors ?? []).map((d) =>
          hexOf(e.data.subarray(d.offset, d.offset + d.length)),
        ),
      );
    expect(packets(packed)).toEqual(packets(events));
    expect(writePcapng(events, { packIsochronous: true }).length).toBeLessThan(
      writePcapng(events).length,
    );
  });

  it('cuts data at the snap length and keeps the real transfer length, as usbmon does', () => {
    const cut = parseUsbPcap(writePcapng(events, { snapLength: 32 }));
    const bulky = events.findIndex((e) => e.data.length > 32 && e.transferType !== 'Zi');
    expect(bulky).toBeGreaterThanOrEqual(0);
    expect(cut[bulky]!.length).toBe(events[bulky]!.length);
    expect(hexOf(cut[bulky]!.data)).toBe(hexOf(events[bulky]!.data.subarray(0, 32)));
  });
});

describe('the recorder on a bulk camera (emulated Realtek 0bda:5602)', async () => {
  const device = await loadEmulatedCamera(REALTEK_LSUSB);
  const run = await recordRun(device, { pixelFormat: 'MJPEG', width: 320, height: 240 }, 3);
  const { events } = run;

  it('holds every bulk completion the payload driver got, with the length asked', () => {
    const completions = events.filter(
      (e) => e.type === 'C' && e.transferType === 'Bi' && e.status === 0,
    );
    expect(completions.slice(0, run.tapped.bulk.length).map((e) => hexOf(e.data))).toEqual(
      run.tapped.bulk.map(hexOf),
    );
    for (const complete of completions) {
      const submit = events.find((e) => e.type === 'S' && e.id === complete.id)!;
      expect(submit.length).toBeGreaterThanOrEqual(complete.length);
    }
  });

  it('records the end of the stream as CLEAR_FEATURE(ENDPOINT_HALT) on the video endpoint', () => {
    const clears = controlSubmissions(events, USB_REQ.CLEAR_FEATURE);
    expect(clears.map((e) => hexOf(e.setup!))).toContain('0201000081000000');
  });
});

describe('a STALL in a recording', () => {
  it('is recorded as EPIPE on the request the camera refused', async () => {
    const device = await createVirtualCamera();
    device.stallNext(UVC_REQ.GET_DEF);
    const run = await recordRun(device, { pixelFormat: 'YUYV', width: 320, height: 240 }, 1);
    const getDef = controlSubmissions(run.events, UVC_REQ.GET_DEF)[0]!;
    expect(completionOf(run.events, getDef).status).toBe(-32);
  });
});

describe('the pcapng writer against real captures', () => {
  it('writes the C310 capture back with Linux headers byte for byte (transfer flags aside)', () => {
    const original = readCaptureFile(readFileSync(C310));
    const rewritten = readCaptureFile(writePcapng(parseUsbPcap(readFileSync(C310))));
    expect(rewritten.linkTypes).toEqual([220]);
    expect(rewritten.packets).toHaveLength(original.packets.length);
    rewritten.packets.forEach((packet, index) => {
      const real = original.packets[index]!;
      // URB transfer flags (bytes 56..59) are not part of an event; everything else must match.
      const mask = (bytes: Uint8Array) => {
        const copy = bytes.slice();
        copy.fill(0, 56, 60);
        return hexOf(copy);
      };
      expect(packet.timestampUs).toBe(real.timestampUs);
      expect(mask(packet.data)).toBe(mask(real.data));
    });
  });

  it('rewrites the Realtek pcap (link type 189) as 220 with every event field kept', () => {
    const events = parseUsbPcap(readFileSync(REALTEK_PCAP));
    expect(parseUsbPcap(writePcapng(events)).map(normalized)).toEqual(events.map(normalized));
  });

  it('encodes records of link type 220 with the same leading 48 bytes as the 189 original', () => {
    const original = readCaptureFile(readFileSync(REALTEK_PCAP));
    const events = parseUsbPcap(readFileSync(REALTEK_PCAP));
    events.forEach((event, index) => {
      const header = original.packets[index]!.data.slice(0, 48);
      const written = encodeUsbmonRecord(event).slice(0, 48);
      // flag_data of a data-less event is the converter's guess ('<' or '>'); Linux's
      // mon_bin_event starts data_tag at 0 and sets '<' on IN submissions and '>' on OUT
      // completions only, which the writer follows. Every other byte must match.
      if (event.data.length === 0) header[15] = written[15]!;
      expect(hexOf(written)).toBe(hexOf(header));
    });
  });

  it('streams blocks to its sink as events arrive', () => {
    const chunks: Uint8Array[] = [];
    const writer = new PcapngWriter((chunk) => chunks.push(chunk));
    expect(chunks).toHaveLength(2);
    const [first] = parseUsbPcap(readFileSync(C310));
    writer.write(first!);
    expect(chunks).toHaveLength(3);
    expect(writer.events).toBe(1);
    expect(writer.bytes).toBe(concatBytes(chunks).length);
    expect(packIsochronousEvent(first!)).toBe(first);
  });
});

describe('tshark reads a recording as it reads the real C310 capture', async () => {
  const device = await createVirtualCamera();
  const run = await recordRun(
    device,
    { pixelFormat: 'MJPEG', width: 640, height: 480, fps: 15 },
    2,
  );
  const file = join(work, 'virtual.pcapng');
  writeFileSync(file, writePcapng(run.events));
  const probeFields = [
    'usb.urb_type',
    'usbvideo.setup.bRequest',
    'usbvideo.control.selector',
    'usbvideo.format.index',
    'usbvideo.frame.index',
    'usbvideo.frame.interval',
    'usbvideo.probe.maxVideoFrameSize',
    'usbvideo.probe.maxPayloadTransferSize',
  ];

  it('dissects the real C310 probe exchange (the reference)', () => {
    const rows = tsharkFields(C310, 'usbvideo.probe.maxVideoFrameSize', probeFields);
    expect(rows).toEqual([
      ["'C'", '', '0x01', '1', '1', '333333', '614400', '3060'],
      ["'S'", '0x01', '0x01', '1', '1', '333333', '614400', '3060'],
      ["'C'", '', '0x01', '1', '1', '333333', '614400', '3060'],
    ]);
  });

  it('dissects the recorded SET_CUR(COMMIT) with the values the driver committed', () => {
    const committed = run.stream.negotiation.committed;
    const rows = tsharkFields(
      file,
      'usbvideo.probe.maxVideoFrameSize && usbvideo.control.selector == 2',
      probeFields,
    );
    expect(rows).toEqual([
      [
        "'S'",
        '0x01',
        '0x02',
        String(committed.bFormatIndex),
        String(committed.bFrameIndex),
        String(committed.dwFrameInterval),
        String(committed.dwMaxVideoFrameSize),
        String(committed.dwMaxPayloadTransferSize),
      ],
    ]);
  });

  it('dissects every probe answer the recording holds', () => {
    const answers = run.events.filter(
      (e) =>
        e.type === 'C' &&
        e.transferType === 'Ci' &&
        e.data.length >= 26 &&
        e.status === 0 &&
        e.data[0] !== 18,
    );
    const probes = answers.filter((e) => {
      const submit = run.events.find((s) => s.type === 'S' && s.id === e.id)!;
      return submit.setup![0] === 0xa1 && submit.setup![3] === VS_CONTROL.PROBE_CONTROL;
    });
    const rows = tsharkFields(file, "usbvideo.probe.maxVideoFrameSize && usb.urb_type == 'C'", [
      'usbvideo.probe.maxVideoFrameSize',
    ]);
    expect(rows.map((row) => Number(row[0]))).toEqual(
      probes.map((e) => decodeProbe(e.data).dwMaxVideoFrameSize),
    );
  });

  it('reads each isochronous completion with the packet lengths recorded', () => {
    const completions = run.events.filter(
      (e) => e.type === 'C' && e.transferType === 'Zi' && e.status === 0,
    );
    const rows = tsharkFields(
      file,
      "usb.transfer_type == 0 && usb.urb_type == 'C' && usb.urb_status == 0",
      ['usb.iso.numdesc', 'usb.iso.iso_len'],
    );
    // tshark shows the descriptor count twice for usbmon records (for the real C310 too).
    expect(rows.map((row) => row[0])).toEqual(
      completions.map((e) => `${e.iso!.packetCount},${e.iso!.packetCount}`),
    );
    expect(rows.map((row) => row[1])).toEqual(
      completions.map((e) => e.iso!.descriptors.map((d) => d.length).join(',')),
    );
  });

  it('finds nothing malformed in the recording', () => {
    expect(
      tsharkFields(file, '_ws.malformed || _ws.expert.severity >= error', ['frame.number']),
    ).toEqual([]);
  });
});

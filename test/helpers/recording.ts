/**
 * Shared steps of the record and replay tests: stream a camera while recording it, replay a
 * capture through the driver, reassemble frames from a capture's payload headers without the
 * driver, and ask tshark about a file.
 */
import { execFileSync } from 'node:child_process';

import { UvcCamera, type ActiveStream, type StreamCounters } from '../../src/camera/uvc-camera.js';
import type { StreamRequest } from '../../src/camera/select.js';
import type { PacketResult } from '../../src/stream/reader.js';
import {
  parseCaptureFile,
  replayCapture,
  type Replay,
  type ReplayOptions,
} from '../../src/usb/replay.js';
import type { BulkInCompletion, UsbmonEvent } from '../../src/usb/usbmon.js';

/** A frame as a test keeps it: a copy of its bytes and its PTS. */
export interface KeptFrame {
  data: Uint8Array;
  pts: number | undefined;
}

/** What the driver saw of a stream besides frames: each completion the payload driver got. */
export interface Tapped {
  bulk: Uint8Array[];
  isochronous: Array<{ data: Uint8Array; packets: PacketResult[] }>;
}

/** A recorded run: the events the recorder wrote, the frames delivered meanwhile, the stream. */
export interface RecordedRun {
  events: UsbmonEvent[];
  frames: KeptFrame[];
  tapped: Tapped;
  stream: ActiveStream;
}

function tap(camera: UvcCamera): Tapped {
  const tapped: Tapped = { bulk: [], isochronous: [] };
  camera.addStreamTap({
    bulk: (data) => tapped.bulk.push(data.slice()),
    isochronous: (data, packets) =>
      tapped.isochronous.push({ data: data.slice(), packets: packets.map((p) => ({ ...p })) }),
  });
  return tapped;
}

/** Stream `device` while recording it until `wanted` frames arrived; then stop and close. */
export async function recordRun(
  device: USBDevice,
  request: StreamRequest,
  wanted: number,
): Promise<RecordedRun> {
  const events: UsbmonEvent[] = [];
  const camera = await UvcCamera.open(device, {
    recordTo: { write: (event) => events.push(event) },
  });
  const frames: KeptFrame[] = [];
  const tapped = tap(camera);
  let enough!: () => void;
  const done = new Promise<void>((resolve) => (enough = resolve));
  const stream = await camera.startStream(request, (frame) => {
    frames.push({ data: frame.data.slice(), pts: frame.pts });
    frame.release();
    if (frames.length >= wanted) enough();
  });
  await done;
  await stream.stop();
  await camera.close();
  return { events, frames, tapped, stream };
}

/** A capture replayed through the driver: every frame it yields until the capture ends. */
export interface ReplayedRun {
  replay: Replay;
  frames: KeptFrame[];
  counters: StreamCounters;
  tapped: Tapped;
  stream: ActiveStream;
}

/** Replay capture bytes (any supported kind) and collect every frame. */
export async function replayRun(
  bytes: Uint8Array | string,
  options: ReplayOptions = {},
  request?: StreamRequest,
): Promise<ReplayedRun> {
  const replay = replayCapture(parseCaptureFile(bytes), options);
  const camera = await UvcCamera.open(replay.camera);
  const frames: KeptFrame[] = [];
  const tapped = tap(camera);
  try {
    const stream = await camera.startStream(request ?? replay.request, (frame) => {
      frames.push({ data: frame.data.slice(), pts: frame.pts });
      frame.release();
    });
    await replay.camera.finished;
    // The last payload was handed over; let the driver finish with it.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const counters = stream.counters();
    await stream.stop();
    return { replay, frames, counters, tapped, stream };
  } finally {
    await camera.close();
  }
}

/**
 * Frames as a capture's payload headers delimit them, without the driver: the bodies of the
 * video endpoint's payloads between EOF (or FID toggle) boundaries, the PTS of each frame's
 * first header that carries one. `fromStart`: the capture holds the stream from its first
 * payload (a recording), so the first frame is whole; otherwise it is left out.
 */
export function framesInEvents(
  events: readonly UsbmonEvent[],
  endpoint: number,
  fromStart: boolean,
): KeptFrame[] {
  const payloads: Uint8Array[] = [];
  for (const event of events) {
    if (event.type !== 'C' || event.endpoint !== endpoint || event.status !== 0) continue;
    if (event.transferType === 'Bi') payloads.push(event.data);
    if (event.transferType === 'Zi') {
      for (const packet of event.iso?.descriptors ?? []) {
        if (packet.status === 0)
          payloads.push(event.data.subarray(packet.offset, packet.offset + packet.length));
      }
    }
  }

  const frames: KeptFrame[] = [];
  let parts: Uint8Array[] = [];
  let pts: number | undefined;
  let ptsFromData = false;
  let fid: number | undefined;
  let started = fromStart;
  const end = (): void => {
    const total = parts.reduce((sum, part) => sum + part.length, 0);
    if (started && total > 0) {
      const data = new Uint8Array(total);
      let at = 0;
      for (const part of parts) {
        data.set(part, at);
        at += part.length;
      }
      frames.push({ data, pts });
    }
    parts = [];
    pts = undefined;
    ptsFromData = false;
  };
  for (const payload of payloads) {
    const hle = payload[0] ?? 0;
    const bfh = payload[1] ?? 0;
    if (payload.length < 2 || hle < 2 || hle > payload.length) continue;
    const frameId = bfh & 0x01;
    // A toggled FID starts a new frame; the first one seen starts the first whole frame.
    if (fid !== undefined && frameId !== fid) {
      end();
      started = true;
    }
    fid = frameId;
    // The PTS of the frame's first payload with data; idle header-only packets of the next
    // frame still carry the previous frame's PTS (bugs.md §13) and count only as a fallback.
    const hasData = payload.length > hle;
    if ((bfh & 0x04) !== 0 && hle >= 6 && (pts === undefined || (hasData && !ptsFromData))) {
      pts = new DataView(payload.buffer, payload.byteOffset).getUint32(2, true);
      ptsFromData = hasData;
    }
    if (started) parts.push(payload.subarray(hle));
    if ((bfh & 0x02) !== 0) {
      end();
      started = true;
      fid = undefined;
    }
  }
  return frames;
}

/** tshark's fields for each packet a display filter keeps, one array per packet. */
export function tsharkFields(file: string, filter: string, fields: string[]): string[][] {
  const args = ['-r', file, '-Y', filter, '-T', 'fields', '-E', 'separator=|'];
  for (const field of fields) args.push('-e', field);
  const out = execFileSync('tshark', args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 64 << 20,
  });
  return out
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => line.split('|'));
}

/** Hex of bytes, for readable comparisons. */
export function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * The whole MJPEG frames the Realtek 0bda:5602 trace holds, read from its bulk completions'
 * payload headers alone (independently of webuvc's assembler): the first EOF ends a frame that
 * began before the capture, each later one ends a whole frame.
 */
export function realtekTraceFrames(completions: readonly BulkInCompletion[]): Array<{ pts: number; bytes: number }> {
  const frames: Array<{ pts: number; bytes: number }> = [];
  let open: { pts: number; bytes: number } | undefined;
  let synced = false;
  for (const c of completions) {
    if (c.status !== 0) continue;
    const d = c.data;
    const header = d.length >= 12 && d[0] === 12 && (d[1]! & 0xfc) === 0x8c;
    if (!header) {
      // A continuation of the payload, or the stale bytes before the first header.
      if (open) open.bytes += c.length;
      continue;
    }
    const pts = new DataView(d.buffer, d.byteOffset).getUint32(2, true);
    if (!open && synced) open = { pts, bytes: 0 };
    if (open) open.bytes += c.length - 12;
    if ((d[1]! & 0x02) !== 0) {
      if (open && synced) frames.push(open);
      open = undefined;
      synced = true;
    }
  }
  return frames;
}

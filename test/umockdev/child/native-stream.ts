/**
 * Under umockdev-run: drive the native streaming binding (src/usb/native.ts) against an
 * emulated camera and report what arrived as JSON lines. argv[2] is a JSON {@link Plan}.
 *
 * Steps a plan can chain, each reported with an `event`:
 *   stream    open, negotiate, select the alternate setting, stream `frames` frames, stop, close
 *   expectFailure  like stream, but report the CameraError that ends it (and that stop returns)
 *   exit      start streaming and leave the process (exit or SIGKILL) without stopping
 *   closeMidStream  start streaming and close the interface without stopping first
 */
import { linkModelSockets } from '../model-server.js';
import { BulkPayloadJoiner, FrameRecorder } from '../frames.js';
import { emit, fail } from './report.js';
import {
  negotiate,
  readConfiguration,
  type ControlChannel,
  type Negotiated,
  type StreamChoice,
} from './negotiate.js';
import {
  isochronousPacketSize,
  loadNativeBinding,
  NativeStreamingInterface,
  type CompletedTransfer,
  type NativeStream,
} from '../../../src/usb/native.js';
import { CameraError } from '../../../src/errors.js';

/** One step of a plan. */
export interface Step {
  action: 'stream' | 'expectFailure' | 'exit' | 'closeMidStream';
  frames?: number;
  transfers?: number;
  packetsPerTransfer?: number;
  /** expectFailure: give up waiting for data after this long without any transfer. */
  quietMs?: number;
  /** exit: how to leave. */
  how?: 'exit' | 'kill';
  /** Do not hash payloads (benchmark: count frames only). */
  countOnly?: boolean;
}

/** What the program does. */
export interface Plan {
  busNumber: number;
  deviceAddress: number;
  interfaceNumber: number;
  choice: StreamChoice;
  steps: Step[];
}

const plan = JSON.parse(process.argv[2] ?? '{}') as Plan;
linkModelSockets();

const loaded = loadNativeBinding();
if ('unavailable' in loaded) {
  emit({ event: 'unavailable', reason: loaded.unavailable });
  process.exit(3);
}

function channelOf(iface: NativeStreamingInterface): ControlChannel {
  return {
    controlIn: (bmRequestType, bRequest, wValue, wIndex, length) =>
      iface.controlTransferIn({ bmRequestType, bRequest, wValue, wIndex }, length),
    controlOut: async (bmRequestType, bRequest, wValue, wIndex, data) => {
      await iface.controlTransferOut({ bmRequestType, bRequest, wValue, wIndex }, data);
    },
  };
}

function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof CameraError) {
    const cause = error.cause as { errno?: unknown; code?: unknown } | undefined;
    return {
      name: error.name,
      code: error.code,
      message: error.message,
      causeErrno: cause?.errno,
      causeCode: cause?.code,
    };
  }
  return { name: error instanceof Error ? error.name : 'unknown', message: String(error) };
}

async function start(
  iface: NativeStreamingInterface,
  negotiated: Negotiated,
  step: Step,
): Promise<{ stream: NativeStream; transferSize: number }> {
  const endpoint = negotiated.endpoint;
  if (endpoint.transferType === 'bulk') {
    const transferSize = negotiated.probe.dwMaxPayloadTransferSize;
    const stream = await iface.startBulk({
      endpoint: endpoint.bEndpointAddress,
      transferSize,
      transfers: step.transfers ?? 8,
    });
    return { stream, transferSize };
  }
  await iface.setAltSetting(negotiated.alternate);
  const stream = await iface.startIsochronous({
    endpoint: endpoint.bEndpointAddress,
    packetSize: isochronousPacketSize(endpoint),
    packetsPerTransfer: step.packetsPerTransfer ?? 32,
    transfers: step.transfers ?? 8,
  });
  return { stream, transferSize: 0 };
}

/** Stream until `frames` complete frames arrived; returns the recorder and counters. */
async function consume(
  stream: NativeStream,
  transferSize: number,
  maxPayload: number,
  step: Step,
): Promise<{ recorder: FrameRecorder; transfers: number; lostPackets: number; eofs: number }> {
  const recorder = new FrameRecorder();
  const joiner = new BulkPayloadJoiner((payload) => recorder.feed(payload), maxPayload);
  const wanted = step.frames ?? 10;
  let transfers = 0;
  let lostPackets = 0;
  let eofs = 0;
  const countEof = (payload: Uint8Array): void => {
    if (payload.length >= 2 && (payload[1]! & 0x02) !== 0) eofs++;
  };

  for await (const transfer of stream) {
    transfers++;
    if (transfer.packets !== undefined) {
      for (const packet of transfer.packets) {
        if (packet.status !== 'completed') {
          lostPackets++;
          if (!step.countOnly) recorder.feed(new Uint8Array(0), true);
          continue;
        }
        if (packet.length === 0) continue;
        const payload = transfer.data.subarray(packet.offset, packet.offset + packet.length);
        if (step.countOnly) countEof(payload);
        else recorder.feed(payload);
      }
    } else if (step.countOnly) {
      countEof(transfer.data);
    } else {
      joiner.push(transfer.data, transferSize);
    }
    transfer.release();
    const done = step.countOnly ? eofs : recorder.frames.length;
    if (done >= wanted) break;
  }
  return { recorder, transfers, lostPackets, eofs };
}

async function openAndNegotiate(): Promise<{
  iface: NativeStreamingInterface;
  negotiated: Negotiated;
}> {
  const iface = await NativeStreamingInterface.open({
    target: { busNumber: plan.busNumber, deviceAddress: plan.deviceAddress },
    interfaceNumber: plan.interfaceNumber,
  });
  try {
    const channel = channelOf(iface);
    const config = await readConfiguration(channel);
    const negotiated = await negotiate(channel, config, plan.choice);
    return { iface, negotiated };
  } catch (error) {
    await iface.close();
    throw error;
  }
}

async function runStream(step: Step): Promise<void> {
  const { iface, negotiated } = await openAndNegotiate();
  const { stream, transferSize } = await start(iface, negotiated, step);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const result = await consume(
    stream,
    transferSize,
    negotiated.probe.dwMaxPayloadTransferSize,
    step,
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const stats = stream.stats();
  const stopped = await iface.stop();
  await iface.close();
  emit({
    event: 'streamed',
    info: iface.info,
    alternate: negotiated.alternate,
    probe: { ...negotiated.probe, bmLayoutPerStream: undefined },
    frames: step.countOnly ? result.eofs : result.recorder.frames.length,
    recorded: step.countOnly ? [] : result.recorder.frames,
    lostPayloads: result.recorder.lostPayloads,
    badHeaders: result.recorder.badHeaders,
    lostPackets: result.lostPackets,
    transfers: result.transfers,
    seconds,
    cpuUserSeconds: cpu.user / 1e6,
    cpuSystemSeconds: cpu.system / 1e6,
    stats,
    stuckTransfers: stopped.stuckTransfers,
  });
}

async function runExpectFailure(step: Step): Promise<void> {
  let iface: NativeStreamingInterface | undefined;
  let phase = 'open';
  try {
    const opened = await openAndNegotiate();
    iface = opened.iface;
    phase = 'stream';
    const { stream } = await start(iface, opened.negotiated, step);
    const quietMs = step.quietMs ?? 0;
    let transfers = 0;
    let lastArrival = performance.now();
    let watchdog: NodeJS.Timeout | undefined;
    const quiet =
      quietMs > 0
        ? new Promise<'quiet'>((resolve) => {
            watchdog = setInterval(
              () => {
                if (performance.now() - lastArrival > quietMs) resolve('quiet');
              },
              Math.max(10, quietMs / 5),
            );
          })
        : new Promise<'quiet'>(() => undefined);
    stream.onTransfer(
      (transfer) => {
        transfers++;
        lastArrival = performance.now();
        transfer.release();
      },
      () => undefined,
    );
    let poll: NodeJS.Timeout | undefined;
    const failed = new Promise<'failed'>((resolve) => {
      poll = setInterval(() => {
        if (stream.error !== undefined) resolve('failed');
      }, 5);
    });
    const outcome = await Promise.race([quiet, failed]);
    clearInterval(watchdog);
    clearInterval(poll);
    const statsBeforeStop = stream.stats();
    phase = 'stop';
    const stopStarted = performance.now();
    const stopped = await iface.stop(300);
    const stopSeconds = (performance.now() - stopStarted) / 1000;
    emit({
      event: 'failed-as-expected',
      outcome,
      transfers,
      error: stream.error === undefined ? undefined : describeError(stream.error),
      stuckTransfers: stopped.stuckTransfers,
      stopSeconds,
      stats: statsBeforeStop,
    });
  } catch (error) {
    emit({ event: 'error', phase, error: describeError(error) });
  } finally {
    await iface?.close();
    emit({ event: 'closed' });
  }
}

async function runExit(step: Step): Promise<void> {
  const { iface, negotiated } = await openAndNegotiate();
  const { stream } = await start(iface, negotiated, step);
  let seen = 0;
  // A callback, not iteration: leaving a for-await loop would stop the stream.
  await new Promise<void>((resolve) => {
    stream.onTransfer((transfer) => {
      transfer.release();
      if (++seen === 4) resolve();
    });
  });
  emit({ event: 'leaving', how: step.how ?? 'exit', transfers: seen });
  if (step.how === 'kill') process.kill(process.pid, 'SIGKILL');
  process.exit(0);
}

async function runCloseMidStream(step: Step): Promise<void> {
  const { iface, negotiated } = await openAndNegotiate();
  const { stream } = await start(iface, negotiated, step);
  let seen = 0;
  let held: CompletedTransfer | undefined;
  await new Promise<void>((resolve) => {
    stream.onTransfer((transfer) => {
      seen++;
      // Keep one transfer unreleased: close() must empty its view.
      if (held === undefined) held = transfer;
      else transfer.release();
      if (seen === 4) resolve();
    });
  });
  const heldBytes = held?.data.byteLength ?? 0;
  await iface.close();
  const iteration = await stream[Symbol.asyncIterator]().next();
  emit({
    event: 'closed-mid-stream',
    transfers: seen,
    heldBytesBefore: heldBytes,
    heldBytesAfter: held?.data.byteLength ?? -1,
    iterationDone: iteration.done === true,
  });
}

try {
  for (const step of plan.steps) {
    if (step.action === 'stream') await runStream(step);
    else if (step.action === 'expectFailure') await runExpectFailure(step);
    else if (step.action === 'closeMidStream') await runCloseMidStream(step);
    else await runExit(step);
  }
  emit({ event: 'done' });
} catch (error) {
  emit({ event: 'error', phase: 'plan', error: describeError(error) });
  fail(error instanceof Error ? error.message : String(error));
}

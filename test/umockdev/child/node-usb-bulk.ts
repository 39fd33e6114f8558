/**
 * Under umockdev-run: the fallback without the native binding — bulk streaming with node-usb's
 * `InEndpoint.startPoll` (N transfers in flight). Probe/commit go through the same device
 * handle that claims the interface. argv[2] is a JSON plan: bus, address, choice, frames,
 * transfers. Prints one JSON line with the frames received.
 */
import type { InEndpoint } from 'usb';

import { linkModelSockets } from '../model-server.js';
import { BulkPayloadJoiner, FrameRecorder } from '../frames.js';
import { controlIn, controlOut, emit, fail } from './report.js';
import { negotiate, readConfiguration, type StreamChoice } from './negotiate.js';

interface BulkPlan {
  busNumber: number;
  deviceAddress: number;
  choice: StreamChoice;
  frames: number;
  transfers: number;
}

const plan = JSON.parse(process.argv[2] ?? '{}') as BulkPlan;
linkModelSockets();

const usb = await import('usb');
const device = usb
  .getDeviceList()
  .find((d) => d.busNumber === plan.busNumber && d.deviceAddress === plan.deviceAddress);
if (device === undefined) fail(`no device at ${plan.busNumber}/${plan.deviceAddress}`);
device.open();

const channel = {
  controlIn: (t: number, r: number, v: number, i: number, length: number) =>
    controlIn(device, t, r, v, i, length),
  controlOut: (t: number, r: number, v: number, i: number, data: Uint8Array) =>
    controlOut(device, t, r, v, i, data),
};
const config = await readConfiguration(channel);
const iface = device.interface(1);
iface.claim();
const negotiated = await negotiate(channel, config, plan.choice);
const endpoint = iface.endpoint(negotiated.endpoint.bEndpointAddress) as InEndpoint;
const transferSize = negotiated.probe.dwMaxPayloadTransferSize;

const recorder = new FrameRecorder();
const joiner = new BulkPayloadJoiner((payload) => recorder.feed(payload), transferSize);
let transfers = 0;
await new Promise<void>((resolve, reject) => {
  endpoint.on('data', (data: Buffer) => {
    transfers++;
    joiner.push(new Uint8Array(data), transferSize);
    if (recorder.frames.length >= plan.frames) resolve();
  });
  endpoint.on('error', reject);
  endpoint.startPoll(plan.transfers, transferSize);
});
await new Promise<void>((resolve) => endpoint.stopPoll(() => resolve()));
await new Promise<void>((resolve) => iface.release(() => resolve()));
device.close();

emit({
  event: 'streamed',
  frames: recorder.frames.length,
  recorded: recorder.frames,
  transfers,
  badHeaders: recorder.badHeaders,
});

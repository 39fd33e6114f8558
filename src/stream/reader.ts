/**
 * Keeps several IN transfers in flight on a W3C `USBDevice` and hands each completion to a
 * payload driver: `transferIn` for bulk endpoints, `isochronousTransferIn` for isochronous ones.
 *
 * This is the streaming path for any WebUSB implementation that does isochronous transfers
 * (the emulated camera, Chromium, Electron). node-usb cannot; the native binding has its own reader.
 *
 * @packageDocumentation
 */
import { fromUsbError, type CameraError } from '../errors.js';
import type { EndpointInfo } from '../uvc/model.js';

/** One isochronous packet of a completed transfer: where its bytes start and how many arrived. */
export interface PacketResult {
  offset: number;
  length: number;
  /** 'ok', or the WebUSB status of a failed packet ('stall', 'babble'). */
  status: string;
}

/** Where completions go. */
export interface TransferSink {
  /** A bulk completion: `data.length` bytes arrived of `requested`. */
  bulk?(data: Uint8Array, requested: number, hostTimeUs: number): void;
  /** An isochronous completion: packets over `data`. */
  isochronous?(data: Uint8Array, packets: readonly PacketResult[], hostTimeUs: number): void;
  /** A transfer failed as a whole: the frame in progress lost data. */
  transferFailed?(): void;
}

/** How to read. */
export interface TransferReaderOptions {
  endpoint: EndpointInfo;
  /** Transfers kept in flight (default 4). */
  transfers?: number;
  /** Bytes per bulk transfer (default 16 KiB, rounded up to a multiple of wMaxPacketSize). */
  bulkTransferSize?: number;
  /** Packets per isochronous transfer (default 32). */
  packetsPerTransfer?: number;
  /** Host clock in microseconds. */
  clock?: () => number;
  /** Called once when the stream fails; the reader has stopped by then. */
  onError?(error: CameraError): void;
}

const DEFAULT_BULK_TRANSFER_SIZE = 16 * 1024;

/** A running read loop; create with {@link startReader}. */
export interface TransferReader {
  /** Completed transfers so far. */
  readonly completed: number;
  /** Transfers that ended with a non-ok status. */
  readonly failed: number;
  /**
   * Ask the loops to end. Resolves once every transfer in flight has settled, or after
   * `timeoutMs` (default 1000) with the number of transfers that never completed.
   */
  stop(timeoutMs?: number): Promise<{ abandoned: number }>;
}

/** Start reading `options.endpoint` on `device` into `sink`. */
export function startReader(
  device: USBDevice,
  sink: TransferSink,
  options: TransferReaderOptions,
): TransferReader {
  const { endpoint } = options;
  const endpointNumber = endpoint.bEndpointAddress & 0x0f;
  const clock = options.clock ?? (() => performance.now() * 1000);
  const transfers = Math.max(1, options.transfers ?? 4);
  const packetSize = Math.max(1, endpoint.bytesPerInterval);
  const bulkSize =
    Math.ceil((options.bulkTransferSize ?? DEFAULT_BULK_TRANSFER_SIZE) / endpoint.maxPacketSize) *
    endpoint.maxPacketSize;
  const packetLengths = new Array<number>(options.packetsPerTransfer ?? 32).fill(packetSize);

  let running = true;
  let completed = 0;
  let failed = 0;
  const packets: PacketResult[] = packetLengths.map(() => ({ offset: 0, length: 0, status: 'ok' }));

  const fail = (error: unknown) => {
    if (!running) return;
    running = false;
    options.onError?.(fromUsbError(error, `reading endpoint 0x${endpoint.bEndpointAddress.toString(16)}`));
  };

  const readBulk = async () => {
    const result = await device.transferIn(endpointNumber, bulkSize);
    if (!running) return;
    completed++;
    if (result.status !== 'ok') {
      failed++;
      fail(new Error(`transfer status ${result.status}`));
      return;
    }
    const view = result.data;
    const data = view ? new Uint8Array(view.buffer, view.byteOffset, view.byteLength) : new Uint8Array(0);
    sink.bulk?.(data, bulkSize, clock());
  };

  const readIsochronous = async () => {
    const result = await device.isochronousTransferIn(endpointNumber, packetLengths);
    if (!running) return;
    completed++;
    const view = result.data;
    const data = view ? new Uint8Array(view.buffer, view.byteOffset, view.byteLength) : new Uint8Array(0);
    let offset = 0;
    for (let i = 0; i < result.packets.length && i < packets.length; i++) {
      const packet = result.packets[i]!;
      const slot = packets[i]!;
      const packetView = packet.data;
      slot.offset = packetView && view ? packetView.byteOffset - view.byteOffset : offset;
      slot.length = packetView?.byteLength ?? 0;
      slot.status = packet.status ?? 'ok';
      offset += packetLengths[i]!;
    }
    const count = Math.min(result.packets.length, packets.length);
    sink.isochronous?.(data, count === packets.length ? packets : packets.slice(0, count), clock());
  };

  const read = endpoint.transferType === 'isochronous' ? readIsochronous : readBulk;
  const loop = async () => {
    while (running) {
      try {
        await read();
      } catch (error) {
        fail(error);
      }
    }
  };
  let settled = 0;
  const loops = Array.from({ length: transfers }, () => loop().finally(() => settled++));

  return {
    get completed() {
      return completed;
    },
    get failed() {
      return failed;
    },
    async stop(timeoutMs = 1000) {
      running = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      await Promise.race([Promise.allSettled(loops), timeout]);
      clearTimeout(timer);
      return { abandoned: transfers - settled };
    },
  };
}

/**
 * The frame pipeline of one stream, wired: payload driver (isochronous or bulk) → assembler →
 * pooled frame → delivery → consumer, with device clock recovery on the side.
 *
 * It is a {@link TransferSink}, so a transfer reader (`reader.ts`) or the native binding can
 * feed it completions directly. Data moves once, from the transfer buffer into a pooled frame
 * buffer; nothing is allocated per frame (see `pool.ts`, `assembler.ts`, `delivery.ts`).
 *
 * @packageDocumentation
 */
import { FrameAssembler, type AssemblerCounters } from './assembler.js';
import { BulkPayloadDriver, type BulkDriverCounters } from './bulk.js';
import { DeviceClock, type DeviceClockStats, type SofSource } from './clock.js';
import {
  FrameDelivery,
  type DeliveryCounters,
  type FrameConsumer,
  type SlowConsumerPolicy,
} from './delivery.js';
import {
  IsochronousPayloadDriver,
  type IsochronousDriverCounters,
  type IsoPacket,
} from './isochronous.js';
import { FramePool, type FramePoolCounters } from './pool.js';
import type { TransferSink } from './reader.js';

/** Default buffers in the pool: one assembling, one with the consumer, queue and spare. */
export const DEFAULT_PIPELINE_POOL_SIZE = 8;

/** Options of {@link FramePipeline}. */
export interface PipelineOptions {
  /** The endpoint's transfer type. */
  transfer: 'isochronous' | 'bulk';
  /** Bytes per frame buffer (see `frameBufferSize`). */
  bufferSize: number;
  /** Buffers in the pool (default 8), frames held by the consumer and queued ones included. */
  poolSize?: number;
  /** SharedArrayBuffer-backed frames, for conversion in worker threads (default false). */
  sharedBuffers?: boolean;
  /** MJPEG, H.264 and other formats whose frames vary in size. */
  compressed: boolean;
  /** MJPEG framing checks (SOI starts a frame). */
  mjpeg?: boolean;
  /** Uncompressed only: bytes per frame. */
  expectedFrameSize?: number;
  /** Deliver bad frames too, flagged (default false). */
  deliverBad?: boolean;
  /** Bulk only: dwMaxPayloadTransferSize, to count payloads beyond it. */
  maxPayloadTransferSize?: number;
  /** Isochronous only: µs between packets, to back-date clock samples (125 at high speed). */
  serviceIntervalUs?: number;
  /** dwClockFrequency (Hz): recover the device clock and timestamp frames from their PTS. */
  clockFrequency?: number;
  /** SOF source of the clock recovery (default `auto`; `host` for INVALID_DEVICE_SOF devices). */
  sof?: SofSource;
  /** The consumer; it must release every frame. */
  onFrame: FrameConsumer;
  /** Slow-consumer policy (default `dropOldest`). */
  policy?: SlowConsumerPolicy;
  /** Frames waiting while the consumer is busy (default 2). */
  queueDepth?: number;
  /** Frames with the consumer at once (default 1). */
  maxInFlight?: number;
  /** The consumer threw or rejected. */
  onError?(error: unknown): void;
  /** Host clock in µs (default `performance.now()`). */
  clock?: () => number;
}

/** Every counter of a pipeline. */
export interface PipelineCounters {
  assembler: Readonly<AssemblerCounters>;
  delivery: Readonly<DeliveryCounters>;
  pool: Readonly<FramePoolCounters>;
  isochronous?: Readonly<IsochronousDriverCounters>;
  bulk?: Readonly<BulkDriverCounters>;
  clock?: Readonly<DeviceClockStats>;
}

/** One stream's pipeline; see the module comment. */
export class FramePipeline implements TransferSink {
  readonly pool: FramePool;
  readonly assembler: FrameAssembler;
  readonly delivery: FrameDelivery;
  readonly deviceClock: DeviceClock | undefined;
  readonly #iso: IsochronousPayloadDriver | undefined;
  readonly #bulk: BulkPayloadDriver | undefined;

  constructor(options: PipelineOptions) {
    this.pool = new FramePool({
      count: options.poolSize ?? DEFAULT_PIPELINE_POOL_SIZE,
      bufferSize: options.bufferSize,
      shared: options.sharedBuffers ?? false,
    });
    this.delivery = new FrameDelivery({
      onFrame: options.onFrame,
      ...(options.policy === undefined ? {} : { policy: options.policy }),
      ...(options.queueDepth === undefined ? {} : { queueDepth: options.queueDepth }),
      ...(options.maxInFlight === undefined ? {} : { maxInFlight: options.maxInFlight }),
      ...(options.onError === undefined ? {} : { onError: options.onError }),
    });
    this.delivery.attach(this.pool);
    this.deviceClock =
      options.clockFrequency === undefined || options.clockFrequency <= 0
        ? undefined
        : new DeviceClock({
            clockFrequency: options.clockFrequency,
            ...(options.sof === undefined ? {} : { sof: options.sof }),
          });

    const delivery = this.delivery;
    this.assembler = new FrameAssembler({
      pool: this.pool,
      compressed: options.compressed,
      mjpeg: options.mjpeg ?? false,
      ...(options.expectedFrameSize === undefined
        ? {}
        : { expectedFrameSize: options.expectedFrameSize }),
      deliverBad: options.deliverBad ?? false,
      onFrame: (frame) => delivery.push(frame),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(this.deviceClock === undefined ? {} : { frameClock: this.deviceClock }),
    });

    if (options.transfer === 'bulk') {
      this.#bulk = new BulkPayloadDriver(this.assembler, {
        ...(options.maxPayloadTransferSize === undefined
          ? {}
          : { maxPayloadTransferSize: options.maxPayloadTransferSize }),
      });
    } else {
      this.#iso = new IsochronousPayloadDriver(this.assembler, {
        ...(options.serviceIntervalUs === undefined
          ? {}
          : { serviceIntervalUs: options.serviceIntervalUs }),
      });
    }
  }

  /** A completed isochronous transfer (a {@link TransferSink} method). */
  isochronous(data: Uint8Array, packets: readonly IsoPacket[], hostTimeUs: number): void {
    this.#iso?.pushTransfer(data, packets, hostTimeUs);
  }

  /** A completed bulk transfer of `data.length` of `requested` bytes. */
  bulk(data: Uint8Array, requested: number, hostTimeUs: number): void {
    this.#bulk?.pushTransfer(data, requested, hostTimeUs);
  }

  /** A transfer failed: the frame in progress lost data. */
  transferFailed(): void {
    if (this.#bulk !== undefined) this.#bulk.transferFailed();
    else this.assembler.payloadLost();
  }

  /** Every counter (live objects). */
  counters(): PipelineCounters {
    return {
      assembler: this.assembler.counters,
      delivery: this.delivery.counters,
      pool: this.pool.counters,
      ...(this.#iso === undefined ? {} : { isochronous: this.#iso.counters }),
      ...(this.#bulk === undefined ? {} : { bulk: this.#bulk.counters }),
      ...(this.deviceClock === undefined ? {} : { clock: this.deviceClock.stats }),
    };
  }

  /** The stream ended: end the frame in progress (incomplete) and release waiting frames. */
  close(): void {
    this.assembler.flush();
    this.delivery.close();
  }
}

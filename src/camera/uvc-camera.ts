/**
 * A UVC camera on a W3C `USBDevice`: open it, read and parse its descriptors, negotiate a
 * stream, select the alternate setting that carries it, and assemble frames.
 *
 * This is the driver core under the OpenHarmony-style API. It uses no Node-only API, so it
 * runs wherever a `USBDevice` exists (node-usb, the emulated camera, Chromium, Electron).
 *
 * @packageDocumentation
 */
import { CameraError, CameraErrorCode, fromUsbError } from '../errors.js';
import { streamingSettings, type StreamingSetting } from '../uvc/bandwidth.js';
import { USB_DT, USB_REQ } from '../uvc/constants.js';
import { parseConfiguration } from '../uvc/descriptors.js';
import type { CameraModel, VideoFunction } from '../uvc/model.js';
import type { AssemblerCounters } from '../stream/assembler.js';
import type { Frame } from '../stream/frame.js';
import type { DeviceClockStats } from '../stream/clock.js';
import type { DeliveryCounters, SlowConsumerPolicy } from '../stream/delivery.js';
import { FramePipeline } from '../stream/pipeline.js';
import { frameBufferSize, type FramePoolCounters } from '../stream/pool.js';
import { WebUsbStreaming, type RunningTransfers, type StreamingBackend } from '../usb/streaming.js';
import { recordCamera, type RecordTarget } from '../usb/recorder.js';
import type { PacketResult, TransferSink } from '../stream/reader.js';
import {
  negotiateQuirksOf,
  noticeQuirks,
  resolveQuirks,
  type DeviceQuirks,
  type NoticeListener,
  type QuirkOverride,
} from '../uvc/quirks.js';
import { CameraControls } from './controls.js';
import { negotiate, type DebugSink, type Negotiation, type NegotiateQuirks } from './negotiate.js';
import { selectStream, type StreamChoice, type StreamRequest } from './select.js';
import { StatusEvents } from './status.js';

/** Options for {@link UvcCamera.open}. */
export interface OpenCameraOptions {
  /** Which video function of the device, when it has several (default 0). */
  functionIndex?: number;
  /** Probe/commit workarounds for this device; from the quirk table when absent. */
  quirks?: NegotiateQuirks;
  /** Corrections to the quirk table's flags for this device. */
  quirkOverride?: QuirkOverride;
  /** Receives a notice, once per device, for each quirk in force and each spec violation seen. */
  onNotice?: NoticeListener;
  /** Opt-in debug lines by category (`probe`, `stream`). */
  debug?: DebugSink;
  /**
   * Who drives a VideoStreaming interface. Default: the `USBDevice` itself through WebUSB
   * transfers. Attached cameras on Linux pass webuvc's native binding here (see
   * `src/usb/native-streaming.ts`), which is what makes isochronous cameras stream under Node.
   */
  streaming?: (interfaceNumber: number) => StreamingBackend;
  /**
   * Record everything this camera does on USB (control requests with their answers, bulk and
   * isochronous transfers with per-packet status and timing), e.g. into a `PcapngWriter` that
   * Wireshark opens. See `src/usb/recorder.ts`.
   */
  recordTo?: RecordTarget;
}

/** Options for {@link UvcCamera.startStream}. */
export interface StreamOptions {
  /** Frame buffers in the pool, frames held by the consumer included (default 8). */
  poolSize?: number;
  /** Transfers kept in flight (default 4). */
  transfers?: number;
  /** Packets per isochronous transfer (default 32). */
  packetsPerTransfer?: number;
  /** Bytes per bulk transfer (default 16 KiB). */
  bulkTransferSize?: number;
  /** Hand frames with errors to the callback too, flagged (default false). */
  deliverBad?: boolean;
  /**
   * What happens when the consumer falls behind (default `dropOldest`): frames wait in a short
   * queue, and the policy decides which one is dropped; every drop is counted.
   */
  policy?: SlowConsumerPolicy;
  /** Frames waiting while the consumer is busy (default 2). */
  queueDepth?: number;
  /** Frames with the consumer at once, i.e. not yet released (default 1). */
  maxInFlight?: number;
  /** Called once if the stream fails (device lost, transfer error); the stream has stopped. */
  onError?(error: CameraError): void;
}

/** Counters of a running stream. */
export interface StreamCounters extends AssemblerCounters {
  transfersCompleted: number;
  transfersFailed: number;
  /** Frames queued, dropped for a slow consumer, delivered, released. */
  delivery: Readonly<DeliveryCounters>;
  /** Buffers lent, returned, and forgotten by the consumer (reclaimed). */
  pool: Readonly<FramePoolCounters>;
  /** Device clock recovery (PTS/SCR to host time), when the camera has a clock. */
  clock?: Readonly<DeviceClockStats>;
}

/**
 * Sees a running stream's traffic besides the consumer (still capture uses it): delivered
 * frames before `onFrame`, and raw completions before the payload driver. Taps must not keep
 * or change what they are given.
 */
export interface StreamTap {
  frame?(frame: Frame): void;
  bulk?(data: Uint8Array, requested: number): void;
  isochronous?(data: Uint8Array, packets: readonly PacketResult[]): void;
}

/** A stream in progress; see {@link UvcCamera.startStream}. */
export interface ActiveStream {
  readonly choice: StreamChoice;
  readonly negotiation: Negotiation;
  readonly setting: StreamingSetting;
  /** Live counters. */
  counters(): StreamCounters;
  /** Stop streaming, wait for transfers in flight, and return the interface to alternate setting 0. */
  stop(): Promise<void>;
}

const DESCRIPTOR_HEADER_LENGTH = 9;
const DEVICE_DESCRIPTOR_LENGTH = 18;
const DEFAULT_POOL_SIZE = 8;
const DEFAULT_BULK_TRANSFER_SIZE = 16 * 1024;

/** Read a standard descriptor through the default control pipe (USB 2.0 §9.4.3). */
async function getDescriptor(device: USBDevice, type: number, length: number): Promise<Uint8Array> {
  const what = `GET_DESCRIPTOR(type 0x${type.toString(16)}, ${length} bytes)`;
  let result: USBInTransferResult;
  try {
    result = await device.controlTransferIn(
      { requestType: 'standard', recipient: 'device', request: USB_REQ.GET_DESCRIPTOR, value: type << 8, index: 0 },
      length,
    );
  } catch (error) {
    throw fromUsbError(error, what);
  }
  if (result.status !== 'ok' || !result.data) {
    throw new CameraError(CameraErrorCode.SERVICE_FATAL_ERROR, `${what} failed`, {
      expected: 'status ok with data',
      found: result.status,
    });
  }
  const view = result.data;
  return new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}

/** Read the device descriptor and the whole active configuration descriptor. */
export async function readDescriptors(
  device: USBDevice,
): Promise<{ device: Uint8Array; configuration: Uint8Array }> {
  const deviceBytes = await getDescriptor(device, USB_DT.DEVICE, DEVICE_DESCRIPTOR_LENGTH);
  const head = await getDescriptor(device, USB_DT.CONFIGURATION, DESCRIPTOR_HEADER_LENGTH);
  if (head.length < 4) {
    throw new CameraError(CameraErrorCode.DEVICE_DISABLED, 'configuration descriptor header too short', {
      expected: `${DESCRIPTOR_HEADER_LENGTH} bytes`,
      found: `${head.length} bytes`,
    });
  }
  const wTotalLength = head[2]! | (head[3]! << 8);
  const configuration = await getDescriptor(device, USB_DT.CONFIGURATION, wTotalLength);
  return { device: deviceBytes, configuration };
}

/** A UVC camera opened on a W3C `USBDevice`. */
export class UvcCamera {
  readonly device: USBDevice;
  readonly model: CameraModel;
  readonly videoFunction: VideoFunction;
  /** The quirks in force for this device (the table's, corrected by `quirkOverride`). */
  readonly quirks: DeviceQuirks;
  readonly #options: OpenCameraOptions;
  readonly #taps = new Set<StreamTap>();
  #controls: CameraControls | undefined;
  #events: StatusEvents | undefined;
  #stream: ActiveStream | undefined;
  readonly #backends = new Map<number, StreamingBackend>();
  #closed = false;

  private constructor(device: USBDevice, model: CameraModel, fn: VideoFunction, options: OpenCameraOptions) {
    this.device = device;
    this.model = model;
    this.videoFunction = fn;
    this.#options = options;
    this.quirks = resolveQuirks(
      {
        idVendor: model.device?.idVendor ?? device.vendorId,
        idProduct: model.device?.idProduct ?? device.productId,
        ...(model.device ? { bcdDevice: model.device.bcdDevice } : {}),
      },
      options.quirkOverride,
    );
    noticeQuirks(device, this.quirks, options.onNotice);
  }

  /**
   * Open `device`, read its descriptors, select its configuration and claim its VideoControl
   * interface.
   *
   * @throws CameraError 7400108 when the device is not a UVC camera or its descriptors are malformed;
   *   the USB failure table's code when the device cannot be opened (7400108 for no permission,
   *   7400107 when another driver holds it).
   */
  static async open(device: USBDevice, options: OpenCameraOptions = {}): Promise<UvcCamera> {
    if (options.recordTo) {
      const recorded = recordCamera(device, options.recordTo, options.streaming);
      ({ device, options } = { device: recorded.device, options: { ...options, streaming: recorded.streaming } });
    }
    try {
      if (!device.opened) await device.open();
    } catch (error) {
      throw fromUsbError(error, 'opening the camera');
    }

    let model: CameraModel;
    let fn: VideoFunction | undefined;
    try {
      const descriptors = await readDescriptors(device);
      model = parseConfiguration(descriptors.configuration, descriptors.device);
      const index = options.functionIndex ?? 0;
      fn = model.functions[index];
      if (!fn) {
        throw new CameraError(CameraErrorCode.DEVICE_DISABLED, 'no such video function on this device', {
          expected: `function index below ${model.functions.length}`,
          found: index,
        });
      }

      try {
        if (device.configuration?.configurationValue !== model.bConfigurationValue) {
          await device.selectConfiguration(model.bConfigurationValue);
        }
        await device.claimInterface(fn.videoControl.bInterfaceNumber);
      } catch (error) {
        throw fromUsbError(error, `claiming VideoControl interface ${fn.videoControl.bInterfaceNumber}`);
      }
    } catch (error) {
      // Leave nothing open behind a camera that could not be opened.
      await device.close().catch(() => undefined);
      throw error;
    }
    return new UvcCamera(device, model, fn, options);
  }

  /** The stream running now, if any. */
  get stream(): ActiveStream | undefined {
    return this.#stream;
  }

  /** Events of the status endpoint (control changes, buttons); reading starts on first listen. */
  get events(): StatusEvents {
    this.#events ??= new StatusEvents(this.device, this.videoFunction, { quirks: this.quirks });
    return this.#events;
  }

  /** The camera's controls and extension units (see `camera/controls.ts`). */
  get controls(): CameraControls {
    this.#controls ??= new CameraControls(this.device, this.videoFunction, {
      quirks: this.quirks,
      events: this.events,
      ...(this.#options.onNotice ? { onNotice: this.#options.onNotice } : {}),
    });
    return this.#controls;
  }

  /** Let `tap` see the traffic of every stream from now on; returns its removal. */
  addStreamTap(tap: StreamTap): () => void {
    this.#taps.add(tap);
    return () => {
      this.#taps.delete(tap);
    };
  }

  /**
   * Negotiate `request`, start streaming and call `onFrame` with each good frame. The consumer
   * must call `frame.release()`; frames arriving while every pool buffer is on loan are dropped
   * and counted.
   *
   * @throws CameraError 7400101 when nothing matches the request; 7400102 when a stream runs
   *   already; 7400107 when no alternate setting can carry the stream; negotiation errors.
   */
  async startStream(
    request: StreamRequest,
    onFrame: (frame: Frame) => void,
    options: StreamOptions = {},
  ): Promise<ActiveStream> {
    if (this.#closed) {
      throw new CameraError(CameraErrorCode.OPERATION_NOT_ALLOWED, 'the camera is closed', {
        expected: 'an open camera',
        found: 'closed',
      });
    }
    if (this.#stream) {
      throw new CameraError(CameraErrorCode.OPERATION_NOT_ALLOWED, 'a stream is running already', {
        expected: 'no stream',
        found: 'a running stream',
      });
    }

    const choice = selectStream(this.videoFunction, request);
    const { streaming, format, frame } = choice;
    const compressed = format.kind !== 'uncompressed';
    const bulkTransferSize = options.bulkTransferSize ?? DEFAULT_BULK_TRANSFER_SIZE;
    const vsInterface = streaming.bInterfaceNumber;

    const backend = this.#backend(vsInterface);
    const candidates = streamingSettings(streaming, 0);
    const bulk = candidates[0]?.endpoint.transferType === 'bulk';
    if (!candidates.every((setting) => backend.supports(setting.endpoint))) {
      throw new CameraError(CameraErrorCode.DEVICE_DISABLED, 'cannot stream from this camera here', {
        expected: `a transport for ${bulk ? 'bulk' : 'isochronous'} endpoints`,
        found: backend.limitation,
      });
    }

    // Negotiation happens in alternate setting 0 (UVC 1.5 §4.3.1.1.1), through the interface's owner.
    try {
      await backend.claim();
    } catch (error) {
      throw fromUsbError(error, `claiming VideoStreaming interface ${vsInterface}`);
    }

    let transfers: RunningTransfers;
    let setting: StreamingSetting;
    let negotiation: Negotiation;
    let pipeline: FramePipeline;
    try {
      const capacity = bulk ? bulkTransferSize : Math.max(...candidates.map((s) => s.endpoint.bytesPerInterval));
      negotiation = await negotiate(backend.control as USBDevice, {
        interfaceNumber: vsInterface,
        bcdUVC: this.videoFunction.videoControl.bcdUVC,
        format,
        frame,
        dwFrameInterval: choice.dwFrameInterval,
        maxPayloadCapacity: capacity,
        transferType: bulk ? 'bulk' : 'isochronous',
        quirks: this.#options.quirks ?? negotiateQuirksOf(this.quirks),
        ...(this.#options.debug ? { debug: this.#options.debug } : {}),
      });
      const committed = negotiation.committed;
      setting = await this.#selectSetting(
        backend,
        streamingSettings(streaming, committed.dwMaxPayloadTransferSize, { compressed }),
      );
      pipeline = this.#pipeline(choice, setting, committed, onFrame, options);
      transfers = await backend.start(this.#tapped(pipeline), {
        endpoint: setting.endpoint,
        transfers: options.transfers ?? 4,
        packetsPerTransfer: options.packetsPerTransfer ?? 32,
        bulkTransferSize,
        onError: (error) => options.onError?.(error),
      });
    } catch (error) {
      await backend.release(undefined);
      throw error;
    }

    let stopping: Promise<void> | undefined;
    const stream: ActiveStream = {
      choice,
      negotiation,
      setting,
      counters: () => {
        const { assembler, delivery, pool, clock } = pipeline.counters();
        return {
          ...assembler,
          transfersCompleted: transfers.completed,
          transfersFailed: transfers.failed,
          delivery,
          pool,
          ...(clock ? { clock } : {}),
        };
      },
      stop: () => {
        stopping ??= this.#stopStream(backend, transfers, setting, pipeline).finally(() => {
          if (this.#stream === stream) this.#stream = undefined;
        });
        return stopping;
      },
    };
    this.#stream = stream;

    // Cameras that forget their controls when streaming starts get them back (Logitech C920).
    if (this.#controls?.restoresOnStreamStart) await this.#controls.restore();
    return stream;
  }

  #backend(interfaceNumber: number): StreamingBackend {
    let backend = this.#backends.get(interfaceNumber);
    if (!backend) {
      backend = this.#options.streaming?.(interfaceNumber) ?? new WebUsbStreaming(this.device, interfaceNumber);
      this.#backends.set(interfaceNumber, backend);
    }
    return backend;
  }

  /** The frame pipeline of a stream, sized from the committed probe and the descriptors. */
  #pipeline(
    choice: StreamChoice,
    setting: StreamingSetting,
    committed: Negotiation['committed'],
    onFrame: (frame: Frame) => void,
    options: StreamOptions,
  ): FramePipeline {
    const { format, frame } = choice;
    const compressed = format.kind !== 'uncompressed';
    const exactSize = Math.ceil((frame.wWidth * frame.wHeight * (format.bBitsPerPixel ?? 16)) / 8);
    const bufferSize = compressed
      ? frameBufferSize({
          dwMaxVideoFrameSize: Math.max(committed.dwMaxVideoFrameSize, frame.dwMaxVideoFrameBufferSize ?? 0),
          wWidth: frame.wWidth,
          wHeight: frame.wHeight,
          bitsPerPixel: 16,
        })
      : exactSize;
    const { endpoint } = setting;
    // Service interval (USB 2.0 §9.6.6): 2^(bInterval-1) (micro)frames; full-speed frames are 1 ms.
    const fullSpeed = (this.model.device?.bcdUSB ?? 0x0200) < 0x0200;
    const serviceIntervalUs = (fullSpeed ? 1000 : 125) * 2 ** Math.max(0, Math.min(15, endpoint.bInterval - 1));
    const taps = this.#taps;
    return new FramePipeline({
      transfer: endpoint.transferType === 'bulk' ? 'bulk' : 'isochronous',
      bufferSize,
      poolSize: options.poolSize ?? DEFAULT_POOL_SIZE,
      compressed,
      mjpeg: format.pixelFormat === 'MJPEG',
      ...(compressed ? {} : { expectedFrameSize: exactSize }),
      deliverBad: options.deliverBad ?? false,
      maxPayloadTransferSize: committed.dwMaxPayloadTransferSize,
      serviceIntervalUs,
      clockFrequency: this.videoFunction.videoControl.dwClockFrequency,
      ...(this.quirks.flags.has('invalidDeviceSof') ? { sof: 'host' as const } : {}),
      ...(options.policy ? { policy: options.policy } : {}),
      ...(options.queueDepth !== undefined ? { queueDepth: options.queueDepth } : {}),
      ...(options.maxInFlight !== undefined ? { maxInFlight: options.maxInFlight } : {}),
      onFrame: (delivered) => {
        for (const tap of taps) tap.frame?.(delivered);
        onFrame(delivered);
      },
    });
  }

  /** The pipeline as a transfer sink, with the stream taps seeing each completion first. */
  #tapped(pipeline: FramePipeline): TransferSink {
    const taps = this.#taps;
    return {
      bulk: (data, requested, time) => {
        for (const tap of taps) tap.bulk?.(data, requested);
        pipeline.bulk(data, requested, time);
      },
      isochronous: (data, packets, time) => {
        for (const tap of taps) tap.isochronous?.(data, packets);
        pipeline.isochronous(data, packets, time);
      },
      transferFailed: () => pipeline.transferFailed(),
    };
  }

  /** Select the first setting the bus accepts; 7400107 with what was tried when none is. */
  async #selectSetting(backend: StreamingBackend, settings: StreamingSetting[]): Promise<StreamingSetting> {
    const refusals: string[] = [];
    for (const setting of settings) {
      if (setting.bAlternateSetting === 0) return setting;
      try {
        await backend.selectAlternate(setting.bAlternateSetting);
        return setting;
      } catch (error) {
        refusals.push(`alt ${setting.bAlternateSetting} (${setting.endpoint.bytesPerInterval} B): ${String(error)}`);
      }
    }
    throw new CameraError(CameraErrorCode.CONFLICT_CAMERA, 'the bus refused every alternate setting', {
      expected: 'one alternate setting with enough bandwidth',
      found: refusals,
    });
  }

  async #stopStream(
    backend: StreamingBackend,
    transfers: RunningTransfers,
    setting: StreamingSetting,
    pipeline: FramePipeline,
  ): Promise<void> {
    // Ask the transfers to stop first: ending the stream on the device is what completes them.
    const stopped = transfers.stop();
    await backend.release(setting.endpoint);
    await stopped;
    pipeline.close();
  }

  /** Stop any stream, release the interfaces and close the device. Calling it again does nothing. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#stream?.stop();
    this.#events?.stop();
    for (const backend of this.#backends.values()) await backend.close().catch(() => undefined);
    this.#backends.clear();
    try {
      await this.device.releaseInterface(this.videoFunction.videoControl.bInterfaceNumber);
    } catch {
      // Not claimed any more, or the device is gone.
    }
    try {
      await this.device.close();
    } catch {
      // Already closed or gone.
    }
  }
}

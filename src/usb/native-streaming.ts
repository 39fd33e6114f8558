/**
 * The VideoStreaming interface through webuvc's libusb binding: the binding's handle claims the
 * interface, sends probe/commit (usbfs claims belong to one file descriptor), selects alternate
 * settings and keeps isochronous or bulk transfers in flight. Completed transfers reach the
 * payload drivers as views over the transfers' own memory and are released right after.
 *
 * @packageDocumentation
 */
import { CameraError, CameraErrorCode, classifyUsbError } from '../errors.js';
import type { EndpointInfo } from '../uvc/model.js';
import type { PacketResult, TransferSink } from '../stream/reader.js';
import {
  NativeStreamingInterface,
  type CompletedTransfer,
  type ControlSetup,
  type NativeStream,
  type NativeTarget,
} from './native.js';
import type { ControlPipe, RunningTransfers, StreamingBackend, StreamingStart } from './streaming.js';

/** bmRequestType bits (USB 2.0 §9.3.1, Table 9-2). */
const REQUEST_TYPE = { IN: 0x80, STANDARD: 0x00, CLASS: 0x20, VENDOR: 0x40 } as const;
const RECIPIENT = { device: 0, interface: 1, endpoint: 2, other: 3 } as const;

function toSetup(setup: USBControlTransferParameters, direction: 'in' | 'out'): ControlSetup {
  const type =
    setup.requestType === 'class' ? REQUEST_TYPE.CLASS : setup.requestType === 'vendor' ? REQUEST_TYPE.VENDOR : REQUEST_TYPE.STANDARD;
  return {
    bmRequestType: (direction === 'in' ? REQUEST_TYPE.IN : 0) | type | RECIPIENT[setup.recipient],
    bRequest: setup.request,
    wValue: setup.value,
    wIndex: setup.index,
  };
}

/** A STALL comes back as a WebUSB status, as the W3C interface reports it; the rest throws. */
function isStallError(error: unknown): boolean {
  return classifyUsbError(error) === 'stall' || classifyUsbError((error as { cause?: unknown }).cause) === 'stall';
}

/** The binding's handle as the control pipe negotiation expects. */
class NativeControlPipe implements ControlPipe {
  constructor(readonly native: NativeStreamingInterface) {}

  async controlTransferIn(setup: USBControlTransferParameters, length: number): Promise<USBInTransferResult> {
    try {
      const bytes = await this.native.controlTransferIn(toSetup(setup, 'in'), length);
      return { status: 'ok', data: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
    } catch (error) {
      if (isStallError(error)) return { status: 'stall' };
      throw error;
    }
  }

  async controlTransferOut(setup: USBControlTransferParameters, data?: BufferSource): Promise<USBOutTransferResult> {
    const bytes =
      data === undefined
        ? new Uint8Array(0)
        : ArrayBuffer.isView(data)
          ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
          : new Uint8Array(data);
    try {
      const bytesWritten = await this.native.controlTransferOut(toSetup(setup, 'out'), bytes);
      return { status: 'ok', bytesWritten };
    } catch (error) {
      if (isStallError(error)) return { status: 'stall', bytesWritten: 0 };
      throw error;
    }
  }
}

/** Drives a VideoStreaming interface through the native binding. */
export class NativeStreaming implements StreamingBackend {
  readonly limitation = '';
  readonly #target: NativeTarget;
  readonly #interfaceNumber: number;
  #native: NativeStreamingInterface | undefined;
  #pipe: NativeControlPipe | undefined;
  #stream: NativeStream | undefined;

  constructor(target: NativeTarget, interfaceNumber: number) {
    this.#target = target;
    this.#interfaceNumber = interfaceNumber;
  }

  get control(): ControlPipe {
    if (!this.#pipe) {
      throw new CameraError(CameraErrorCode.OPERATION_NOT_ALLOWED, 'the streaming interface is not claimed', {
        expected: 'claim() first',
        found: 'no native handle',
      });
    }
    return this.#pipe;
  }

  supports(): boolean {
    return true;
  }

  async claim(): Promise<void> {
    if (!this.#native) {
      this.#native = await NativeStreamingInterface.open({
        target: this.#target,
        interfaceNumber: this.#interfaceNumber,
      });
      this.#pipe = new NativeControlPipe(this.#native);
    }
    await this.#native.setAltSetting(0);
  }

  async selectAlternate(alternateSetting: number): Promise<void> {
    await this.#open().setAltSetting(alternateSetting);
  }

  async start(sink: TransferSink, options: StreamingStart): Promise<RunningTransfers> {
    const native = this.#open();
    const { endpoint } = options;
    const isochronous = endpoint.transferType === 'isochronous';
    const stream = isochronous
      ? await native.startIsochronous({
          endpoint: endpoint.bEndpointAddress,
          packetSize: endpoint.bytesPerInterval,
          packetsPerTransfer: options.packetsPerTransfer,
          transfers: options.transfers,
        })
      : await native.startBulk({
          endpoint: endpoint.bEndpointAddress,
          transferSize: options.bulkTransferSize,
          transfers: options.transfers,
        });
    this.#stream = stream;

    let completed = 0;
    let failed = 0;
    // One packet list for every transfer: the drivers read it synchronously, nothing is kept.
    const packets: PacketResult[] = Array.from({ length: options.packetsPerTransfer }, () => ({
      offset: 0,
      length: 0,
      status: 'ok',
    }));
    const deliver = (transfer: CompletedTransfer) => {
      completed++;
      try {
        if (transfer.status !== 'completed') {
          failed++;
          sink.transferFailed?.();
          return;
        }
        const now = performance.now() * 1000;
        if (!isochronous) {
          sink.bulk?.(transfer.data.subarray(0, transfer.actualLength), options.bulkTransferSize, now);
          return;
        }
        const source = transfer.packets ?? [];
        const count = Math.min(source.length, packets.length);
        for (let i = 0; i < count; i++) {
          const from = source[i]!;
          const to = packets[i]!;
          to.offset = from.offset;
          to.length = from.length;
          to.status = from.status === 'completed' ? 'ok' : from.status;
        }
        sink.isochronous?.(transfer.data, count === packets.length ? packets : packets.slice(0, count), now);
      } finally {
        transfer.release();
      }
    };
    stream.onTransfer(deliver, (error) => options.onError(error));

    return {
      get completed() {
        return completed;
      },
      get failed() {
        return failed;
      },
      stop: async () => {
        await stream.stop();
        if (this.#stream === stream) this.#stream = undefined;
      },
    };
  }

  async release(): Promise<void> {
    // stop() of the native stream restored alternate setting 0 and released the interface;
    // the handle stays open so the next stream can claim it again.
  }

  async close(): Promise<void> {
    const native = this.#native;
    this.#native = undefined;
    this.#pipe = undefined;
    await native?.close();
  }

  #open(): NativeStreamingInterface {
    if (!this.#native) {
      throw new CameraError(CameraErrorCode.OPERATION_NOT_ALLOWED, 'the streaming interface is not claimed', {
        expected: 'claim() first',
        found: 'no native handle',
      });
    }
    return this.#native;
  }
}

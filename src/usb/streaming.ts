/**
 * How a camera's VideoStreaming interface is driven: who claims it, who sends its class
 * requests (probe/commit must go through the owner of the interface), who selects its
 * alternate settings and who keeps transfers in flight.
 *
 * Two implementations: {@link WebUsbStreaming} on any W3C `USBDevice` (node-usb for bulk
 * cameras, the emulated camera, browsers), and `NativeStreaming` over webuvc's libusb binding
 * (isochronous and bulk cameras on Linux).
 *
 * @packageDocumentation
 */
import type { CameraError } from '../errors.js';
import type { EndpointInfo } from '../uvc/model.js';
import { startReader, type TransferSink } from '../stream/reader.js';

/** The part of `USBDevice` that VideoStreaming class requests need. */
export type ControlPipe = Pick<USBDevice, 'controlTransferIn' | 'controlTransferOut'>;

/** Streaming parameters the camera core hands to a backend. */
export interface StreamingStart {
  endpoint: EndpointInfo;
  /** Transfers in flight. */
  transfers: number;
  /** Packets per isochronous transfer. */
  packetsPerTransfer: number;
  /** Bytes per bulk transfer. */
  bulkTransferSize: number;
  /** Called once when the stream fails; the backend has stopped reading by then. */
  onError(error: CameraError): void;
}

/** Transfers in flight on a streaming endpoint. */
export interface RunningTransfers {
  readonly completed: number;
  readonly failed: number;
  /** Stop reading; resolves when every transfer in flight has settled or been given up. */
  stop(): Promise<void>;
}

/** Drives one VideoStreaming interface. */
export interface StreamingBackend {
  /** Where probe/commit go. */
  readonly control: ControlPipe;
  /** True when the backend can read this endpoint type. */
  supports(endpoint: EndpointInfo): boolean;
  /** Why {@link supports} is false, for the error message. */
  readonly limitation: string;
  /** Claim the interface and select alternate setting 0 (negotiation happens there). */
  claim(): Promise<void>;
  selectAlternate(alternateSetting: number): Promise<void>;
  start(sink: TransferSink, options: StreamingStart): Promise<RunningTransfers>;
  /**
   * End streaming: alternate setting 0 for isochronous endpoints, CLEAR_FEATURE(ENDPOINT_HALT)
   * for bulk ones (UVC 1.5 §2.4.3.2.2), then release the interface.
   */
  release(endpoint: EndpointInfo | undefined): Promise<void>;
  /** Close whatever the backend opened itself. */
  close(): Promise<void>;
}

/** The WebUSB backend: transfers through `transferIn` / `isochronousTransferIn`. */
export class WebUsbStreaming implements StreamingBackend {
  readonly #device: USBDevice;
  readonly #interfaceNumber: number;
  readonly limitation: string;

  /** `limitation` says why isochronous streaming is unavailable, when it is (node-usb). */
  constructor(device: USBDevice, interfaceNumber: number, limitation?: string) {
    this.#device = device;
    this.#interfaceNumber = interfaceNumber;
    this.limitation =
      limitation ?? 'this USBDevice cannot do isochronous transfers (node-usb cannot; build the native binding)';
  }

  get control(): ControlPipe {
    return this.#device;
  }

  supports(endpoint: EndpointInfo): boolean {
    if (endpoint.transferType !== 'isochronous') return true;
    // node-usb's WebUSB facade defines the method but always rejects; mark it by its class.
    return !isNodeUsbDevice(this.#device);
  }

  async claim(): Promise<void> {
    await this.#device.claimInterface(this.#interfaceNumber);
    await this.#device.selectAlternateInterface(this.#interfaceNumber, 0);
  }

  async selectAlternate(alternateSetting: number): Promise<void> {
    await this.#device.selectAlternateInterface(this.#interfaceNumber, alternateSetting);
  }

  async start(sink: TransferSink, options: StreamingStart): Promise<RunningTransfers> {
    const reader = startReader(this.#device, sink, options);
    return {
      get completed() {
        return reader.completed;
      },
      get failed() {
        return reader.failed;
      },
      stop: async () => {
        await reader.stop();
      },
    };
  }

  async release(endpoint: EndpointInfo | undefined): Promise<void> {
    try {
      if (endpoint?.transferType === 'bulk') {
        await this.#device.clearHalt('in', endpoint.bEndpointAddress & 0x0f);
      } else {
        await this.#device.selectAlternateInterface(this.#interfaceNumber, 0);
      }
    } catch {
      // The device may be gone already; nothing is left to stop then.
    }
    try {
      await this.#device.releaseInterface(this.#interfaceNumber);
    } catch {
      // Same: nothing left to release on a vanished device.
    }
  }

  async close(): Promise<void> {
    // The device belongs to the camera, which closes it.
  }
}

/** node-usb's WebUSB facade (its `WebUSBDevice` class), recognised without importing node-usb. */
function isNodeUsbDevice(device: USBDevice): boolean {
  return device.constructor?.name === 'WebUSBDevice';
}

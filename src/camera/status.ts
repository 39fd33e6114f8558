/**
 * Events from a camera's status interrupt endpoint (UVC 1.5 §2.4.2.2): control changes
 * (value, info, failure, range), button presses and stream errors, read continuously while
 * someone listens.
 *
 * The loop keeps one interrupt IN transfer pending on the VideoControl interface's status
 * endpoint (the interface must be claimed, as {@link UvcCamera.open} does). A STALL clears the
 * halt and goes on; any other failure ends the loop and is reported once to the `onError`
 * listeners (after {@link StatusEvents.stop}, the failure that ends the pending transfer is
 * expected and not reported). Devices with the `builtinISight` quirk send proprietary data
 * there; it is dropped and counted.
 *
 * A camera has one reader, `UvcCamera.events`, shared by everyone who listens (the camera API's
 * loss watch, asynchronous controls, still triggers, session settings): two readers of one
 * endpoint would split its packets between them.
 *
 * @packageDocumentation
 */
import { CameraError, CameraErrorCode, fromUsbError } from '../errors.js';
import {
  controlBySelector,
  decodeControlInfo,
  decodeControlValue,
  type ControlCapabilities,
  type ControlEntity,
  type ControlValue,
} from '../uvc/controls.js';
import type { Entity, VideoFunction } from '../uvc/model.js';
import type { DeviceQuirks } from '../uvc/quirks.js';
import { TT } from '../uvc/constants.js';
import {
  parseStatusPacket,
  type ControlChangeStatus,
  type StatusAttribute,
} from '../uvc/status.js';

/** A control of a terminal or unit changed. */
export interface ControlChangeEvent {
  type: 'control';
  /** bOriginator: terminal or unit ID (0: the VideoControl interface). */
  entityId: number;
  selector: number;
  /** The standard control's name, when the originator is a camera terminal or processing unit. */
  control?: string;
  attribute: StatusAttribute;
  /** bValue as sent. */
  value: Uint8Array;
  /** `value` and `min`/`max` attributes of a standard control, decoded. */
  decoded?: ControlValue;
  /** `info` attribute: the new GET_INFO, spelled out. */
  info?: ControlCapabilities;
  /** `failure` attribute: the request error code. */
  requestErrorCode?: number;
}

/** A button on the camera was pressed or released. */
export interface ButtonEvent {
  type: 'button';
  /** The VideoStreaming interface the button belongs to. */
  interfaceNumber: number;
  pressed: boolean;
}

/** A VideoStreaming interface reported a stream error. */
export interface StreamErrorEvent {
  type: 'streamError';
  interfaceNumber: number;
  bEvent: number;
  value: Uint8Array;
}

/** Anything else the endpoint sent. */
export interface UnknownStatusEvent {
  type: 'unknown';
  bytes: Uint8Array;
}

/** One event of the status endpoint. */
export type StatusEvent = ControlChangeEvent | ButtonEvent | StreamErrorEvent | UnknownStatusEvent;

/** Receives events. */
export type StatusListener = (event: StatusEvent) => void;

/** Options of {@link StatusEvents}. */
export interface StatusEventsOptions {
  quirks?: DeviceQuirks;
  /** Called once when reading fails for another reason than {@link StatusEvents.stop}. */
  onError?(error: CameraError): void;
}

/** Told once when reading fails for another reason than {@link StatusEvents.stop}. */
export type StatusErrorListener = (error: CameraError) => void;

/** Counters of the status loop. */
export interface StatusCounters {
  packets: number;
  /** Packets dropped: vendor data of `builtinISight` devices, packets too short to parse. */
  ignored: number;
  /** STALLs cleared. */
  stalls: number;
}

/** Endpoint number bits of bEndpointAddress (USB 2.0 §9.6.6). */
const ENDPOINT_NUMBER_MASK = 0x0f;

/** STALLs in a row after which the endpoint is given up. */
const MAX_STALLS_IN_A_ROW = 3;

/** Reads a camera's status endpoint and hands its events to listeners. */
export class StatusEvents {
  readonly #device: USBDevice;
  readonly #fn: VideoFunction;
  readonly #options: StatusEventsOptions;
  readonly #listeners = new Set<StatusListener>();
  readonly #errorListeners = new Set<StatusErrorListener>();
  readonly #counters: StatusCounters = { packets: 0, ignored: 0, stalls: 0 };
  #running = false;
  #loop: Promise<void> | undefined;

  constructor(device: USBDevice, fn: VideoFunction, options: StatusEventsOptions = {}) {
    this.#device = device;
    this.#fn = fn;
    this.#options = options;
    if (options.onError) this.#errorListeners.add(options.onError);
  }

  /** True when the camera has a status endpoint. */
  get available(): boolean {
    return this.#fn.videoControl.statusEndpoint !== undefined;
  }

  /** True while the loop reads. */
  get running(): boolean {
    return this.#running;
  }

  /** The loop's counters (live). */
  get counters(): Readonly<StatusCounters> {
    return this.#counters;
  }

  /** Settles when the loop has ended (at once when it never ran). */
  get finished(): Promise<void> {
    return this.#loop ?? Promise.resolve();
  }

  /** Start reading (no-op when running or when there is no status endpoint). */
  start(): void {
    if (this.#running || !this.available) return;
    this.#running = true;
    this.#loop = this.#read();
  }

  /**
   * Stop reading. The transfer in flight cannot be cancelled through WebUSB; it ends when the
   * interface is released or the device closed, and its outcome is ignored.
   */
  stop(): void {
    this.#running = false;
  }

  /** Listen to every event; returns the function that stops listening. Starts the loop. */
  on(listener: StatusListener): () => void {
    this.#listeners.add(listener);
    this.start();
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * Be told when reading fails (the camera is gone, the endpoint keeps STALLing); returns the
   * function that stops it. Does not start the loop.
   */
  onError(listener: StatusErrorListener): () => void {
    this.#errorListeners.add(listener);
    return () => {
      this.#errorListeners.delete(listener);
    };
  }

  /**
   * The next event `accept` takes, or undefined after `timeoutMs`. Starts the loop. Listen
   * before sending the request whose answer you wait for, so the event cannot pass unseen.
   */
  next<T extends StatusEvent>(
    accept: (event: StatusEvent) => event is T,
    timeoutMs: number,
  ): { promise: Promise<T | undefined>; cancel(): void } {
    let off: () => void = () => undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let settle!: (event: T | undefined) => void;
    const promise = new Promise<T | undefined>((resolve) => (settle = resolve));
    const finish = (event: T | undefined): void => {
      off();
      if (timer !== undefined) clearTimeout(timer);
      settle(event);
    };
    off = this.on((event) => {
      if (accept(event)) finish(event);
    });
    timer = setTimeout(() => finish(undefined), timeoutMs);
    return { promise, cancel: () => finish(undefined) };
  }

  /** Turn a packet into an event, as the loop does (exposed for tests and replays). */
  decode(packet: Uint8Array): StatusEvent {
    const parsed = parseStatusPacket(packet);
    switch (parsed.type) {
      case 'controlChange':
        return this.#controlEvent(parsed);
      case 'button':
        return { type: 'button', interfaceNumber: parsed.bOriginator, pressed: parsed.pressed };
      case 'streamError':
        return {
          type: 'streamError',
          interfaceNumber: parsed.bOriginator,
          bEvent: parsed.bEvent,
          value: parsed.bValue,
        };
      default:
        return { type: 'unknown', bytes: parsed.bytes };
    }
  }

  #controlEvent(packet: ControlChangeStatus): ControlChangeEvent {
    const { bOriginator: entityId, bSelector: selector, attribute, bValue: value } = packet;
    const event: ControlChangeEvent = { type: 'control', entityId, selector, attribute, value };
    const kind = entityKind(this.#fn.videoControl.entities.find((e) => idOf(e) === entityId));
    const definition = kind ? controlBySelector(kind, selector) : undefined;
    if (definition) event.control = definition.name;

    if (attribute === 'info') event.info = decodeControlInfo(value[0] ?? 0);
    else if (attribute === 'failure') event.requestErrorCode = value[0] ?? 0;
    else if (definition && value.length >= definition.size) {
      event.decoded = decodeControlValue(definition, value);
    }
    return event;
  }

  async #read(): Promise<void> {
    const endpoint = this.#fn.videoControl.statusEndpoint;
    if (!endpoint) return;
    const number = endpoint.bEndpointAddress & ENDPOINT_NUMBER_MASK;
    const what = `reading status endpoint 0x${endpoint.bEndpointAddress.toString(16)}`;
    const length = Math.max(1, endpoint.maxPacketSize);
    let stallsInARow = 0;

    while (this.#running) {
      let result: USBInTransferResult;
      try {
        result = await this.#device.transferIn(number, length);
      } catch (error) {
        this.#fail(fromUsbError(error, what));
        return;
      }
      if (!this.#running) return;

      if (result.status === 'stall') {
        this.#counters.stalls += 1;
        stallsInARow += 1;
        if (stallsInARow > MAX_STALLS_IN_A_ROW) {
          const message = 'the status endpoint keeps STALLing';
          this.#fail(
            new CameraError(CameraErrorCode.SERVICE_FATAL_ERROR, message, {
              expected: 'status packets',
              found: `${stallsInARow} STALLs in a row`,
            }),
          );
          return;
        }
        await this.#device.clearHalt('in', number).catch(() => undefined);
        continue;
      }
      stallsInARow = 0;
      const data = result.data;
      if (data && data.byteLength > 0) {
        this.#deliver(new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice());
      }
    }
  }

  #deliver(packet: Uint8Array): void {
    this.#counters.packets += 1;
    if (this.#options.quirks?.flags.has('builtinISight')) {
      this.#counters.ignored += 1;
      return;
    }
    let event: StatusEvent;
    try {
      event = this.decode(packet);
    } catch {
      this.#counters.ignored += 1;
      return;
    }
    for (const listener of [...this.#listeners]) listener(event);
  }

  #fail(error: CameraError): void {
    const wasRunning = this.#running;
    this.#running = false;
    if (!wasRunning) return;
    for (const listener of [...this.#errorListeners]) listener(error);
  }
}

function idOf(entity: Entity): number {
  return entity.type === 'inputTerminal' || entity.type === 'outputTerminal'
    ? entity.bTerminalID
    : entity.bUnitID;
}

function entityKind(entity: Entity | undefined): ControlEntity | undefined {
  if (entity?.type === 'processingUnit') return 'processing';
  if (entity?.type === 'inputTerminal' && entity.wTerminalType === TT.ITT_CAMERA) return 'camera';
  return undefined;
}

/**
 * A camera replayed from a USB capture: an {@link EmulatedCamera} whose VideoStreaming control
 * answers and bulk IN completions are the ones a capture recorded.
 *
 * What the device did comes from the capture: probe/commit answers, payload headers, transfer
 * sizes and segmentation, and (with `pace: 'recorded'`) timing. usbmon's text format cuts
 * payload bodies to 32 bytes; bodies are filled up to their recorded length by
 * {@link fillCutPayload}, so frame sizes and headers stay as recorded.
 *
 * TODO: replay: isochronous completions and VideoControl (unit/terminal) answers are not
 * replayed yet; only bulk cameras replay from a capture.
 *
 * @packageDocumentation
 */
import { UVC_REQ, VS_CONTROL } from '../uvc/constants.js';
import type { BulkInCompletion, ControlTransfer } from './usbmon.js';
import { EmulatedCamera, type ControlAnswer, type EmulatedCameraOptions } from './emulated.js';

/** How a {@link CaptureCamera} is built. */
export interface CaptureCameraOptions
  extends Omit<EmulatedCameraOptions, 'controls' | 'payloads' | 'pace'> {
  /** Control transfers of the capture, in order (see `extractControlTransfers`). */
  controls: readonly ControlTransfer[];
  /** Bulk IN completions of the video endpoint, in order (see `extractBulkInCompletions`). */
  completions: readonly BulkInCompletion[];
  /** The video endpoint address the completions belong to (e.g. 0x81). */
  endpointAddress: number;
  /** `'recorded'` keeps the capture's spacing between completions; `'asap'` (default) does not wait. */
  pace?: 'recorded' | 'asap';
}

/** A request the capture never answered, kept for the test or the user to inspect. */
export interface UnseenRequest {
  bmRequestType: number;
  bRequest: number;
  wValue: number;
  wIndex: number;
}

/** bmRequestType of a class request to an interface, device to host (USB 2.0 §9.3.1). */
const CLASS_INTERFACE_IN = 0xa1;
const CLASS_INTERFACE_OUT = 0x21;
/** Linux reports a killed URB with -ENOENT; such completions carry no data. */
const URB_KILLED = -2;

/**
 * Fill a body usbmon cut short: the captured bytes first, then filler that contains no 0xFF,
 * so no JPEG marker appears where the camera sent image data.
 */
export function fillCutPayload(completion: BulkInCompletion, index: number): Uint8Array {
  const body = new Uint8Array(completion.length);
  for (let offset = completion.data.length; offset < body.length; offset += 1) {
    body[offset] = (offset * 13 + index * 7) % 0xfe;
  }
  body.set(completion.data.subarray(0, Math.min(completion.data.length, body.length)));
  return body;
}

/** Same request, ignoring the data stage. */
function sameSetup(transfer: ControlTransfer, setup: USBControlTransferParameters, type: number): boolean {
  return (
    transfer.bmRequestType === type &&
    transfer.bRequest === setup.request &&
    transfer.wValue === setup.value &&
    (transfer.wIndex & 0xff) === (setup.index & 0xff)
  );
}

function sameBytes(a: Uint8Array, b: DataView | undefined): boolean {
  if (!b || a.length !== b.byteLength) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b.getUint8(i)) return false;
  return true;
}

/** An emulated camera that replays a capture's VideoStreaming answers and bulk payloads. */
export class CaptureCamera extends EmulatedCamera {
  /** Requests the capture has no answer for; the camera STALLs them. */
  readonly unseenRequests: UnseenRequest[] = [];
  readonly #recorded: readonly ControlTransfer[];
  readonly #completions: readonly BulkInCompletion[];
  readonly #endpointNumber: number;
  readonly #pace: 'recorded' | 'asap';
  /** Where in the recorded control transfers the replay stands: after the last SET matched. */
  #cursor = 0;
  #committed = false;
  #next = 0;
  #startedAt: number | undefined;
  readonly #waiting = new Set<(error: DOMException) => void>();

  constructor(options: CaptureCameraOptions) {
    const { controls, completions, endpointAddress, pace, ...rest } = options;
    super({ ...rest, pace: 'asap', controls: (setup, direction, data) => this.#answer(setup, direction, data) });
    this.#recorded = controls;
    this.#completions = completions.filter((c) => c.status !== URB_KILLED);
    this.#endpointNumber = endpointAddress & 0x0f;
    this.#pace = pace ?? 'asap';
  }

  /** Completions served so far. */
  get completionsServed(): number {
    return this.#next;
  }

  /** Recorded answers for VideoStreaming requests; everything else goes to the emulator. */
  #answer(
    setup: USBControlTransferParameters,
    direction: 'in' | 'out',
    data?: DataView,
  ): ControlAnswer | undefined {
    if (setup.requestType !== 'class' || setup.recipient !== 'interface') return undefined;
    const selector = setup.value >> 8;
    if (selector !== VS_CONTROL.PROBE_CONTROL && selector !== VS_CONTROL.COMMIT_CONTROL) return undefined;

    if (direction === 'out') {
      // Prefer the recorded SET with the same bytes; the answers after it belong to it.
      const index = this.#recorded.findIndex(
        (t) => sameSetup(t, setup, CLASS_INTERFACE_OUT) && sameBytes(t.data, data),
      );
      const fallback = this.#recorded.findIndex((t, i) => i >= this.#cursor && sameSetup(t, setup, CLASS_INTERFACE_OUT));
      const at = index >= 0 ? index : fallback;
      if (at < 0) return this.#unseen(setup, CLASS_INTERFACE_OUT);
      this.#cursor = at + 1;
      if (selector === VS_CONTROL.COMMIT_CONTROL && setup.request === UVC_REQ.SET_CUR) this.#committed = true;
      return { status: 'ok' };
    }

    const after = this.#recorded.find((t, i) => i >= this.#cursor && sameSetup(t, setup, CLASS_INTERFACE_IN));
    const any = after ?? this.#recorded.find((t) => sameSetup(t, setup, CLASS_INTERFACE_IN));
    if (!any || any.status !== 0) return any ? { status: 'stall' } : this.#unseen(setup, CLASS_INTERFACE_IN);
    return { status: 'ok', data: any.data.slice(0, any.dataLength) };
  }

  #unseen(setup: USBControlTransferParameters, bmRequestType: number): ControlAnswer {
    this.unseenRequests.push({ bmRequestType, bRequest: setup.request, wValue: setup.value, wIndex: setup.index });
    return { status: 'stall' };
  }

  override async transferIn(endpointNumber: number, length: number): Promise<USBInTransferResult> {
    if (endpointNumber !== this.#endpointNumber) return super.transferIn(endpointNumber, length);
    if (!this.opened) throw new DOMException('capture camera: open() it first', 'InvalidStateError');

    const completion = this.#committed ? this.#completions[this.#next] : undefined;
    if (!completion) return this.#idle();

    const index = this.#next++;
    await this.#wait(completion);
    const body = fillCutPayload(completion, index);
    const kept = body.subarray(0, Math.min(body.length, length));
    return { status: kept.length < body.length ? 'babble' : 'ok', data: new DataView(kept.slice().buffer) };
  }

  /** Keep the capture's spacing, measured from the first completion served. */
  async #wait(completion: BulkInCompletion): Promise<void> {
    if (this.#pace !== 'recorded') return;
    const first = this.#completions[0]!.timestampUs;
    this.#startedAt ??= performance.now() * 1000 - (completion.timestampUs - first);
    const due = this.#startedAt + (completion.timestampUs - first);
    const delayMs = (due - performance.now() * 1000) / 1000;
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  }

  /** A bulk camera with nothing to send NAKs: the transfer waits until it is cancelled. */
  #idle(): Promise<USBInTransferResult> {
    return new Promise((_, reject) => {
      const cancel = (error: DOMException) => {
        this.#waiting.delete(cancel);
        reject(error);
      };
      this.#waiting.add(cancel);
    });
  }

  #cancelWaiting(): void {
    const error = new DOMException('capture camera: the transfer was cancelled', 'AbortError');
    for (const cancel of [...this.#waiting]) cancel(error);
  }

  override async clearHalt(direction: USBDirection, endpointNumber: number): Promise<void> {
    if (endpointNumber === this.#endpointNumber) this.#cancelWaiting();
    return super.clearHalt(direction, endpointNumber);
  }

  override async releaseInterface(interfaceNumber: number): Promise<void> {
    this.#cancelWaiting();
    return super.releaseInterface(interfaceNumber);
  }

  override async close(): Promise<void> {
    this.#cancelWaiting();
    return super.close();
  }

  override disconnect(): void {
    this.#cancelWaiting();
    super.disconnect();
  }
}

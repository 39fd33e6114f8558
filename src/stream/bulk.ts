/**
 * The bulk payload driver: cuts a bulk IN stream into UVC payloads for the assembler.
 *
 * On a bulk endpoint a payload spans one or more transfers and ends with a short transfer
 * (fewer bytes than requested, or a zero-length packet), USB 2.0 §5.8.3. Only the first
 * transfer of a payload starts with a header; the following ones are pure image bytes.
 * dwMaxPayloadTransferSize does not delimit payloads: the Realtek 0bda:5602 sends payloads
 * larger than it negotiated (bugs.md §2), so it is only counted against when given.
 *
 * @packageDocumentation
 */
import type { FrameAssembler } from './assembler.js';

/** Options of the bulk driver. */
export interface BulkDriverOptions {
  /** dwMaxPayloadTransferSize of the committed probe; payloads above it are counted, not cut. */
  maxPayloadTransferSize?: number;
}

/** Counters of the bulk driver. */
export interface BulkDriverCounters {
  /** Transfers pushed, failed ones included. */
  transfers: number;
  /** Zero-length transfers (they end a payload, if one is open). */
  zeroLengthTransfers: number;
  /** Transfers the transport reported as failed. */
  failedTransfers: number;
  /** Payloads started. */
  payloads: number;
  /** Payloads longer than `maxPayloadTransferSize`. */
  payloadsOverNegotiated: number;
}

/** Feeds bulk IN completions to a {@link FrameAssembler}; allocates nothing per transfer. */
export class BulkPayloadDriver {
  readonly #assembler: FrameAssembler;
  readonly #maxPayloadTransferSize: number | undefined;
  readonly #counters: BulkDriverCounters = {
    transfers: 0,
    zeroLengthTransfers: 0,
    failedTransfers: 0,
    payloads: 0,
    payloadsOverNegotiated: 0,
  };
  #inPayload = false;
  #payloadBytes = 0;

  constructor(assembler: FrameAssembler, options: BulkDriverOptions = {}) {
    this.#assembler = assembler;
    const max = options.maxPayloadTransferSize;
    this.#maxPayloadTransferSize = max !== undefined && max > 0 ? max : undefined;
  }

  /** The driver's counters (live). */
  get counters(): Readonly<BulkDriverCounters> {
    return this.#counters;
  }

  /**
   * One completed bulk IN transfer: `data` holds the bytes that arrived for a request of
   * `requestedLength` bytes. A short transfer ends the payload.
   */
  pushTransfer(
    data: Uint8Array,
    requestedLength: number,
    hostTimeUs = this.#assembler.now(),
  ): void {
    this.#counters.transfers += 1;
    const length = data.length;
    if (length === 0) {
      this.#counters.zeroLengthTransfers += 1;
      this.#endPayload();
      return;
    }

    if (this.#inPayload) {
      this.#assembler.payloadData(data, 0, length, hostTimeUs);
    } else {
      this.#inPayload = true;
      this.#payloadBytes = 0;
      this.#counters.payloads += 1;
      this.#assembler.payloadStart(data, 0, length, hostTimeUs);
    }
    this.#payloadBytes += length;

    if (length < requestedLength) this.#endPayload();
  }

  /**
   * A bulk transfer failed: its bytes are lost, so the frame in progress is incomplete, and
   * the next transfer is read as the start of a payload.
   */
  transferFailed(): void {
    this.#counters.transfers += 1;
    this.#counters.failedTransfers += 1;
    this.#assembler.payloadLost();
    this.#endPayload();
  }

  /** Forget a payload in progress (before a stream restart; reset the assembler too). */
  reset(): void {
    this.#inPayload = false;
    this.#payloadBytes = 0;
  }

  #endPayload(): void {
    if (!this.#inPayload) return;
    this.#inPayload = false;
    const max = this.#maxPayloadTransferSize;
    if (max !== undefined && this.#payloadBytes > max) this.#counters.payloadsOverNegotiated += 1;
    this.#assembler.payloadEnd();
  }
}

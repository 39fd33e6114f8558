/**
 * The isochronous payload driver: hands each packet of an isochronous IN transfer to the
 * assembler as one payload.
 *
 * On an isochronous endpoint every (micro)frame's packet is a whole payload with its own header
 * (UVC 1.5 §2.4.3.3). Empty packets carry nothing and are skipped; a header-only packet
 * (length == HLE) still goes to the assembler, since it may carry the EOF (bugs.md §3, §13).
 * A packet that failed (CRC, babble, missed service) lost its bytes: it is counted and the
 * frame in progress is marked incomplete.
 *
 * @packageDocumentation
 */
import type { FrameAssembler } from './assembler.js';

/** One packet of a completed isochronous transfer. */
export interface IsoPacket {
  /**
   * Where the packet's bytes start in the transfer's data. When absent, packets are taken as
   * packed back to back (each starts where the previous one's `length` ended). libusb and
   * WebUSB place packet i at the sum of the *requested* lengths before it: pass the offset.
   */
  offset?: number;
  /** Bytes that arrived (actual length). */
  length: number;
  /** 0 or 'ok' when the packet arrived; anything else (libusb status, 'babble') is a failure. */
  status: number | string;
}

/** Counters of the isochronous driver. */
export interface IsochronousDriverCounters {
  /** Transfers pushed. */
  transfers: number;
  /** Packets seen, failed ones included. */
  packets: number;
  /** Packets with no bytes. */
  emptyPackets: number;
  /** Packets that failed. */
  errorPackets: number;
  /** Packets whose offset and length point outside the transfer's data (counted as failed). */
  outOfBoundsPackets: number;
}

/** libusb's LIBUSB_TRANSFER_COMPLETED and WebUSB's "ok". */
function packetArrived(status: number | string): boolean {
  return status === 0 || status === 'ok';
}

/** Options of the isochronous driver. */
export interface IsochronousDriverOptions {
  /**
   * Time between packets on the bus, µs (125 at high and SuperSpeed with bInterval 1, 1000 at
   * full speed). When given, each packet's clock sample time is back-dated from the transfer's
   * completion by the packets after it; the packets' arrival times stay the completion time.
   */
  serviceIntervalUs?: number;
}

/** Feeds isochronous IN completions to a {@link FrameAssembler}; allocates nothing per packet. */
export class IsochronousPayloadDriver {
  readonly #assembler: FrameAssembler;
  readonly #serviceIntervalUs: number;
  readonly #counters: IsochronousDriverCounters = {
    transfers: 0,
    packets: 0,
    emptyPackets: 0,
    errorPackets: 0,
    outOfBoundsPackets: 0,
  };

  constructor(assembler: FrameAssembler, options: IsochronousDriverOptions = {}) {
    this.#assembler = assembler;
    const interval = options.serviceIntervalUs ?? 0;
    this.#serviceIntervalUs = interval > 0 && Number.isFinite(interval) ? interval : 0;
  }

  /** The driver's counters (live). */
  get counters(): Readonly<IsochronousDriverCounters> {
    return this.#counters;
  }

  /** One completed isochronous IN transfer: `packets` say where each payload lies in `data`. */
  pushTransfer(
    data: Uint8Array,
    packets: readonly IsoPacket[],
    hostTimeUs = this.#assembler.now(),
  ): void {
    const counters = this.#counters;
    counters.transfers += 1;
    let packedOffset = 0;
    for (let index = 0; index < packets.length; index += 1) {
      const packet = packets[index];
      if (packet === undefined) continue;
      counters.packets += 1;
      const offset = packet.offset ?? packedOffset;
      const length = packet.length;
      packedOffset = offset + length;

      if (!packetArrived(packet.status)) {
        counters.errorPackets += 1;
        this.#assembler.payloadLost();
        continue;
      }
      if (!(offset >= 0 && length >= 0 && offset + length <= data.length)) {
        counters.outOfBoundsPackets += 1;
        counters.errorPackets += 1;
        this.#assembler.payloadLost();
        continue;
      }
      if (length === 0) {
        counters.emptyPackets += 1;
        continue;
      }

      const later = packets.length - 1 - index;
      const sampleTimeUs = hostTimeUs - later * this.#serviceIntervalUs;
      this.#assembler.pushPayload(data, offset, length, hostTimeUs, sampleTimeUs);
    }
  }
}

/**
 * One gate per device for control requests: they go one at a time, and for cameras that STALL
 * under rapid traffic (quirk `controlThrottle`, the Razer Kiyo Pro of bugs.md §8) no faster
 * than a token bucket allows, with a pause after each STALL.
 *
 * Timing uses an injectable clock and sleep, so tests can run it on virtual time.
 *
 * @packageDocumentation
 */
import type { ControlThrottle } from '../uvc/quirks.js';

/** Where the gate gets time from. */
export interface GateClock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Resolve after `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
}

/** `performance.now()` and `setTimeout`. */
export const REAL_TIME: GateClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

const MS_PER_SECOND = 1000;

/** Serialises a device's control requests and applies its rate limit. */
export class ControlGate {
  #throttle: ControlThrottle | undefined;
  #clock: GateClock;
  #tail: Promise<unknown> = Promise.resolve();
  #tokens = 0;
  #refilledAt = 0;
  #notBefore = 0;
  #waits = 0;
  #waitedMs = 0;

  constructor(throttle?: ControlThrottle, clock: GateClock = REAL_TIME) {
    this.#clock = clock;
    this.configure(throttle, clock);
  }

  /** Change the rate limit (undefined: none) and clock; the bucket starts full. */
  configure(throttle: ControlThrottle | undefined, clock: GateClock = this.#clock): void {
    this.#throttle = throttle;
    this.#clock = clock;
    this.#tokens = throttle?.burst ?? 0;
    this.#refilledAt = clock.now();
  }

  /** The rate limit in force, if any. */
  get throttle(): ControlThrottle | undefined {
    return this.#throttle;
  }

  /** How often a request had to wait, and for how long in total (ms). */
  get waits(): { count: number; totalMs: number } {
    return { count: this.#waits, totalMs: this.#waitedMs };
  }

  /** Run `work` after every request queued before it, once the rate limit allows. */
  run<T>(work: () => Promise<T>): Promise<T> {
    const turn = this.#tail.then(async () => {
      await this.#admit();
      return work();
    });
    this.#tail = turn.catch(() => undefined);
    return turn;
  }

  /** The device STALLed: with a rate limit, keep quiet for its back-off time. */
  backOff(): void {
    const throttle = this.#throttle;
    if (!throttle) return;
    this.#notBefore = Math.max(this.#notBefore, this.#clock.now() + throttle.backOffMs);
    this.#tokens = 0;
  }

  async #admit(): Promise<void> {
    const throttle = this.#throttle;
    if (!throttle) return;

    let wait = Math.max(0, this.#notBefore - this.#clock.now());
    if (wait > 0) await this.#sleep(wait);

    const now = this.#clock.now();
    const refill = ((now - this.#refilledAt) * throttle.perSecond) / MS_PER_SECOND;
    this.#tokens = Math.min(throttle.burst, this.#tokens + refill);
    this.#refilledAt = now;
    if (this.#tokens < 1) {
      wait = ((1 - this.#tokens) * MS_PER_SECOND) / throttle.perSecond;
      await this.#sleep(wait);
      this.#tokens = 1;
      this.#refilledAt = this.#clock.now();
    }
    this.#tokens -= 1;
  }

  async #sleep(ms: number): Promise<void> {
    this.#waits += 1;
    this.#waitedMs += ms;
    await this.#clock.sleep(ms);
  }
}

/** The gates of the devices in use, one per device object. */
const gates = new WeakMap<object, ControlGate>();

/**
 * The gate of `device`, created on first use. A later call with a rate limit or clock
 * reconfigures it (the quirks of a device do not change while it is open).
 */
export function controlGateFor(
  device: object,
  throttle?: ControlThrottle,
  clock?: GateClock,
): ControlGate {
  let gate = gates.get(device);
  if (!gate) {
    gate = new ControlGate(throttle, clock);
    gates.set(device, gate);
  } else if (throttle !== gate.throttle || clock) {
    gate.configure(throttle, clock);
  }
  return gate;
}

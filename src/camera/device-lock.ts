/**
 * The lock that serialises everything that changes a camera's configuration: opening and
 * closing it, committing sessions, starting and stopping streams, frame-rate changes and
 * device settings. It is an `async-mutex` Mutex with a record of who holds it.
 *
 * Two ways in:
 *
 * - {@link DeviceConfigLock.acquire} waits. Waiters are served in the order they called
 *   (async-mutex queues equal priorities first in, first out). A wait may time out
 *   (`withTimeout`) or be cancelled with an AbortSignal; either way the waiter gives up its
 *   place and, should the mutex reach it later, passes it straight on, so no lock is left
 *   behind.
 * - {@link DeviceConfigLock.trySettings} does not wait: a device setting while another holder
 *   has the lock fails at once with 7400106 (DEVICE_SETTING_LOCKED).
 *
 * A holder is an owner object (a session) plus a description for messages. Leases are of two
 * kinds: `configuration` (exclusive) and `control` (the owner's settings, and an explicit
 * lockForControl). Settings of the owner of a control lease share it, and a configuration by
 * that owner joins it rather than waiting for itself; the work of leases that share a holding
 * still runs one piece at a time, so a setting never lands inside a negotiation.
 *
 * @packageDocumentation
 */
import { Mutex, withTimeout, type MutexInterface } from 'async-mutex';

import { stateViolation, type CameraError } from '../errors.js';

/** What a lease allows: an exclusive configuration, or the owner's device settings. */
export type LeaseKind = 'configuration' | 'control';

/** How long to wait for the lock, and how to give up waiting. */
export interface LockWaitOptions {
  /** Give up when this signal aborts (the call rejects with 7400102). */
  signal?: AbortSignal;
  /** Give up after this many milliseconds (the call rejects with 7400106). */
  timeoutMs?: number;
}

/** The right to change the configuration; release it exactly once (later calls do nothing). */
export interface LockLease {
  /** Who holds it, for messages. */
  readonly holder: string;
  /** What the lease allows. */
  readonly kind: LeaseKind;
  /** True once released. */
  readonly released: boolean;
  /** Give the lease back (once; later calls do nothing). */
  release(): void;
}

/** What the lock looks like now, for diagnostics and tests. */
export interface LockState {
  /** True while someone holds the lock. */
  locked: boolean;
  holder?: string;
  kind?: LeaseKind;
  /** Callers waiting (not counting those that gave up). */
  waiting: number;
}

/** The current holding: one owner, one kind, possibly several leases of the owner. */
interface Holding {
  owner: object;
  kind: LeaseKind;
  holder: string;
  refs: number;
}

/** A setting that only waits for a waiter that gave up to pass the lock on goes first. */
const HAND_OVER_PRIORITY = 1;

/** The per-camera configuration lock. */
export class DeviceConfigLock {
  /** The camera's name, for messages. */
  readonly name: string;
  readonly #mutex = new Mutex();
  /** One piece of work at a time among leases that share a holding (an owner's settings). */
  readonly #work = new Mutex();
  readonly #timeoutMs: number | undefined;
  #holding: Holding | undefined;
  /** Callers waiting, in call order (those that gave up are removed). */
  readonly #waiters: Array<{ holder: string }> = [];

  /**
   * @param name - the camera, for messages.
   * @param options.timeoutMs - the default wait limit (none when absent or not finite).
   */
  constructor(name: string, options: { timeoutMs?: number } = {}) {
    this.name = name;
    this.#timeoutMs = options.timeoutMs;
  }

  /** Who holds the lock and how many wait. */
  get state(): LockState {
    const holding = this.#holding;
    return {
      locked: this.#mutex.isLocked(),
      ...(holding ? { holder: holding.holder, kind: holding.kind } : {}),
      waiting: this.#waiters.length,
    };
  }

  /**
   * Wait for the lock, in call order.
   *
   * @throws CameraError 7400106 when `timeoutMs` passes first; 7400102 when `signal` aborts
   *   first (the reason is the error's cause).
   */
  async acquire(
    owner: object,
    holder: string,
    kind: LeaseKind,
    options: LockWaitOptions = {},
  ): Promise<LockLease> {
    const { signal } = options;
    if (signal?.aborted) throw this.#cancelled(holder, signal.reason);
    const joined = this.#join(owner, holder);
    if (joined) return joined;

    // A free lock has no queue: take it now, so its holder is known at once.
    if (!this.#mutex.isLocked()) {
      void this.#mutex.acquire();
      return this.#hold({ owner, kind, holder, refs: 1 });
    }

    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const timeoutError = new Error('device configuration lock timeout');
    const source: MutexInterface =
      timeoutMs === undefined || !Number.isFinite(timeoutMs)
        ? this.#mutex
        : withTimeout(this.#mutex, Math.max(0, timeoutMs), timeoutError);

    const waiter = { holder };
    this.#waiters.push(waiter);
    const acquisition = source.acquire();
    try {
      await abortable(acquisition, signal);
    } catch (error) {
      if (error === timeoutError) throw this.#timedOut(holder, timeoutMs ?? 0);
      // Cancelled: should the mutex reach this waiter later, pass it straight on.
      acquisition.then(
        () => this.#mutex.release(),
        () => undefined,
      );
      throw this.#cancelled(holder, signal?.reason ?? error);
    } finally {
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
    }
    return this.#hold({ owner, kind, holder, refs: 1 });
  }

  /**
   * Take the lock for a device setting without waiting. Returns a promise of the lease (it
   * resolves at once, or after a waiter that gave up has passed the lock on).
   *
   * @throws CameraError 7400106, synchronously, when another holder has the lock or it is
   *   being handed to a waiting configuration.
   */
  trySettings(owner: object, holder: string): Promise<LockLease> {
    const current = this.#holding;
    if (current) {
      if (current.kind === 'control' && current.owner === owner) {
        current.refs += 1;
        return Promise.resolve(this.#lease(current));
      }
      throw this.#locked(holder, current.holder);
    }

    if (!this.#mutex.isLocked()) {
      // async-mutex takes a free lock synchronously inside acquire().
      void this.#mutex.acquire();
      return Promise.resolve(this.#hold({ owner, kind: 'control', holder, refs: 1 }));
    }
    const heir = this.#waiters[0];
    if (heir) throw this.#locked(holder, `${heir.holder} (taking it over)`);

    // Only waiters that gave up stand in the way; they pass the lock on within a microtask.
    return this.#mutex
      .acquire(HAND_OVER_PRIORITY)
      .then(() => this.#hold({ owner, kind: 'control', holder, refs: 1 }));
  }

  /**
   * Run `work` holding a configuration lease; the lease is released however `work` ends.
   * Work under leases that share a holding runs one at a time.
   */
  async run<T>(
    owner: object,
    holder: string,
    work: (lease: LockLease) => Promise<T>,
    options: LockWaitOptions = {},
  ): Promise<T> {
    const lease = await this.acquire(owner, holder, 'configuration', options);
    try {
      return await this.#work.runExclusive(() => work(lease));
    } finally {
      lease.release();
    }
  }

  /**
   * Run a device setting's `work` under a settings lease (see {@link trySettings}), one at a
   * time with the other work of its holding.
   *
   * @throws CameraError 7400106, synchronously, when another holder has the lock.
   */
  runSetting<T>(owner: object, holder: string, work: () => Promise<T>): Promise<T> {
    return this.trySettings(owner, holder).then(async (lease) => {
      try {
        return await this.#work.runExclusive(work);
      } finally {
        lease.release();
      }
    });
  }

  /** A configuration by the owner of the current control lease joins that lease. */
  #join(owner: object, holder: string): LockLease | undefined {
    const current = this.#holding;
    if (!current || current.owner !== owner || current.kind !== 'control') return undefined;
    current.refs += 1;
    return this.#lease(current, holder);
  }

  #hold(holding: Holding): LockLease {
    this.#holding = holding;
    return this.#lease(holding);
  }

  #lease(holding: Holding, holder = holding.holder): LockLease {
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      holding.refs -= 1;
      if (holding.refs > 0 || this.#holding !== holding) return;
      this.#holding = undefined;
      this.#mutex.release();
    };
    return {
      holder,
      kind: holding.kind,
      get released() {
        return released;
      },
      release,
    };
  }

  #locked(holder: string, by: string): CameraError {
    return stateViolation(
      'settingLocked',
      `${holder} refused: the device configuration of ${this.name} is locked`,
      { expected: 'an unlocked device configuration', found: `locked by ${by}` },
    );
  }

  #timedOut(holder: string, timeoutMs: number): CameraError {
    const by = this.#holding?.holder ?? 'a waiter ahead';
    return stateViolation(
      'settingLocked',
      `${holder} gave up waiting for the device configuration of ${this.name}`,
      { expected: `the lock within ${timeoutMs} ms`, found: `still held by ${by}` },
    );
  }

  #cancelled(holder: string, reason: unknown): CameraError {
    return stateViolation(
      'cancelled',
      `${holder} was cancelled while waiting for the device configuration of ${this.name}`,
      { expected: 'the wait to complete', found: 'the signal aborted', cause: reason },
    );
  }
}

/** `promise`, or a rejection with the signal's reason when it aborts first. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

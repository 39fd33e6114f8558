/**
 * A small typed listener registry for the camera API's `on` / `off` methods.
 *
 * It uses no Node-only API (the camera API also runs in browsers). A listener that throws does
 * not stop the others or the driver: its exception is rethrown on a fresh microtask, where the
 * host reports it as an uncaught error.
 *
 * @packageDocumentation
 */

/** A listener as stored: the registry checks argument types at `add` and `emit`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyListener = (...args: any[]) => void;

/** Listeners by event name; `Events` maps each name to its listener's arguments. */
export class Listeners<Events extends Record<string, unknown[]>> {
  readonly #listeners = new Map<keyof Events, Set<AnyListener>>();

  /** Add `listener` for `event` (adding the same function twice keeps one). */
  add<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): void {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener as AnyListener);
  }

  /** Remove `listener`, or every listener of `event` when none is given. */
  remove<K extends keyof Events>(event: K, listener?: (...args: Events[K]) => void): void {
    if (listener === undefined) {
      this.#listeners.delete(event);
      return;
    }
    this.#listeners.get(event)?.delete(listener as AnyListener);
  }

  /** How many listeners `event` has. */
  count(event: keyof Events): number {
    return this.#listeners.get(event)?.size ?? 0;
  }

  /** Call every listener of `event` with `args`. */
  emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(...args);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  /** Forget every listener. */
  clear(): void {
    this.#listeners.clear();
  }
}

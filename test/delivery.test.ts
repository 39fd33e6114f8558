/**
 * Frame delivery and the pool: slow-consumer policies with every drop counted, buffers taken
 * back from the queue when the assembler needs one, consumer errors, and the pool's guarantees
 * (no buffer handed out while in use, forgotten frames reclaimed by the garbage collector).
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';

import { isCameraError } from '../src/errors.js';
import { FrameAssembler } from '../src/stream/assembler.js';
import { FrameDelivery, type FrameConsumer, type SlowConsumerPolicy } from '../src/stream/delivery.js';
import type { Frame } from '../src/stream/frame.js';
import { FramePool } from '../src/stream/pool.js';

/** A payload with a 2-byte header: FID, EOF set, one data byte `value`. */
function framePayload(value: number): Uint8Array {
  return Uint8Array.of(2, 0x02 | (value & 1), value);
}

interface Rig {
  pool: FramePool;
  assembler: FrameAssembler;
  delivery: FrameDelivery;
  /** Feed frames with data bytes `values` (one payload each, EOF set). */
  feed(...values: number[]): void;
}

function rig(onFrame: FrameConsumer, policy?: SlowConsumerPolicy, poolCount = 8, queueDepth = 2): Rig {
  const pool = new FramePool({ count: poolCount, bufferSize: 16 });
  const delivery = new FrameDelivery({ onFrame, ...(policy ? { policy } : {}), queueDepth });
  delivery.attach(pool);
  const assembler = new FrameAssembler({
    pool,
    compressed: true,
    clock: () => 0,
    onFrame: (frame) => delivery.push(frame),
  });
  const feed = (...values: number[]) => {
    for (const value of values) assembler.pushPayload(framePayload(value));
  };
  return { pool, assembler, delivery, feed };
}

/** A consumer that holds each frame until `finish()` is called for it. */
function slowConsumer() {
  const seen: Array<{ value: number; droppedBefore: boolean; sequence: number }> = [];
  const waiting: Array<() => void> = [];
  const onFrame: FrameConsumer = (frame) => {
    seen.push({
      value: frame.data[0] ?? -1,
      droppedBefore: frame.flags.droppedBefore,
      sequence: frame.sequence,
    });
    return new Promise<void>((resolve) => {
      waiting.push(() => {
        frame.release();
        resolve();
      });
    });
  };
  const finish = async () => {
    waiting.shift()?.();
    await new Promise((resolve) => setTimeout(resolve, 0));
  };
  return { seen, onFrame, finish, waiting };
}

describe('delivery to a consumer that keeps up', () => {
  it('hands each frame over synchronously, in order, within the pushing call', () => {
    const values: number[] = [];
    const { feed, delivery, pool } = rig((frame) => {
      values.push(frame.data[0] ?? -1);
      frame.release();
    });
    feed(1);
    expect(values).toEqual([1]);
    feed(2, 3, 4);
    expect(values).toEqual([1, 2, 3, 4]);
    expect(delivery.counters.delivered).toBe(4);
    expect(delivery.counters.queued).toBe(0);
    expect(pool.available).toBe(8);
  });
});

describe('slow consumer policies', () => {
  it('dropOldest: the consumer sees the newest frames once it catches up', async () => {
    const consumer = slowConsumer();
    const { feed, delivery, pool } = rig(consumer.onFrame, 'dropOldest');
    feed(1, 2, 3, 4, 5);
    expect(consumer.seen.map((s) => s.value)).toEqual([1]);
    expect(delivery.waiting).toBe(2);
    expect(delivery.counters.droppedOldest).toBe(2);
    await consumer.finish();
    await consumer.finish();
    await consumer.finish();
    expect(consumer.seen.map((s) => s.value)).toEqual([1, 4, 5]);
    expect(consumer.seen.map((s) => s.droppedBefore)).toEqual([false, true, false]);
    expect(consumer.seen.map((s) => s.sequence)).toEqual([0, 3, 4]);
    expect(pool.available).toBe(8);
  });

  it('keepLatest: one waiting frame, always the newest', async () => {
    const consumer = slowConsumer();
    const { feed, delivery } = rig(consumer.onFrame, 'keepLatest');
    feed(1, 2, 3, 4, 5);
    expect(delivery.queueDepth).toBe(1);
    expect(delivery.waiting).toBe(1);
    await consumer.finish();
    await consumer.finish();
    expect(consumer.seen.map((s) => s.value)).toEqual([1, 5]);
    expect(delivery.counters.droppedOldest).toBe(3);
  });

  it('dropNewest: the waiting frames stay, arriving ones are dropped', async () => {
    const consumer = slowConsumer();
    const { feed, delivery } = rig(consumer.onFrame, 'dropNewest');
    feed(1, 2, 3, 4, 5);
    await consumer.finish();
    await consumer.finish();
    await consumer.finish();
    expect(consumer.seen.map((s) => s.value)).toEqual([1, 2, 3]);
    expect(delivery.counters.droppedNewest).toBe(2);
    expect(consumer.seen[1]!.droppedBefore).toBe(true);
  });

  it('when every buffer is on loan, the oldest waiting frame gives its buffer to assembly', async () => {
    const consumer = slowConsumer();
    // 3 buffers: one with the consumer, two waiting; the next frame needs a queued buffer.
    const { feed, delivery, assembler, pool } = rig(consumer.onFrame, 'dropOldest', 3);
    feed(1, 2, 3);
    expect(pool.available).toBe(0);
    feed(4);
    expect(assembler.counters.framesDropped).toBe(0);
    expect(delivery.counters.droppedForBuffer).toBe(1);
    expect(delivery.counters.droppedOldest).toBe(0);
    expect(pool.counters.reclaimed).toBe(1);
    while (consumer.waiting.length > 0) await consumer.finish();
    expect(consumer.seen.map((s) => s.value)).toEqual([1, 3, 4]);
    expect(consumer.seen.map((s) => s.droppedBefore)).toEqual([false, true, false]);
    expect(pool.available).toBe(3);
  });

  it('dropNewest never reclaims: the assembler drops (and counts) the frame instead', () => {
    const consumer = slowConsumer();
    const { feed, assembler, pool } = rig(consumer.onFrame, 'dropNewest', 3);
    feed(1, 2, 3, 4);
    expect(pool.available).toBe(0);
    expect(assembler.counters.framesDropped).toBe(1);
    expect(pool.counters.exhausted).toBe(1);
  });
});

describe('consumer failures', () => {
  it('a throwing or rejecting consumer is counted and reported; the stream goes on', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const pool = new FramePool({ count: 4, bufferSize: 16 });
    const delivery = new FrameDelivery({
      onFrame(frame) {
        calls += 1;
        frame.release();
        if (calls === 1) throw new Error('sync failure');
        if (calls === 2) return Promise.reject(new Error('async failure'));
        return undefined;
      },
      onError: (error) => errors.push(error),
    });
    const assembler = new FrameAssembler({
      pool,
      compressed: true,
      clock: () => 0,
      onFrame: (frame) => delivery.push(frame),
    });
    for (const value of [1, 2, 3]) assembler.pushPayload(framePayload(value));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(calls).toBe(3);
    expect(delivery.counters.consumerErrors).toBe(2);
    expect(errors.map((error) => (error as Error).message)).toEqual(['sync failure', 'async failure']);
    expect(pool.available).toBe(4);
  });

  it('close releases every waiting frame and refuses later ones', () => {
    const consumer = slowConsumer();
    const { feed, delivery, pool } = rig(consumer.onFrame, 'dropOldest');
    feed(1, 2, 3);
    delivery.close();
    expect(delivery.counters.droppedAtClose).toBe(2);
    feed(4);
    expect(delivery.counters.droppedAtClose).toBe(3);
    expect(pool.available).toBe(7);
  });

  it('refuses bad settings with 7400101', () => {
    const onFrame = (frame: Frame) => frame.release();
    for (const options of [{ queueDepth: -1 }, { maxInFlight: 0 }, { queueDepth: 1.5 }]) {
      try {
        new FrameDelivery({ onFrame, ...options });
        expect.unreachable();
      } catch (error) {
        expect(isCameraError(error, 7400101)).toBe(true);
      }
    }
  });
});

/** A full collection, then a turn of the event loop for finalization callbacks. */
async function collect(): Promise<void> {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  for (let round = 0; round < 3; round += 1) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
  }
  await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('the pool', () => {
  it('reuses one frame object per buffer and allocates no frame per loan', () => {
    const frames: Frame[] = [];
    const { feed } = rig((frame) => {
      frames.push(frame);
      frame.release();
    }, 'dropOldest', 1);
    feed(1, 2, 3);
    expect(frames[0]).toBe(frames[1]);
    expect(frames[1]).toBe(frames[2]);
    expect(frames[2]!.data[0]).toBe(3);
  });

  it('a late release of an earlier loan does not free the buffer of a later one', () => {
    const held: Frame[] = [];
    const { feed, pool } = rig((frame) => {
      held.push(frame);
    }, 'dropOldest', 1);
    feed(1);
    const first = held[0]!;
    first.release();
    feed(2);
    expect(pool.available).toBe(0);
    // `first` is the same object, now on its second loan: releasing it again is that loan's
    // release, so callers must not keep frames past release() (documented on Frame).
    expect(held[1]).toBe(first);
    held[1]!.release();
    held[1]!.release();
    expect(pool.available).toBe(1);
  });

  it('reclaims forgotten frames through the garbage collector and counts them', async () => {
    const pool = new FramePool({ count: 2, bufferSize: 1024 });
    const lendAndForget = () => {
      const slot = pool.acquire()!;
      const flags = { error: false, incomplete: false, overflow: false, wrongSize: false, droppedBefore: false };
      pool.lend(slot, 10, { sequence: 0, firstPayloadTime: 0, lastPayloadTime: 0, flags });
    };
    lendAndForget();
    lendAndForget();
    expect(pool.available).toBe(0);
    for (let attempt = 0; attempt < 5 && pool.counters.leaked < 2; attempt += 1) await collect();
    expect(pool.counters.leaked).toBe(2);
    expect(pool.available).toBe(2);
    expect(pool.acquire()?.buffer.length).toBe(1024);
  });

  it('never reclaims a buffer whose bytes are still reachable, even without the frame', async () => {
    const pool = new FramePool({ count: 1, bufferSize: 1024 });
    const keep = (() => {
      const slot = pool.acquire()!;
      const flags = { error: false, incomplete: false, overflow: false, wrongSize: false, droppedBefore: false };
      const frame = pool.lend(slot, 4, { sequence: 0, firstPayloadTime: 0, lastPayloadTime: 0, flags });
      frame.data.set([9, 8, 7, 6]);
      // Keep only a view of the bytes, not the frame.
      return new Uint8Array(frame.data.buffer, 0, 4);
    })();
    for (let attempt = 0; attempt < 3; attempt += 1) await collect();
    expect(pool.counters.leaked).toBe(0);
    expect(pool.acquire()).toBeUndefined();
    expect(Array.from(keep)).toEqual([9, 8, 7, 6]);
  });
});

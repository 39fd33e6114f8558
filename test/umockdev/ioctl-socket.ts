/**
 * One client of umockdev's ioctl socket: a file descriptor that a process under umockdev-run
 * opened on an emulated device node.
 *
 * The preload library in the client sends `{cmd, a, b}` (three little-endian u64) for every
 * ioctl(), read() and write() on that descriptor and blocks until the server answers DONE. Before
 * answering, the server may read and write the caller's memory with READ_MEM / WRITE_MEM.
 * Messages on one socket are strictly sequential, so this class is a simple byte reader.
 */
import type { Socket } from 'node:net';

import { UMOCKDEV_CMD, UMOCKDEV_MESSAGE_SIZE } from './usbfs.js';

/** What the client asked for. */
export interface ClientCall {
  /** UMOCKDEV_CMD.IOCTL, READ or WRITE. */
  cmd: number;
  /** IOCTL: the request number; READ/WRITE: the buffer address. */
  a: number;
  /** IOCTL: the argument (a pointer or an integer); READ/WRITE: the byte count. */
  b: number;
}

interface PendingRead {
  length: number;
  resolve: (bytes: Buffer | null) => void;
}

/** Read a u64 that must be a safe integer (pointers and sizes are, on x86-64 user space). */
function readU64(bytes: Buffer, offset: number): number {
  return Number(bytes.readBigUInt64LE(offset));
}

/** A connected client of the ioctl socket. */
export class IoctlConnection {
  readonly #socket: Socket;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #pending: PendingRead | undefined;
  #closed = false;
  readonly #closeListeners: Array<() => void> = [];

  constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
      this.#serve();
    });
    socket.on('close', () => this.#onClose());
    socket.on('error', () => this.#onClose());
  }

  /** True once the client closed its descriptor (or died). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Call `listener` when the client goes away. */
  onClose(listener: () => void): void {
    if (this.#closed) listener();
    else this.#closeListeners.push(listener);
  }

  /** The next call from the client, or null when it went away. */
  async nextCall(): Promise<ClientCall | null> {
    const bytes = await this.#read(UMOCKDEV_MESSAGE_SIZE);
    if (bytes === null) return null;
    return { cmd: readU64(bytes, 0), a: readU64(bytes, 8), b: readU64(bytes, 16) };
  }

  /** Read `length` bytes of the client's memory at `address`. */
  async readMemory(address: number, length: number): Promise<Uint8Array> {
    if (length === 0) return new Uint8Array(0);
    this.#send(UMOCKDEV_CMD.READ_MEM, BigInt(address), BigInt(length));
    const bytes = await this.#read(length);
    if (bytes === null) throw new Error('the umockdev client went away during a memory read');
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  }

  /** Write `bytes` to the client's memory at `address` (no answer is expected). */
  writeMemory(address: number, bytes: Uint8Array): void {
    if (bytes.length === 0 || this.#closed) return;
    this.#send(UMOCKDEV_CMD.WRITE_MEM, BigInt(address), BigInt(bytes.length));
    this.#socket.write(bytes);
  }

  /** Finish the call: the client's ioctl returns `result` with `errno` set. */
  complete(result: number, errno = 0): void {
    this.#send(UMOCKDEV_CMD.DONE, BigInt.asUintN(64, BigInt(result)), BigInt(errno));
  }

  /** Close the server side. */
  destroy(): void {
    this.#socket.destroy();
  }

  #send(cmd: number, a: bigint, b: bigint): void {
    if (this.#closed) return;
    const message = Buffer.alloc(UMOCKDEV_MESSAGE_SIZE);
    message.writeBigUInt64LE(BigInt(cmd), 0);
    message.writeBigUInt64LE(a, 8);
    message.writeBigUInt64LE(b, 16);
    this.#socket.write(message);
  }

  #read(length: number): Promise<Buffer | null> {
    if (this.#pending !== undefined) throw new Error('one read at a time on an ioctl socket');
    return new Promise((resolve) => {
      this.#pending = { length, resolve };
      this.#serve();
    });
  }

  #serve(): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    if (this.#buffered >= pending.length) {
      this.#pending = undefined;
      pending.resolve(this.#take(pending.length));
    } else if (this.#closed) {
      this.#pending = undefined;
      pending.resolve(null);
    }
  }

  #take(length: number): Buffer {
    const joined = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
    const bytes = joined.subarray(0, length);
    const rest = joined.subarray(length);
    this.#chunks = rest.length > 0 ? [rest] : [];
    this.#buffered = rest.length;
    return bytes;
  }

  #onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#serve();
    for (const listener of this.#closeListeners.splice(0)) listener();
  }
}

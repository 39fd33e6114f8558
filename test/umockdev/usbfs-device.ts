/**
 * A USB device as usbfs shows it to libusb, answered over umockdev's ioctl socket.
 *
 * Each client connection is one open file descriptor of `/dev/bus/usb/BBB/DDD`, with its own
 * claims and URBs, as in the kernel. Requests and payloads come from an {@link EmulatedUsbDevice}
 * (the W3C `USBDevice` calls); this class adds what the kernel adds: interface ownership and
 * auto-claiming, kernel driver binding, URB queues, REAPURB/DISCARDURB semantics, device loss,
 * and the faults the tests inject. A URB's transfer starts once the URB before it on the
 * same endpoint has completed (a host controller's queue), completes when the camera answers,
 * and is reaped in order per endpoint; a discarded, killed or lost URB carries no data.
 */
import { FrameRecorder, BulkPayloadJoiner } from './frames.js';
import type { IoctlConnection } from './ioctl-socket.js';
import {
  devnodePath,
  umockdevDeviceRecord,
  type RawCamera,
  type SysfsSpeed,
  guessSpeed,
} from './device-file.js';
import { MinimalUvcCamera, type EmulatedUsbDevice } from './minimal-camera.js';
import {
  DISCONNECT_CLAIM_ARG,
  ERRNO,
  GETDRIVER_ARG,
  ISO_PACKET_DESC,
  UMOCKDEV_CMD,
  UMOCKDEV_UNHANDLED,
  URB,
  URB_FLAG,
  URB_TYPE,
  USB_SPEED,
  USBDEVFS,
  USBDEVFS_CAP,
  USBDEVFS_IOCTL_ARG,
  USBFS_MAX_ISO_PACKETS,
  usbdevfsName,
} from './usbfs.js';
import { USB_DT, UVC_REQ, VS_CONTROL, CC_VIDEO, SC } from '../../src/uvc/constants.js';

/** Capabilities the model reports (one URB per bulk transfer, zero-length packets). */
const CAPABILITIES =
  USBDEVFS_CAP.ZERO_PACKET |
  USBDEVFS_CAP.BULK_CONTINUATION |
  USBDEVFS_CAP.NO_PACKET_SIZE_LIM |
  USBDEVFS_CAP.REAP_AFTER_DISCONNECT;

/** Setup packet offsets (USB 2.0 §9.3). */
const SETUP = {
  bmRequestType: 0,
  bRequest: 1,
  wValue: 2,
  wIndex: 4,
  wLength: 6,
  LENGTH: 8,
} as const;

/** dwMaxPayloadTransferSize in a probe/commit block (UVC 1.5 Table 4-75). */
const PROBE_MAX_PAYLOAD_OFFSET = 22;

/** Events kept in the log (control traffic and state changes, not data URBs). */
const EVENT_LOG_LIMIT = 5_000;

/** Default delay before answering EAGAIN to a client that keeps polling an idle device. */
const DEFAULT_IDLE_DELAY_MS = 1;

/** W3C request types and recipients by their bmRequestType bits (USB 2.0 Table 9-2). */
const REQUEST_TYPES: readonly USBRequestType[] = ['standard', 'class', 'vendor', 'vendor'];
const RECIPIENTS: readonly USBRecipient[] = ['device', 'interface', 'endpoint', 'other'];
const DIRECTION_IN = 0x80;
const REQUEST_TYPE_MASK = 0x60;
const REQUEST_TYPE_VENDOR = 0x40;

/** Faults the device model injects at the usbfs level. */
export interface UsbfsFaults {
  /** Every `every`-th isochronous packet that carries data comes back with -EPROTO and no data. */
  isoPacketErrors?: { every: number; limit: number };
  /** The device disappears once this many data URBs have completed. */
  unplugAfterDataUrbs?: number;
  /**
   * Once this many data URBs have completed, the descriptor that submits the next one stops
   * completing data URBs (not even when they are discarded). Descriptors opened later work.
   */
  swallowDataUrbsAfter?: number;
}

/** Options of an emulated device. */
export interface UsbfsDeviceOptions {
  camera: RawCamera;
  busNumber: number;
  deviceAddress: number;
  speed?: SysfsSpeed;
  /** Answers requests and produces payloads; a {@link MinimalUvcCamera} by default. */
  device?: EmulatedUsbDevice;
  /** A kernel driver bound to the video interfaces at start, e.g. `uvcvideo`. */
  kernelDriver?: string;
  idleDelayMs?: number;
  /** Fingerprint every frame sent (default true; benchmarks turn it off). */
  recordFrames?: boolean;
}

/** Counters the tests read. */
export interface UsbfsStats {
  connections: number;
  controlUrbs: number;
  dataUrbs: number;
  isoPackets: number;
  isoPacketErrors: number;
  discarded: number;
  swallowed: number;
  idleAnswers: number;
}

interface Endpoint {
  address: number;
  transfer: number;
}

interface Urb {
  address: number;
  raw: Uint8Array;
  type: number;
  endpoint: number;
  bufferAddress: number;
  bufferLength: number;
  isoLengths: number[];
  setup: Uint8Array | undefined;
  outData: Uint8Array | undefined;
  interfaceNumber: number | undefined;
  flags: number;
  swallowed: boolean;
  /** The camera answered (the result below is complete). */
  ready: boolean;
  /** Discarded, killed or lost: reaped with this status and no data, whatever the camera says. */
  cancelStatus: number | undefined;
  status: number;
  actualLength: number;
  errorCount: number;
  data: Uint8Array | undefined;
  dataOffset: number;
  isoResults: Array<{ actual: number; status: number }>;
}

class Client {
  readonly claimed = new Set<number>();
  /** Submitted and not yet reaped, in submission order. */
  readonly urbs: Urb[] = [];
  /** Per endpoint: transfers start one after the other, as a host controller queue runs. */
  readonly queues = new Map<number, Promise<void>>();
  /** Bulk endpoints stopped by a short SHORT_NOT_OK URB until a URB without BULK_CONTINUATION. */
  readonly stoppedBulk = new Set<number>();
  idleStreak = 0;
  swallowing = false;
  constructor(
    readonly id: number,
    readonly generation: number,
  ) {}
}

function i32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getInt32(offset, true);
}

function u64(bytes: Uint8Array, offset: number): number {
  return Number(
    new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(offset, true),
  );
}

function u16(bytes: Uint8Array, offset: number): number {
  return (bytes[offset] ?? 0) | ((bytes[offset + 1] ?? 0) << 8);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** usbfs `SPEED` values for the sysfs speeds. */
function speedCode(speed: SysfsSpeed): number {
  if (speed === 1.5) return USB_SPEED.LOW;
  if (speed === 12) return USB_SPEED.FULL;
  if (speed === 480) return USB_SPEED.HIGH;
  return USB_SPEED.SUPER;
}

class IoctlError extends Error {
  constructor(readonly errno: number) {
    super(`errno ${errno}`);
  }
}

/** An emulated USB device behind umockdev's ioctl socket. */
export class UsbfsDevice {
  readonly devnode: string;
  /** The umockdev device description (text for `umockdev-run -d`). */
  readonly record: string;
  readonly camera: EmulatedUsbDevice;
  /** Frames as the model sent them (IN payloads that reached a client). */
  readonly sent = new FrameRecorder();
  /** Control traffic and state changes, oldest first. */
  readonly events: string[] = [];
  faults: UsbfsFaults = {};
  readonly stats: UsbfsStats = {
    connections: 0,
    controlUrbs: 0,
    dataUrbs: 0,
    isoPackets: 0,
    isoPacketErrors: 0,
    discarded: 0,
    swallowed: 0,
    idleAnswers: 0,
  };
  readonly #speed: SysfsSpeed;
  readonly #idleDelayMs: number;
  readonly #interfaces = new Map<number, Map<number, Endpoint[]>>();
  readonly #drivers = new Map<number, string>();
  readonly #owners = new Map<number, Client>();
  readonly #alternates = new Map<number, number>();
  readonly #clients = new Set<Client>();
  readonly #kernelDriver: string | undefined;
  readonly #maxPayload = new Map<number, number>();
  readonly #bulkJoiners = new Map<number, BulkPayloadJoiner>();
  readonly #record: boolean;
  #ready: Promise<unknown> = Promise.resolve();
  #generation = 0;
  #closing = 0;
  #nextClientId = 1;
  #dataUrbsCompleted = 0;
  #isoDataPackets = 0;

  constructor(options: UsbfsDeviceOptions) {
    this.devnode = devnodePath(options.busNumber, options.deviceAddress);
    this.#speed = options.speed ?? guessSpeed(options.camera.device, options.camera.config);
    this.record = umockdevDeviceRecord(options.camera, { ...options, speed: this.#speed });
    this.camera = options.device ?? new MinimalUvcCamera(options.camera);
    this.#idleDelayMs = options.idleDelayMs ?? DEFAULT_IDLE_DELAY_MS;
    this.#kernelDriver = options.kernelDriver;
    this.#record = options.recordFrames ?? true;
    this.#readInterfaces(options.camera.config);
    for (const interfaceNumber of this.#interfaces.keys()) {
      this.#alternates.set(interfaceNumber, 0);
      if (
        this.#kernelDriver !== undefined &&
        this.#isVideoInterface(options.camera.config, interfaceNumber)
      ) {
        this.#drivers.set(interfaceNumber, this.#kernelDriver);
      }
    }
    this.#ready = this.camera
      .open()
      .then(() => this.camera.selectConfiguration(configurationValue(options.camera.config)))
      .catch(() => undefined);
  }

  /** Open file descriptors of clients. */
  get openConnections(): number {
    return this.#clients.size;
  }

  /** Resolves once every client descriptor is closed and cleaned up (or after `timeoutMs`). */
  async settled(timeoutMs = 2_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((this.#clients.size > 0 || this.#closing > 0) && Date.now() < deadline) await sleep(5);
  }

  /** Interfaces claimed by any client. */
  get claimedInterfaces(): number[] {
    return [...this.#owners.keys()].sort((a, b) => a - b);
  }

  /** The current alternate setting of every interface. */
  get alternates(): ReadonlyMap<number, number> {
    return this.#alternates;
  }

  /** Kernel drivers bound now, by interface. */
  get drivers(): ReadonlyMap<number, string> {
    return this.#drivers;
  }

  /**
   * The device disappears: URBs in flight come back with -ESHUTDOWN and every later call on the
   * open descriptors fails with ENODEV. Descriptors opened afterwards see the device again, as if
   * it had been plugged back in.
   */
  unplug(): void {
    this.#log('unplug');
    this.#generation++;
    for (const client of this.#clients) {
      for (const urb of client.urbs) this.#cancel(urb, -ERRNO.ESHUTDOWN);
      for (const interfaceNumber of client.claimed) {
        this.#owners.delete(interfaceNumber);
        void this.camera.releaseInterface(interfaceNumber).catch(() => undefined);
      }
      client.claimed.clear();
    }
    for (const interfaceNumber of this.#alternates.keys()) this.#alternates.set(interfaceNumber, 0);
  }

  /** Serve one client connection until it closes. */
  serve(connection: IoctlConnection): void {
    const client = new Client(this.#nextClientId++, this.#generation);
    this.#clients.add(client);
    this.stats.connections++;
    this.#log(`open #${client.id}`);
    void this.#loop(connection, client);
  }

  async #loop(connection: IoctlConnection, client: Client): Promise<void> {
    await this.#ready;
    try {
      for (;;) {
        const call = await connection.nextCall();
        if (call === null) break;
        if (call.cmd !== UMOCKDEV_CMD.IOCTL) {
          connection.complete(UMOCKDEV_UNHANDLED, 0);
          continue;
        }
        const [result, errno] = await this.#ioctl(connection, client, call.a, call.b);
        connection.complete(result, errno);
      }
    } catch (error) {
      if (!connection.closed) {
        this.#log(
          `#${client.id} model error: ${error instanceof Error ? error.message : String(error)}`,
        );
        connection.destroy();
      }
    }
    await this.#closeClient(client);
  }

  async #closeClient(client: Client): Promise<void> {
    this.#closing++;
    this.#clients.delete(client);
    const dropped = client.urbs.length;
    for (const urb of client.urbs) this.#cancel(urb, -ERRNO.ESHUTDOWN);
    client.urbs.length = 0;
    for (const interfaceNumber of client.claimed)
      await this.#release(client, interfaceNumber, 'close');
    this.#log(`close #${client.id}${dropped > 0 ? ` (${dropped} URBs dropped)` : ''}`);
    this.#closing--;
  }

  async #ioctl(
    connection: IoctlConnection,
    client: Client,
    request: number,
    arg: number,
  ): Promise<[number, number]> {
    try {
      return [await this.#dispatch(connection, client, request, arg), 0];
    } catch (error) {
      if (error instanceof IoctlError) return [-1, error.errno];
      throw error;
    }
  }

  #alive(client: Client): void {
    if (client.generation !== this.#generation) throw new IoctlError(ERRNO.ENODEV);
  }

  async #dispatch(
    connection: IoctlConnection,
    client: Client,
    request: number,
    arg: number,
  ): Promise<number> {
    switch (request) {
      case USBDEVFS.REAPURB:
      case USBDEVFS.REAPURBNDELAY:
        return this.#reap(connection, client, arg, request === USBDEVFS.REAPURB);
      case USBDEVFS.SUBMITURB:
        this.#alive(client);
        return this.#submit(connection, client, arg);
      case USBDEVFS.DISCARDURB:
        return this.#discard(client, arg);
    }

    this.#alive(client);
    switch (request) {
      case USBDEVFS.GET_CAPABILITIES:
        connection.writeMemory(arg, le32(CAPABILITIES));
        return 0;
      case USBDEVFS.GET_SPEED:
        return speedCode(this.#speed);
      case USBDEVFS.CLAIMINTERFACE:
        return this.#claim(client, i32(await connection.readMemory(arg, 4), 0));
      case USBDEVFS.RELEASEINTERFACE:
        return this.#releaseCall(client, i32(await connection.readMemory(arg, 4), 0));
      case USBDEVFS.SETINTERFACE: {
        const bytes = await connection.readMemory(arg, 8);
        return this.#setInterface(client, i32(bytes, 0), i32(bytes, 4));
      }
      case USBDEVFS.GETDRIVER:
        return this.#getDriver(connection, arg);
      case USBDEVFS.IOCTL:
        return this.#wrappedIoctl(connection, client, arg);
      case USBDEVFS.DISCONNECT_CLAIM:
        return this.#disconnectClaim(connection, client, arg);
      case USBDEVFS.CLEAR_HALT:
      case USBDEVFS.RESETEP:
        this.#log(
          `#${client.id} ${usbdevfsName(request)} ${i32(await connection.readMemory(arg, 4), 0)}`,
        );
        return 0;
      case USBDEVFS.SETCONFIGURATION:
        this.#log(`#${client.id} SETCONFIGURATION ${i32(await connection.readMemory(arg, 4), 0)}`);
        return 0;
      case USBDEVFS.RESET:
        this.#log(`#${client.id} RESET`);
        return 0;
      case USBDEVFS.DROP_PRIVILEGES:
      case USBDEVFS.FORBID_SUSPEND:
      case USBDEVFS.ALLOW_SUSPEND:
      case USBDEVFS.WAIT_FOR_RESUME:
        return 0;
      default:
        this.#log(`#${client.id} unsupported ioctl ${usbdevfsName(request)}`);
        throw new IoctlError(ERRNO.ENOTTY);
    }
  }

  // ---- interfaces and drivers -----------------------------------------------------------------

  async #claim(client: Client, interfaceNumber: number): Promise<number> {
    if (!this.#interfaces.has(interfaceNumber)) throw new IoctlError(ERRNO.ENOENT);
    const owner = this.#owners.get(interfaceNumber);
    if (owner === client) return 0;
    if (owner !== undefined || this.#drivers.has(interfaceNumber))
      throw new IoctlError(ERRNO.EBUSY);
    this.#owners.set(interfaceNumber, client);
    client.claimed.add(interfaceNumber);
    this.#log(`#${client.id} claim ${interfaceNumber}`);
    await this.camera.claimInterface(interfaceNumber).catch(() => undefined);
    return 0;
  }

  /** usbfs claims an interface implicitly when a request or URB needs it (checkintf). */
  async #checkInterface(client: Client, interfaceNumber: number): Promise<void> {
    await this.#claim(client, interfaceNumber);
  }

  async #releaseCall(client: Client, interfaceNumber: number): Promise<number> {
    if (!client.claimed.has(interfaceNumber)) throw new IoctlError(ERRNO.EINVAL);
    await this.#release(client, interfaceNumber, 'release');
    return 0;
  }

  /** Releasing unbinds usbfs, and the kernel then puts the interface back to alternate 0. */
  async #release(client: Client, interfaceNumber: number, why: string): Promise<void> {
    client.claimed.delete(interfaceNumber);
    if (this.#owners.get(interfaceNumber) === client) this.#owners.delete(interfaceNumber);
    this.#killUrbs(client, interfaceNumber);
    if ((this.#alternates.get(interfaceNumber) ?? 0) !== 0) {
      this.#alternates.set(interfaceNumber, 0);
      await this.camera.selectAlternateInterface(interfaceNumber, 0).catch(() => undefined);
      this.#log(`#${client.id} ${why} ${interfaceNumber} (alternate reset to 0)`);
    } else {
      this.#log(`#${client.id} ${why} ${interfaceNumber}`);
    }
    await this.camera.releaseInterface(interfaceNumber).catch(() => undefined);
  }

  async #setInterface(client: Client, interfaceNumber: number, alternate: number): Promise<number> {
    const alternates = this.#interfaces.get(interfaceNumber);
    if (alternates === undefined) throw new IoctlError(ERRNO.ENOENT);
    await this.#checkInterface(client, interfaceNumber);
    if (!alternates.has(alternate)) throw new IoctlError(ERRNO.EINVAL);

    this.#killUrbs(client, interfaceNumber);
    this.#alternates.set(interfaceNumber, alternate);
    await this.camera.selectAlternateInterface(interfaceNumber, alternate);
    this.#log(`#${client.id} setinterface ${interfaceNumber} ${alternate}`);
    return 0;
  }

  async #getDriver(connection: IoctlConnection, arg: number): Promise<number> {
    const interfaceNumber = i32(await connection.readMemory(arg, 4), 0);
    const driver =
      this.#drivers.get(interfaceNumber) ??
      (this.#owners.has(interfaceNumber) ? 'usbfs' : undefined);
    if (driver === undefined) throw new IoctlError(ERRNO.ENODATA);
    const name = new Uint8Array(driver.length + 1);
    name.set(new TextEncoder().encode(driver));
    connection.writeMemory(arg + GETDRIVER_ARG.driver, name);
    return 0;
  }

  async #wrappedIoctl(connection: IoctlConnection, client: Client, arg: number): Promise<number> {
    const bytes = await connection.readMemory(arg, USBDEVFS_IOCTL_ARG.SIZE);
    const interfaceNumber = i32(bytes, USBDEVFS_IOCTL_ARG.ifno);
    const code = i32(bytes, USBDEVFS_IOCTL_ARG.ioctl_code);
    if (!this.#interfaces.has(interfaceNumber)) throw new IoctlError(ERRNO.EINVAL);

    if (code === USBDEVFS.DISCONNECT) {
      const driver = this.#drivers.get(interfaceNumber);
      if (driver === undefined) throw new IoctlError(ERRNO.ENODATA);
      this.#drivers.delete(interfaceNumber);
      this.#log(`#${client.id} detach ${interfaceNumber} ${driver}`);
      return 0;
    }
    if (code === USBDEVFS.CONNECT) {
      if (this.#owners.has(interfaceNumber)) throw new IoctlError(ERRNO.EBUSY);
      if (this.#kernelDriver === undefined) throw new IoctlError(ERRNO.ENODATA);
      this.#drivers.set(interfaceNumber, this.#kernelDriver);
      this.#log(`#${client.id} attach ${interfaceNumber} ${this.#kernelDriver}`);
      return 0;
    }
    throw new IoctlError(ERRNO.ENOTTY);
  }

  async #disconnectClaim(
    connection: IoctlConnection,
    client: Client,
    arg: number,
  ): Promise<number> {
    const bytes = await connection.readMemory(arg, DISCONNECT_CLAIM_ARG.driver);
    const interfaceNumber = i32(bytes, DISCONNECT_CLAIM_ARG.interface);
    const driver = this.#drivers.get(interfaceNumber);
    if (driver !== undefined) {
      this.#drivers.delete(interfaceNumber);
      this.#log(`#${client.id} detach ${interfaceNumber} ${driver}`);
    }
    return this.#claim(client, interfaceNumber);
  }

  // ---- URBs -------------------------------------------------------------------------------------

  async #submit(connection: IoctlConnection, client: Client, arg: number): Promise<number> {
    const head = await connection.readMemory(arg, URB.SIZE);
    const type = head[URB.type] ?? 0;
    const endpoint = head[URB.endpoint] ?? 0;
    const bufferAddress = u64(head, URB.buffer);
    const bufferLength = i32(head, URB.buffer_length);
    const packets = i32(head, URB.number_of_packets);
    if (bufferLength < 0) throw new IoctlError(ERRNO.EINVAL);

    let raw = head;
    const isoLengths: number[] = [];
    if (type === URB_TYPE.ISO) {
      if (packets < 1 || packets > USBFS_MAX_ISO_PACKETS) throw new IoctlError(ERRNO.EINVAL);
      raw = new Uint8Array(URB.SIZE + packets * ISO_PACKET_DESC.SIZE);
      raw.set(head, 0);
      raw.set(
        await connection.readMemory(arg + URB.SIZE, packets * ISO_PACKET_DESC.SIZE),
        URB.SIZE,
      );
      for (let i = 0; i < packets; i++)
        isoLengths.push(i32(raw, URB.SIZE + i * ISO_PACKET_DESC.SIZE));
      if (isoLengths.reduce((sum, length) => sum + length, 0) > bufferLength)
        throw new IoctlError(ERRNO.EINVAL);
    } else {
      raw = head.slice();
    }

    const urb: Urb = {
      address: arg,
      raw,
      type,
      endpoint,
      bufferAddress,
      bufferLength,
      isoLengths,
      setup: undefined,
      outData: undefined,
      interfaceNumber: undefined,
      flags: i32(head, URB.flags),
      swallowed: false,
      ready: false,
      cancelStatus: undefined,
      status: 0,
      actualLength: 0,
      errorCount: 0,
      data: undefined,
      dataOffset: 0,
      isoResults: [],
    };

    if (type === URB_TYPE.CONTROL) {
      await this.#prepareControl(connection, client, urb);
    } else {
      urb.interfaceNumber = this.#interfaceOfEndpoint(endpoint);
      if (urb.interfaceNumber === undefined) throw new IoctlError(ERRNO.ENOENT);
      await this.#checkInterface(client, urb.interfaceNumber);
      const swallowAfter = this.faults.swallowDataUrbsAfter;
      if (swallowAfter !== undefined && this.#dataUrbsCompleted >= swallowAfter) {
        this.faults = { ...this.faults, swallowDataUrbsAfter: undefined };
        client.swallowing = true;
        this.#log(`#${client.id} stops completing data URBs`);
      }
      if (client.swallowing) {
        urb.swallowed = true;
        this.stats.swallowed++;
      }
    }

    client.urbs.push(urb);
    // Each URB starts when the one before it on its endpoint is done; a paced camera answers later.
    if (!urb.swallowed) {
      const queue = (client.queues.get(endpoint) ?? Promise.resolve()).then(() =>
        this.#start(client, urb),
      );
      client.queues.set(endpoint, queue);
    }
    return 0;
  }

  async #start(client: Client, urb: Urb): Promise<void> {
    if (urb.cancelStatus !== undefined) return;
    if (urb.type === URB_TYPE.BULK && !this.#bulkMayStart(client, urb)) {
      this.#cancel(urb, -ERRNO.EREMOTEIO);
      return;
    }
    try {
      await this.#complete(client, urb);
      this.#bulkShortNotOk(client, urb);
    } catch (error) {
      const lost = error instanceof Error && error.name === 'NotFoundError';
      this.#finishWithoutData(urb, lost ? -ERRNO.ESHUTDOWN : -ERRNO.EPROTO);
    }
    urb.ready = true;
  }

  /**
   * usbfs bulk continuation: after a short URB marked SHORT_NOT_OK, the URBs that continue the
   * same libusb transfer (BULK_CONTINUATION) are cancelled before they see data; a URB without
   * the flag starts a new transfer.
   */
  #bulkMayStart(client: Client, urb: Urb): boolean {
    if ((urb.flags & URB_FLAG.BULK_CONTINUATION) === 0) client.stoppedBulk.delete(urb.endpoint);
    return !client.stoppedBulk.has(urb.endpoint);
  }

  #bulkShortNotOk(client: Client, urb: Urb): void {
    if (urb.type !== URB_TYPE.BULK || (urb.flags & URB_FLAG.SHORT_NOT_OK) === 0) return;
    if (urb.status !== 0 || urb.actualLength >= urb.bufferLength) return;
    urb.status = -ERRNO.EREMOTEIO;
    client.stoppedBulk.add(urb.endpoint);
  }

  /** The URB ends without data (discarded, killed, lost), even if the camera answers later. */
  #cancel(urb: Urb, status: number): void {
    if (urb.cancelStatus === undefined) urb.cancelStatus = status;
  }

  async #prepareControl(connection: IoctlConnection, client: Client, urb: Urb): Promise<void> {
    if (urb.bufferLength < SETUP.LENGTH) throw new IoctlError(ERRNO.EINVAL);
    urb.setup = await connection.readMemory(urb.bufferAddress, SETUP.LENGTH);
    const bmRequestType = urb.setup[SETUP.bmRequestType] ?? 0;
    const wIndex = u16(urb.setup, SETUP.wIndex);
    const wLength = u16(urb.setup, SETUP.wLength);
    if (SETUP.LENGTH + wLength > urb.bufferLength) throw new IoctlError(ERRNO.EINVAL);

    const recipient = RECIPIENTS[bmRequestType & 0x03];
    if (recipient === 'interface' && (bmRequestType & REQUEST_TYPE_MASK) !== REQUEST_TYPE_VENDOR) {
      const interfaceNumber = wIndex & 0xff;
      if (!this.#interfaces.has(interfaceNumber)) throw new IoctlError(ERRNO.ENOENT);
      await this.#checkInterface(client, interfaceNumber);
    }
    if ((bmRequestType & DIRECTION_IN) === 0 && wLength > 0) {
      urb.outData = await connection.readMemory(urb.bufferAddress + SETUP.LENGTH, wLength);
    }
  }

  #interfaceOfEndpoint(endpoint: number): number | undefined {
    for (const [interfaceNumber, alternates] of this.#interfaces) {
      const current = alternates.get(this.#alternates.get(interfaceNumber) ?? 0) ?? [];
      if (current.some((ep) => ep.address === endpoint)) return interfaceNumber;
    }
    return undefined;
  }

  /** DISCARDURB: a URB the camera has not answered yet ends with -ECONNRESET; others EINVAL. */
  #discard(client: Client, address: number): number {
    const urb = client.urbs.find((candidate) => candidate.address === address);
    if (urb === undefined || urb.cancelStatus !== undefined) throw new IoctlError(ERRNO.EINVAL);
    this.stats.discarded++;
    if (urb.swallowed) return 0;
    if (urb.ready) throw new IoctlError(ERRNO.EINVAL);
    this.#cancel(urb, -ERRNO.ECONNRESET);
    return 0;
  }

  /** URBs of an interface die when it changes alternate setting or is released. */
  #killUrbs(client: Client, interfaceNumber: number): void {
    for (const urb of client.urbs) {
      if (urb.interfaceNumber !== interfaceNumber || urb.swallowed || urb.ready) continue;
      this.#cancel(urb, -ERRNO.ESHUTDOWN);
    }
  }

  #finishWithoutData(urb: Urb, status: number): void {
    urb.status = status;
    urb.actualLength = 0;
    urb.data = undefined;
    urb.isoResults = urb.isoLengths.map(() => ({ actual: 0, status }));
  }

  async #reap(
    connection: IoctlConnection,
    client: Client,
    arg: number,
    block: boolean,
  ): Promise<number> {
    for (;;) {
      const urb = this.#nextCompleted(client);
      if (urb !== undefined) {
        client.idleStreak = 0;
        this.#writeBack(connection, urb, arg);
        return 0;
      }
      if (client.generation !== this.#generation) {
        await sleep(this.#idleDelayMs);
        throw new IoctlError(ERRNO.ENODEV);
      }
      this.stats.idleAnswers++;
      // The first idle answer after activity is immediate; a client that keeps polling waits.
      if (client.idleStreak++ > 0 || block) await sleep(this.#idleDelayMs);
      if (!block) throw new IoctlError(ERRNO.EAGAIN);
    }
  }

  /**
   * The next URB to reap: the oldest of its endpoint (URBs complete in order per endpoint) that
   * the camera answered or that was cancelled. A swallowed URB (never started, immune to
   * DISCARDURB) blocks its endpoint until the device is lost or the descriptor closed.
   */
  #nextCompleted(client: Client): Urb | undefined {
    const blocked = new Set<number>();
    for (const [index, urb] of client.urbs.entries()) {
      if (blocked.has(urb.endpoint)) continue;
      if (urb.cancelStatus === undefined && !urb.ready) {
        blocked.add(urb.endpoint);
        continue;
      }
      client.urbs.splice(index, 1);
      if (urb.cancelStatus !== undefined) this.#finishWithoutData(urb, urb.cancelStatus);
      return urb;
    }
    return undefined;
  }

  async #complete(client: Client, urb: Urb): Promise<void> {
    if (urb.type === URB_TYPE.CONTROL) {
      await this.#completeControl(urb);
      return;
    }
    if (urb.type === URB_TYPE.ISO) await this.#completeIso(urb);
    else if (urb.type === URB_TYPE.BULK) await this.#completeBulk(urb);
    else this.#finishWithoutData(urb, -ERRNO.EPROTO);

    this.stats.dataUrbs++;
    this.#dataUrbsCompleted++;
    const unplugAfter = this.faults.unplugAfterDataUrbs;
    if (
      unplugAfter !== undefined &&
      this.#dataUrbsCompleted >= unplugAfter &&
      client.generation === this.#generation
    ) {
      this.faults = { ...this.faults, unplugAfterDataUrbs: undefined };
      this.unplug();
    }
  }

  async #completeControl(urb: Urb): Promise<void> {
    const setup = urb.setup!;
    const bmRequestType = setup[SETUP.bmRequestType] ?? 0;
    const parameters: USBControlTransferParameters = {
      requestType: REQUEST_TYPES[(bmRequestType >> 5) & 0x03]!,
      recipient: RECIPIENTS[bmRequestType & 0x03]!,
      request: setup[SETUP.bRequest] ?? 0,
      value: u16(setup, SETUP.wValue),
      index: u16(setup, SETUP.wIndex),
    };
    const wLength = u16(setup, SETUP.wLength);
    this.stats.controlUrbs++;

    let status: USBTransferStatus | undefined;
    let answer: Uint8Array | undefined;
    try {
      if (bmRequestType & DIRECTION_IN) {
        const result = await this.camera.controlTransferIn(parameters, wLength);
        status = result.status;
        if (result.data !== undefined) {
          answer = new Uint8Array(
            result.data.buffer,
            result.data.byteOffset,
            Math.min(result.data.byteLength, wLength),
          );
        }
      } else {
        const result = await this.camera.controlTransferOut(
          parameters,
          new Uint8Array(urb.outData ?? []),
        );
        status = result.status;
        this.#snoopCommit(parameters, urb.outData);
      }
    } catch {
      status = undefined;
    }

    const hexSetup = Buffer.from(setup).toString('hex');
    this.#log(
      `control ${hexSetup} -> ${status ?? 'error'}${answer !== undefined ? ` ${answer.length} B` : ''}`,
    );
    if (status === 'ok') {
      urb.status = 0;
      urb.data = answer;
      urb.dataOffset = SETUP.LENGTH;
      urb.actualLength = answer?.length ?? urb.outData?.length ?? 0;
    } else {
      this.#finishWithoutData(
        urb,
        status === 'stall' ? -ERRNO.EPIPE : status === 'babble' ? -ERRNO.EOVERFLOW : -ERRNO.EPROTO,
      );
    }
  }

  /** Remember each VideoStreaming interface's committed payload size (for bulk reassembly). */
  #snoopCommit(parameters: USBControlTransferParameters, data: Uint8Array | undefined): void {
    if (parameters.requestType !== 'class' || parameters.recipient !== 'interface') return;
    if (
      parameters.request !== UVC_REQ.SET_CUR ||
      parameters.value >> 8 !== VS_CONTROL.COMMIT_CONTROL
    )
      return;
    if (data === undefined || data.length < PROBE_MAX_PAYLOAD_OFFSET + 4) return;
    const maxPayload = new DataView(data.buffer, data.byteOffset).getUint32(
      PROBE_MAX_PAYLOAD_OFFSET,
      true,
    );
    this.#maxPayload.set(parameters.index & 0xff, maxPayload);
    this.#bulkJoiners.delete(parameters.index & 0xff);
  }

  async #completeIso(urb: Urb): Promise<void> {
    const result = await this.camera.isochronousTransferIn(urb.endpoint & 0x0f, urb.isoLengths);
    const block = new Uint8Array(urb.bufferLength);
    let offset = 0;
    let end = 0;
    urb.isoResults = [];
    urb.errorCount = 0;
    urb.actualLength = 0;

    for (let i = 0; i < urb.isoLengths.length; i++) {
      const length = urb.isoLengths[i]!;
      const packet = result.packets[i];
      const view = packet?.data;
      let bytes =
        view === undefined
          ? new Uint8Array(0)
          : new Uint8Array(view.buffer, view.byteOffset, Math.min(view.byteLength, length));
      let status =
        packet?.status === 'stall'
          ? -ERRNO.EPIPE
          : packet?.status === 'babble'
            ? -ERRNO.EOVERFLOW
            : 0;
      this.stats.isoPackets++;

      if (status === 0 && bytes.length > 0 && this.#injectPacketError()) {
        // The same rule as the receiving side: the lost payload damages the frame it falls in.
        if (this.#record) this.sent.feed(new Uint8Array(0), true);
        bytes = new Uint8Array(0);
        status = -ERRNO.EPROTO;
      } else if (status === 0 && this.#record) {
        this.sent.feed(bytes);
      }
      if (status !== 0) urb.errorCount++;

      block.set(bytes, offset);
      if (bytes.length > 0) end = offset + bytes.length;
      urb.isoResults.push({ actual: bytes.length, status });
      urb.actualLength += bytes.length;
      offset += length;
    }
    urb.status = 0;
    urb.data = block.subarray(0, end);
    urb.dataOffset = 0;
  }

  #injectPacketError(): boolean {
    const plan = this.faults.isoPacketErrors;
    if (plan === undefined || this.stats.isoPacketErrors >= plan.limit) return false;
    this.#isoDataPackets++;
    if (this.#isoDataPackets % plan.every !== 0) return false;
    this.stats.isoPacketErrors++;
    return true;
  }

  async #completeBulk(urb: Urb): Promise<void> {
    const result = await this.camera.transferIn(urb.endpoint & 0x0f, urb.bufferLength);
    if (result.status !== 'ok') {
      this.#finishWithoutData(urb, result.status === 'stall' ? -ERRNO.EPIPE : -ERRNO.EOVERFLOW);
      return;
    }
    const view = result.data;
    const bytes =
      view === undefined
        ? new Uint8Array(0)
        : new Uint8Array(view.buffer, view.byteOffset, Math.min(view.byteLength, urb.bufferLength));
    urb.status = 0;
    urb.data = bytes;
    urb.dataOffset = 0;
    urb.actualLength = bytes.length;
    if (this.#record) this.#joinerFor(urb.interfaceNumber ?? -1).push(bytes, urb.bufferLength);
  }

  #joinerFor(interfaceNumber: number): BulkPayloadJoiner {
    let joiner = this.#bulkJoiners.get(interfaceNumber);
    if (joiner === undefined) {
      joiner = new BulkPayloadJoiner(
        (payload) => this.sent.feed(payload),
        this.#maxPayload.get(interfaceNumber),
      );
      this.#bulkJoiners.set(interfaceNumber, joiner);
    }
    return joiner;
  }

  /** Write a completed URB back into the client: data, the URB itself, then the pointer. */
  #writeBack(connection: IoctlConnection, urb: Urb, arg: number): void {
    if (
      urb.data !== undefined &&
      urb.data.length > 0 &&
      (urb.type !== URB_TYPE.CONTROL || urb.setup![0]! & DIRECTION_IN)
    ) {
      connection.writeMemory(urb.bufferAddress + urb.dataOffset, urb.data);
    }
    const view = new DataView(urb.raw.buffer, urb.raw.byteOffset, urb.raw.byteLength);
    view.setInt32(URB.status, urb.status, true);
    view.setInt32(URB.actual_length, urb.actualLength, true);
    view.setInt32(URB.start_frame, 0, true);
    view.setInt32(URB.error_count, urb.errorCount, true);
    urb.isoResults.forEach((packet, i) => {
      const base = URB.iso_frame_desc + i * ISO_PACKET_DESC.SIZE;
      view.setUint32(base + ISO_PACKET_DESC.actual_length, packet.actual, true);
      view.setInt32(base + ISO_PACKET_DESC.status, packet.status, true);
    });
    connection.writeMemory(urb.address, urb.raw);
    const pointer = new Uint8Array(8);
    new DataView(pointer.buffer).setBigUint64(0, BigInt(urb.address), true);
    connection.writeMemory(arg, pointer);
  }

  // ---- descriptors and log -----------------------------------------------------------------------

  #readInterfaces(config: Uint8Array): void {
    let current: Endpoint[] | undefined;
    for (let offset = 0; offset + 2 <= config.length; ) {
      const length = config[offset] ?? 0;
      if (length < 2) break;
      const type = config[offset + 1];
      if (type === USB_DT.INTERFACE && length >= 9) {
        const interfaceNumber = config[offset + 2] ?? 0;
        const alternate = config[offset + 3] ?? 0;
        const alternates = this.#interfaces.get(interfaceNumber) ?? new Map<number, Endpoint[]>();
        current = [];
        alternates.set(alternate, current);
        this.#interfaces.set(interfaceNumber, alternates);
      } else if (type === USB_DT.ENDPOINT && length >= 7 && current !== undefined) {
        current.push({
          address: config[offset + 2] ?? 0,
          transfer: (config[offset + 3] ?? 0) & 0x03,
        });
      }
      offset += length;
    }
  }

  #isVideoInterface(config: Uint8Array, interfaceNumber: number): boolean {
    for (let offset = 0; offset + 9 <= config.length; ) {
      const length = config[offset] ?? 0;
      if (length < 2) break;
      if (config[offset + 1] === USB_DT.INTERFACE && config[offset + 2] === interfaceNumber) {
        const subclass = config[offset + 6];
        return (
          config[offset + 5] === CC_VIDEO &&
          (subclass === SC.VIDEOCONTROL || subclass === SC.VIDEOSTREAMING)
        );
      }
      offset += length;
    }
    return false;
  }

  #log(event: string): void {
    this.events.push(event);
    if (this.events.length > EVENT_LOG_LIMIT) this.events.shift();
  }
}

function le32(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value >>> 0, true);
  return bytes;
}

/** bConfigurationValue of a configuration descriptor (USB 2.0 Table 9-10, offset 5). */
function configurationValue(config: Uint8Array): number {
  return config[5] ?? 1;
}

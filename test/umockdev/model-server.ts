/**
 * Serves device models on Unix sockets and runs programs under `umockdev-run` against them.
 *
 * umockdev-run creates its testbed (and `$UMOCKDEV_DIR`) when it starts, so the models cannot
 * listen inside it beforehand. They listen in a folder of their own instead; the program under
 * test calls {@link linkModelSockets} first thing, which links `$UMOCKDEV_DIR/ioctl/<devnode>` to
 * those sockets. libusb then opens the device nodes and every ioctl reaches the model.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { IoctlConnection } from './ioctl-socket.js';
import type { UsbfsDevice } from './usbfs-device.js';

/** Environment variable that tells the program under test where the model sockets are. */
export const MODEL_SOCKETS_ENV = 'WEBUVC_MODEL_SOCKETS';

/** Set to 1 to let the umockdev tests pass without umockdev-run (they are skipped). */
export const NO_UMOCKDEV_ENV = 'WEBUVC_NO_UMOCKDEV';

const loaderPath = fileURLToPath(new URL('./ts-loader.mjs', import.meta.url));

/** The umockdev-run executable, or undefined when it is not installed. */
export function findUmockdevRun(): string | undefined {
  const result = spawnSync('umockdev-run', ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? 'umockdev-run' : undefined;
}

/** Why the umockdev tests cannot run here, or undefined when they can. */
export function umockdevMissingReason(): string | undefined {
  if (findUmockdevRun() !== undefined) return undefined;
  return (
    'umockdev-run was not found: install the Debian package "umockdev" (apt-get install umockdev), ' +
    `or set ${NO_UMOCKDEV_ENV}=1 to skip the tests that need it`
  );
}

/** What a program under umockdev-run printed and how it ended. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout lines that were JSON objects, parsed. */
  messages: Array<Record<string, unknown>>;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Options of {@link ModelServer.run}. */
export interface RunOptions {
  /** A TypeScript program, run as `node --import ts-loader.mjs program ...args`. */
  program: string;
  args?: string[];
  env?: Record<string, string>;
  /** Kill the program (and its process group) after this long. */
  timeoutMs?: number;
  /** Called for every JSON line as it arrives. */
  onMessage?: (message: Record<string, unknown>) => void;
}

/** Device models listening on sockets, and a way to run programs against them. */
export class ModelServer {
  readonly #dir: string;
  readonly #servers: Server[] = [];
  readonly #devices: UsbfsDevice[];
  readonly #sockets = new Map<string, string>();

  private constructor(dir: string, devices: UsbfsDevice[]) {
    this.#dir = dir;
    this.#devices = devices;
  }

  /** Listen for every device. */
  static async start(devices: UsbfsDevice[]): Promise<ModelServer> {
    const dir = mkdtempSync(join(tmpdir(), 'webuvc-model-'));
    const server = new ModelServer(dir, devices);
    for (const [index, device] of devices.entries()) {
      const path = join(dir, `device-${index}.sock`);
      const listener = createServer((socket) => device.serve(new IoctlConnection(socket)));
      await new Promise<void>((resolve, reject) => {
        listener.once('error', reject);
        listener.listen(path, () => resolve());
      });
      server.#servers.push(listener);
      server.#sockets.set(device.devnode, path);
    }
    return server;
  }

  /** `devnode=socket` pairs for {@link MODEL_SOCKETS_ENV}. */
  get socketsEnv(): string {
    return [...this.#sockets].map(([devnode, path]) => `${devnode}=${path}`).join(';');
  }

  /**
   * Run a program under umockdev-run with every device of this server. Resolves when it exits
   * (or was killed at the timeout); never leaves the process behind.
   */
  run(options: RunOptions): Promise<RunResult> {
    const deviceFiles = this.#devices.map((device, index) => {
      const file = join(this.#dir, `device-${index}.umockdev`);
      writeFileSync(file, device.record);
      return file;
    });
    const argv = [
      ...deviceFiles.flatMap((file) => ['-d', file]),
      '--',
      process.execPath,
      '--import',
      loaderPath,
      options.program,
      ...(options.args ?? []),
    ];
    const child = spawn('umockdev-run', argv, {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env, [MODEL_SOCKETS_ENV]: this.socketsEnv },
    });

    const result: RunResult = {
      code: null,
      signal: null,
      messages: [],
      stdout: '',
      stderr: '',
      timedOut: false,
    };
    let partial = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      result.stdout += chunk;
      partial += chunk;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const message = parseJsonLine(line);
        if (message === undefined) continue;
        result.messages.push(message);
        options.onMessage?.(message);
      }
    });
    child.stderr.on('data', (chunk: string) => {
      result.stderr += chunk;
    });

    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        result.timedOut = true;
        killGroup(child.pid);
      }, options.timeoutMs ?? 60_000);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        // Anything the program left behind in its process group goes too.
        killGroup(child.pid);
        result.code = code;
        result.signal = signal;
        resolve(result);
      });
    });
  }

  /** Stop listening and remove the sockets. */
  async close(): Promise<void> {
    await Promise.all(
      this.#servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
    );
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function parseJsonLine(line: string): Record<string, unknown> | undefined {
  const text = line.trim();
  if (!text.startsWith('{')) return undefined;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * In the program under umockdev-run: link the model sockets into the testbed. Call this before
 * anything opens a device node.
 */
export function linkModelSockets(): void {
  const root = process.env.UMOCKDEV_DIR;
  const pairs = process.env[MODEL_SOCKETS_ENV];
  if (root === undefined || pairs === undefined) {
    throw new Error(
      `linkModelSockets: expected UMOCKDEV_DIR and ${MODEL_SOCKETS_ENV} in the environment`,
    );
  }
  for (const pair of pairs.split(';')) {
    const [devnode, socket] = pair.split('=');
    if (devnode === undefined || socket === undefined) continue;
    const link = join(root, 'ioctl', devnode);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(socket, link);
  }
}

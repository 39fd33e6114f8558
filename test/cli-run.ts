/**
 * Helpers of the CLI tests: run the built `webuvc` (`npm test` builds first), run Debian's
 * ffmpeg and ffprobe on bytes, and check those tools are there.
 */
import { execFile, spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { projectRoot } from './fixtures.js';

const run = promisify(execFile);

/** The built command. */
export const cliPath = join(projectRoot, 'dist', 'cli', 'main.js');

/** What a finished command printed and how it ended. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `webuvc ...args` to its end. */
export async function webuvc(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cliPath, ...args], {
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** Start `webuvc ...args` with its stdout as a pipe. */
export function startWebuvc(args: string[], env: Record<string, string> = {}): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [cliPath, ...args], { env: { ...process.env, ...env } });
}

/** Fail with the Debian package to install when a tool is missing. */
export function requireTool(tool: string, debianPackage: string): void {
  const found = spawnSync(tool, ['-version'], { encoding: 'utf8' });
  if (found.error || found.status !== 0) {
    throw new Error(`${tool} is not installed: apt-get install -y ${debianPackage}`);
  }
}

/** Run a program with `input` on its stdin; resolves with its output (stdout as bytes). */
export function pipeThrough(
  program: string,
  args: string[],
  input: Uint8Array | NodeJS.ReadableStream,
): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.stdin.on('error', () => undefined);
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr }));
    if (input instanceof Uint8Array) child.stdin.end(input);
    else input.pipe(child.stdin);
  });
}

/** ffprobe's view of the first video stream of `input`, frames counted by decoding. */
export async function probeStream(
  input: Uint8Array | NodeJS.ReadableStream,
  format?: string,
): Promise<Record<string, string | number>> {
  const args = [
    '-v', 'error', '-count_frames',
    '-show_entries', 'stream=codec_name,width,height,pix_fmt,color_range,r_frame_rate,nb_read_frames',
    '-of', 'json',
    ...(format ? ['-f', format] : []),
    '-i', '-',
  ];
  const result = await pipeThrough('ffprobe', args, input);
  if (result.code !== 0) throw new Error(`ffprobe failed (${result.code}): ${result.stderr}`);
  const parsed = JSON.parse(result.stdout.toString('utf8')) as { streams: Array<Record<string, string | number>> };
  const stream = parsed.streams[0];
  if (!stream) throw new Error(`ffprobe found no stream: ${result.stdout.toString('utf8')}`);
  return stream;
}

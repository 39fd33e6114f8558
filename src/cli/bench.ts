/**
 * `webuvc bench`: run the project's benchmarks (`bench/NAME.mjs`) by name, one after another,
 * each as `node bench/NAME.mjs [--json]`. Their output passes through unchanged; on a
 * terminal a progress line says which benchmark runs and for how long.
 *
 * The benchmarks ship with the source tree, not with the npm package; they read the built
 * `dist/` (`npm run build` first).
 *
 * @packageDocumentation
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { CAMERA_OPTIONS, UsageError, asUsage } from './args.js';
import { Progress, progressWanted } from './progress.js';

/** The project root, seen from `dist/cli/` (or `src/cli/`). */
const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BENCH_DIR = fileURLToPath(new URL('../../bench/', import.meta.url));
const BENCH_SUFFIX = '.mjs';
/** Modules in bench/ that are helpers, not benchmarks. */
const HELPERS = new Set(['lib']);
const MS_PER_SECOND = 1000;

/** The benchmarks in `bench/`, sorted by name. */
export function benchmarkNames(dir: string = BENCH_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith(BENCH_SUFFIX))
    .map((file) => file.slice(0, -BENCH_SUFFIX.length))
    .filter((name) => !HELPERS.has(name) && !name.startsWith('_'))
    .sort();
}

/** Run one benchmark; resolves with its exit code. */
function runBenchmark(name: string, json: boolean, progress: Progress): Promise<number> {
  const started = performance.now();
  const script = `${BENCH_DIR}${name}${BENCH_SUFFIX}`;
  const child = spawn(process.execPath, [script, ...(json ? ['--json'] : [])], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const tick = setInterval(() => {
    progress.update((performance.now() - started) / MS_PER_SECOND);
  }, MS_PER_SECOND);
  child.stdout.on('data', (chunk: Buffer) => progress.interrupt(() => process.stdout.write(chunk)));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearInterval(tick);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

/** Run `webuvc bench`. */
export async function benchCommand(argv: string[]): Promise<void> {
  const { values, positionals } = asUsage(() =>
    parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: { json: CAMERA_OPTIONS.json, list: { type: 'boolean' }, help: CAMERA_OPTIONS.help },
    }),
  );
  const available = benchmarkNames();
  if (available.length === 0) {
    throw new UsageError(
      'no benchmarks here: they come with the source tree (bench/), not with the package',
    );
  }
  if (values.list) {
    const text = values.json ? JSON.stringify(available) : available.join('\n');
    process.stdout.write(text + '\n');
    return;
  }
  const unknown = positionals.filter((name) => !available.includes(name));
  if (unknown.length > 0) {
    const names = `${unknown.join(', ')}; there are: ${available.join(', ')}`;
    throw new UsageError(`no benchmark named ${names}`);
  }

  const names = positionals.length > 0 ? positionals : available;
  const json = values.json === true;
  for (const [index, name] of names.entries()) {
    const progress = new Progress({
      label: `webuvc bench ${name} (${index + 1} of ${names.length})`,
      unit: 's',
      enabled: progressWanted(json),
    });
    progress.update(0);
    let code: number;
    try {
      code = await runBenchmark(name, json, progress);
    } finally {
      progress.finish();
    }
    if (code !== 0) throw new Error(`benchmark ${name} failed (exit code ${code})`);
  }
}

#!/usr/bin/env node
/**
 * Build the webuvc native streaming binding (native-bindings/build/Release/webuvc_native.node).
 *
 * The binding is optional: when it cannot be built here — not Linux, no C compiler, no Node
 * headers next to this Node, no node-gyp, no libusb sources — this script says why and exits 0,
 * so installing webuvc never fails; webuvc then streams through node-usb only.
 *
 *   node native-bindings/build.mjs            build, or explain why not (exit 0)
 *   node native-bindings/build.mjs --strict   the same, but exit 1 when it cannot build (CI)
 *
 * Nothing is downloaded: node-gyp is pointed at the headers of the running Node
 * (`--nodedir`), and libusb 1.0.30 is compiled from the sources inside the `usb` package (or,
 * with WEBUVC_SYSTEM_LIBUSB=1, the system's libusb-1.0 is linked through pkg-config).
 * WEBUVC_SKIP_NATIVE=1 skips the build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const strict = process.argv.includes('--strict');
const require = createRequire(import.meta.url);

function say(message) {
  process.stdout.write(`webuvc: ${message}\n`);
}

function giveUp(reason) {
  say(`native streaming binding not built: ${reason}`);
  say('webuvc works without it (node-usb only: bulk cameras, no isochronous streaming).');
  process.exit(strict ? 1 : 0);
}

function works(command, args) {
  const result = spawnSync(command, args, { stdio: 'ignore' });
  return result.status === 0;
}

/** node-gyp: the one npm runs scripts with, a local install, or the copy bundled with npm. */
function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed locally
  }
  if (process.env.npm_execpath) {
    candidates.push(
      join(
        dirname(process.env.npm_execpath),
        '..',
        'node_modules',
        'node-gyp',
        'bin',
        'node-gyp.js',
      ),
    );
  }
  candidates.push(
    join(
      dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
  );
  return candidates.find((candidate) => existsSync(candidate));
}

/** Headers of the running Node: its own prefix, npm's setting, or node-gyp's cache. */
function findNodeDir() {
  const version = process.versions.node;
  const candidates = [
    process.env.npm_config_nodedir,
    resolve(dirname(process.execPath), '..'),
    join(homedir(), '.cache', 'node-gyp', version),
  ].filter(Boolean);
  return candidates.find((dir) => existsSync(join(dir, 'include', 'node', 'node_api.h')));
}

/** The libusb sources the `usb` package ships, as a path relative to this folder. */
function findLibusbSources() {
  try {
    const usbDir = dirname(require.resolve('usb/package.json'));
    const libusbDir = join(usbDir, 'libusb');
    if (existsSync(join(libusbDir, 'libusb', 'core.c'))) return relative(here, libusbDir);
  } catch {
    // usb is not installed
  }
  return undefined;
}

if (process.env.WEBUVC_SKIP_NATIVE === '1') giveUp('WEBUVC_SKIP_NATIVE=1');
if (process.platform !== 'linux') giveUp(`it supports Linux only, and this is ${process.platform}`);
if (!works('cc', ['--version']) && !works('gcc', ['--version']))
  giveUp('no C compiler (cc or gcc) was found; install build-essential');
if (!works('make', ['--version'])) giveUp('make was not found; install build-essential');

const nodeGyp = findNodeGyp();
if (nodeGyp === undefined) giveUp('node-gyp was not found (it comes with npm)');

const nodeDir = findNodeDir();
if (nodeDir === undefined) {
  giveUp(
    `the headers of Node ${process.versions.node} were not found next to ${process.execPath}; set npm_config_nodedir`,
  );
}

const useSystem = process.env.WEBUVC_SYSTEM_LIBUSB === '1';
const libusbDir = useSystem ? undefined : findLibusbSources();
if (useSystem && !works('pkg-config', ['--exists', 'libusb-1.0'])) {
  giveUp('WEBUVC_SYSTEM_LIBUSB=1 but pkg-config finds no libusb-1.0; install libusb-1.0-0-dev');
}
if (!useSystem && libusbDir === undefined)
  giveUp('the libusb sources of the usb package were not found; install usb@2');

// binding.gyp finds the usb package's libusb sources itself (the same resolution as above).
const args = [nodeGyp, 'rebuild', `--nodedir=${nodeDir}`, `--use_system_libusb=${useSystem}`];
say(
  `building the native streaming binding (libusb ${useSystem ? 'from the system' : `sources in ${libusbDir}`})`,
);
const build = spawnSync(process.execPath, args, {
  cwd: here,
  stdio: ['ignore', 'pipe', 'pipe'],
  encoding: 'utf8',
  env: { ...process.env, npm_config_nodedir: nodeDir },
});
if (build.status !== 0) {
  process.stdout.write(build.stdout ?? '');
  process.stdout.write(build.stderr ?? '');
  giveUp(`node-gyp failed (exit ${build.status}); its output is above`);
}
say('native streaming binding built: native-bindings/build/Release/webuvc_native.node');

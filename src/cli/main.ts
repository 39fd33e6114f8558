#!/usr/bin/env node
/**
 * The `webuvc` command.
 *
 * Exit codes: 0 success, 1 an unexpected failure, 2 a usage error, 3 a camera error (its
 * 7400xxx code and name are printed).
 *
 * @packageDocumentation
 */
import { CameraError } from '../errors.js';
import { UsageError } from './args.js';
import { benchCommand } from './bench.js';
import { captureCommand } from './capture.js';
import { controlsCommand } from './controls.js';
import { doctorCommand } from './doctor.js';
import { COMMAND_HELP } from './help.js';
import { infoCommand } from './info.js';
import { listCommand } from './list.js';
import { recordCommand } from './record.js';
import { replayCommand } from './replay.js';
import { serveCommand } from './serve/command.js';
import { streamCommand } from './stream.js';

const EXIT = { OK: 0, FAILURE: 1, USAGE: 2, CAMERA: 3 } as const;

const USAGE = `webuvc: a userspace UVC camera driver

Usage:
  webuvc list [--json]
  webuvc info [--json] [--descriptors FILE | --emulate FILE | --virtual | --device VID:PID]
  webuvc capture [--frames N] [--out DIR] [--format FMT] [--size WxH] [--fps N]
                 [--emulate FILE | --virtual | --device VID:PID] [--json]
  webuvc controls [--json] [--set NAME=VALUE ...] [--emulate FILE | --virtual | --device VID:PID]
  webuvc stream [--to - | --to FILE] [--format FMT] [--size WxH] [--fps N]
                [--frames N | --seconds S] [--json] [camera]
  webuvc serve [--port N] [--host ADDRESS] [--format FMT] [--size WxH] [--fps N] [--json] [camera]
  webuvc doctor [--device VID:PID] [--json]
  webuvc bench [NAME ...] [--json] [--list]
  webuvc record --out FILE.pcapng [--frames N] [--format FMT] [--size WxH] [--fps N] [--json] [camera]
  webuvc replay FILE [--descriptors FILE] [--pace recorded|asap] [--frames N] [--out DIR] [--json]
  webuvc COMMAND --help   (each command's options and examples)

Camera sources:
  (none)            the first attached UVC camera (capture falls back to the built-in
                    virtual camera when no webcam is attached, and says so)
  --device VID:PID  an attached camera by vendor and product ID (hex)
  --emulate FILE    an emulated camera built from descriptors: a raw configuration
                    descriptor (.bin, with its .device.bin beside it when present), a
                    UsbTreeView report, or the text of lsusb -v
  --virtual         webuvc's built-in virtual camera (moving test pattern, YUYV and MJPEG)

Examples:
  webuvc capture --frames 10 --out frames
  webuvc capture --emulate logitech_c920.config.bin --format MJPEG --size 1280x720 --fps 30
  webuvc info --descriptors camera.usbtreeview.txt --json
  webuvc controls --virtual --set exposureMode=manual --set exposure=200
  webuvc stream --virtual --format MJPEG | ffplay -f mjpeg -framerate 30 -
  webuvc serve --virtual
  webuvc doctor
  webuvc record --virtual --format MJPEG --frames 10 --out virtual.pcapng
  webuvc replay virtual.pcapng --out frames

Exit codes: 0 success, 1 unexpected failure, 2 usage error, 3 camera error (7400xxx).`;

type Command = (argv: string[]) => Promise<void>;

const COMMANDS: Record<string, Command> = {
  list: listCommand,
  info: infoCommand,
  capture: captureCommand,
  controls: controlsCommand,
  stream: streamCommand,
  serve: serveCommand,
  doctor: doctorCommand,
  bench: benchCommand,
  record: recordCommand,
  replay: replayCommand,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE + '\n');
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`webuvc: unknown command "${name}"\n\n${USAGE}\n`);
    return EXIT.USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write((COMMAND_HELP[name] ?? USAGE) + '\n');
    return EXIT.OK;
  }

  try {
    await command(rest);
    return EXIT.OK;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`webuvc ${name}: ${error.message}\n(see webuvc ${name} --help)\n`);
      return EXIT.USAGE;
    }
    if (error instanceof CameraError) {
      process.stderr.write(`webuvc ${name}: error ${error.code} ${error.codeName}: ${error.message}\n`);
      return EXIT.CAMERA;
    }
    const system = error as { code?: unknown; syscall?: unknown; path?: unknown } | null;
    if (system && typeof system.code === 'string' && typeof system.syscall === 'string') {
      // A file-system failure (a full disk, a file where a folder should be): say what and where.
      const where = typeof system.path === 'string' ? ` ${system.path}` : '';
      process.stderr.write(`webuvc ${name}: cannot ${system.syscall}${where}: ${system.code}\n`);
      return EXIT.FAILURE;
    }
    process.stderr.write(`webuvc ${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT.FAILURE;
  }
}

// Exit explicitly: an open USB handle or a libusb event thread must not keep a finished command alive.
const code = await main(process.argv.slice(2));
process.stdout.write('', () => process.exit(code));

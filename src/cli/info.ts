/**
 * `webuvc info`: a camera's model, for people or (with `--json`) for scripts.
 *
 * @packageDocumentation
 */
import { describeCamera } from '../camera/describe.js';
import { readDescriptors } from '../camera/uvc-camera.js';
import { parseConfiguration } from '../uvc/descriptors.js';
import type { CameraModel } from '../uvc/model.js';
import { parseArgs } from 'node:util';

import { CAMERA_OPTIONS, asUsage } from './args.js';
import { loadDescriptorFile, openSource } from './source.js';
import { formatCameraInfo } from './text.js';

/** Read the model from a descriptor file or from a camera's own descriptors. */
async function loadModel(values: {
  descriptors?: string | undefined;
  emulate?: string | undefined;
  virtual?: boolean | undefined;
  device?: string | undefined;
}): Promise<{ model: CameraModel; label: string; notes: string[] }> {
  if (values.descriptors !== undefined) {
    const bytes = await loadDescriptorFile(values.descriptors);
    return {
      model: parseConfiguration(bytes.configuration, bytes.device),
      label: values.descriptors,
      notes: bytes.notes ?? [],
    };
  }

  const source = await openSource(values);
  try {
    await source.device.open();
    const bytes = await readDescriptors(source.device);
    return { model: parseConfiguration(bytes.configuration, bytes.device), label: source.label, notes: [] };
  } finally {
    await source.device.close().catch(() => undefined);
  }
}

/** Run `webuvc info`. */
export async function infoCommand(argv: string[]): Promise<void> {
  const { values } = asUsage(() =>
    parseArgs({ args: argv, options: { ...CAMERA_OPTIONS, descriptors: { type: 'string' } }, strict: true }),
  );
  const { model, label, notes } = await loadModel(values);
  const info = describeCamera(model);

  // Notes say which bytes a text dump did not print and were guessed (lsusb -v).
  if (values.json) {
    process.stdout.write(JSON.stringify({ source: label, ...info, notes }, null, 2) + '\n');
    return;
  }
  const noteLines = notes.map((note) => `note: ${note}\n`).join('');
  process.stdout.write(`${label}\n${formatCameraInfo(info)}\n${noteLines}`);
}

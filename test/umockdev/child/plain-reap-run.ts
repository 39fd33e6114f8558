/**
 * Under umockdev-run: link the model sockets, then run a native program (argv[2], with the rest
 * of argv as its arguments) in the same testbed and pass its output through. The benchmark uses
 * it for native-bindings/bench/plain_reap.
 */
import { spawnSync } from 'node:child_process';

import { linkModelSockets } from '../model-server.js';

linkModelSockets();
const [program, ...args] = process.argv.slice(2);
if (program === undefined) throw new Error('usage: plain-reap-run.ts PROGRAM [ARGS...]');
const result = spawnSync(program, args, { stdio: 'inherit' });
process.exit(result.status ?? 1);

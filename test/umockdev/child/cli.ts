/**
 * Under umockdev-run: link the model sockets, then run the built `webuvc` command with this
 * program's arguments, exactly as a user would run it.
 */
import { linkModelSockets } from '../model-server.js';

linkModelSockets();
await import('../../../dist/cli/main.js');

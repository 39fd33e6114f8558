/**
 * Lets a child process run the project's TypeScript sources directly: `node --import
 * ./test/umockdev/ts-loader.mjs file.ts`. Programs under umockdev-run are started this way,
 * outside vitest, so they need their own (type-stripping only) transform.
 */
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);

/**
 * Module hooks for ts-loader.mjs: `.js` specifiers that name a `.ts` source resolve to it
 * (NodeNext style imports), and `.ts` files are loaded with their types stripped.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'rolldown/utils';

export async function resolve(specifier, context, nextResolve) {
  const isRelative = specifier.startsWith('.') || specifier.startsWith('/');
  if (isRelative && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
    const candidate = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
    if (existsSync(fileURLToPath(candidate))) return { url: candidate.href, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (!url.endsWith('.ts')) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const source = await readFile(path, 'utf8');
  const result = transformSync(path, source, { lang: 'ts', sourcemap: false });
  if (result.errors.length > 0) {
    throw new Error(`cannot transform ${path}: ${result.errors.map((e) => e.message).join('; ')}`);
  }
  return { format: 'module', source: result.code, shortCircuit: true };
}

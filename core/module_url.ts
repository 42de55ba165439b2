/**
 * Worker entries and dynamically imported modules are named by their TypeScript source
 * (`new URL('./x_worker.ts', import.meta.url)`): in development and under vitest that file runs
 * through tsx; in the compiled build (dist/, see tsconfig.build.json) only `x_worker.js` exists
 * beside the importer. runnableModuleUrl picks the file that is there, so one call site serves both.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const TS_EXTENSION = /\.(m|c)?ts$/;

/** The URL of the module to load for a source URL: the .ts file when it exists, else its compiled .js sibling. */
export function runnableModuleUrl(url: URL): URL {
  if (url.protocol !== 'file:' || !TS_EXTENSION.test(url.pathname)) return url;
  if (existsSync(fileURLToPath(url))) return url;
  const compiled = new URL(url.href.replace(TS_EXTENSION, (_m, kind: string | undefined) => `.${kind ?? ''}js`));
  return existsSync(fileURLToPath(compiled)) ? compiled : url;
}

/** True for a module that needs the TypeScript loader (tsx), which the compiled build does not ship. */
export function isTypeScriptModule(url: URL): boolean {
  return TS_EXTENSION.test(url.pathname);
}

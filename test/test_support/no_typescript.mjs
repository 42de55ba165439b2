// `node --import ./no_typescript.mjs …`: fails any attempt to load a TypeScript module or tsx, in the
// main thread and in every worker (workers inherit --import). Proves the compiled build needs neither.
import { register } from 'node:module';

register('./no_typescript_hooks.mjs', import.meta.url);

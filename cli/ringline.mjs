#!/usr/bin/env node
// The `ringline` command from source (development, tests): registers tsx's loader (Node 20 cannot
// run .ts itself) and hands over to the CLI's dispatcher. The shipped command is the compiled
// dist/cli/ringline.js (npm run build), which needs no loader.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));

#!/usr/bin/env node
// The `ringline` command. The sources are TypeScript run through tsx's loader (Node 20 cannot run
// .ts itself), so this shim registers the loader and hands over to the CLI's dispatcher.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));

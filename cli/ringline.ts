#!/usr/bin/env node
// The `ringline` command as installed: compiled to dist/cli/ringline.js (npm run build) and run by
// plain node. From a source checkout without a build, cli/ringline.mjs runs the same main through tsx.
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2));

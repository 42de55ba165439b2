// Part of `npm run build`: tsc writes dist/cli/ringline.js without the executable bit. npm's bin
// linking sets it when it installs a package, but `npx ringline` that reuses its cache after a fresh
// clone and build at the same path would run the new, non-executable file: 'Permission denied'.
import { chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
chmodSync(join(root, 'dist', 'cli', 'ringline.js'), 0o755);

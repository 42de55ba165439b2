/** `npm run docs:commands`: writes docs/commands.md from the registry (see commands_doc.ts). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderCommandsDoc } from './commands_doc.ts';

const target = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'commands.md');
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, renderCommandsDoc());
process.stdout.write(`wrote ${target}\n`);

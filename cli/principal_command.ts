/**
 * `ringline principal add --name NAME [--admin] [--data DIR]` and `ringline principal list`.
 * Writes DATA/principals.json directly (a running server re-reads it when it meets an unknown key);
 * with --url it asks a running server's admin route instead (POST /v1/principals, --key = admin key).
 */
import { parseArgs } from 'node:util';
import { PrincipalStore } from '../gateway/principal_store.ts';
import { parsingUsage } from './usage_error.ts';

export const PRINCIPAL_USAGE = `usage: ringline principal add --name NAME [--admin] [--data DIR | --url http://HOST:7401 --key ADMIN_KEY]
       ringline principal list [--data DIR]
  Prints the new principal's id and API key (shown once; only its hash is stored).`;

export async function principalCommand(argv: readonly string[]): Promise<number> {
  const [action, ...rest] = argv;
  const { values } = parsingUsage(`ringline principal`, PRINCIPAL_USAGE, () => parseArgs({
    args: [...rest],
    options: {
      name: { type: 'string' }, admin: { type: 'boolean' }, data: { type: 'string' },
      url: { type: 'string' }, key: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  }));
  if (values.help === true || action === undefined) {
    process.stdout.write(`${PRINCIPAL_USAGE}\n`);
    return action === undefined ? 2 : 0;
  }
  const dataDir = values.data ?? process.env.RINGLINE_DATA ?? './data';
  if (action === 'list') {
    const { store } = PrincipalStore.open(dataDir, process.env.RINGLINE_ADMIN_KEY);
    for (const p of store.list()) process.stdout.write(`${JSON.stringify(p)}\n`);
    return 0;
  }
  if (action !== 'add') {
    process.stderr.write(`ringline principal: unknown action "${action}"\n${PRINCIPAL_USAGE}\n`);
    return 2;
  }
  if (values.name === undefined) {
    process.stderr.write(`ringline principal add: --name is required\n${PRINCIPAL_USAGE}\n`);
    return 2;
  }
  if (values.url !== undefined) {
    const key = values.key ?? process.env.RINGLINE_KEY ?? process.env.RINGLINE_ADMIN_KEY;
    if (key === undefined) {
      process.stderr.write('ringline principal add --url: --key (or RINGLINE_KEY) with an admin key is required\n');
      return 2;
    }
    const response = await fetch(new URL('/v1/principals', values.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: values.name, admin: values.admin === true }),
    });
    const body = await response.text();
    process.stdout.write(`${body}\n`);
    return response.ok ? 0 : 1;
  }
  const { store, generatedAdminKey, adminKeyFile } = PrincipalStore.open(dataDir, process.env.RINGLINE_ADMIN_KEY);
  if (generatedAdminKey !== null) {
    // The key is in a 0600 file; it is shown only to a person at a terminal, never to a pipe or a log.
    process.stderr.write(`created admin principal 1; its key is in ${adminKeyFile} (mode 0600)\n`);
    if (process.stdout.isTTY === true) process.stdout.write(`admin key: ${generatedAdminKey}\n`);
  }
  const added = store.add(values.name, values.admin === true);
  process.stdout.write(`${JSON.stringify({ ...added.principal, key: added.key })}\n`);
  return 0;
}

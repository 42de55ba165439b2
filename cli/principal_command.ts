/**
 * `ringline principal add|revoke|rotate|list`.
 *
 * With --url (a running server; in a cluster, the leader) principals are replicated state: add sends
 * CREATE_PRINCIPAL, revoke REVOKE_PRINCIPAL, rotate ROTATE_PRINCIPAL_KEY through the admin's HTTP
 * command route. The key's secret is generated here and never leaves this process: the engine gets
 * its SHA-256 only. Ids come from the engine's counter (never reused); the key reads rk_<id>_<secret>.
 *
 * Without --url, add and list work on DATA/principals.json directly: principals of that node only
 * (a running server re-reads the file when it meets an unknown key).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { PrincipalStore } from '../gateway/principal_store.ts';
import { keyDigestFields } from '../gateway/replicated_principals.ts';
import { parsingUsage } from './usage_error.ts';

export const PRINCIPAL_USAGE = `usage: ringline principal add [--admin] --url http://HOST:7401 [--key ADMIN_KEY]   replicated (every node, every replay)
       ringline principal revoke --id ID --url http://HOST:7401 [--key ADMIN_KEY]      refused at once on every node
       ringline principal rotate --id ID --url http://HOST:7401 [--key ADMIN_KEY]      a new key; the old one stops working
       ringline principal add --name NAME [--admin] [--data DIR]                      this node's principals.json only
       ringline principal list [--data DIR]                                           this node's principals.json
  add and rotate print the principal's id and API key (shown once; only its hash is stored).
  --key defaults to RINGLINE_KEY, then RINGLINE_ADMIN_KEY.`;

interface CommandAnswer {
  readonly code?: number;
  readonly status?: string;
  readonly message?: string;
  readonly result?: { readonly type?: string; readonly principalId?: number };
}

/** Sends one admin command over HTTP; returns the status and the parsed answer (null if not JSON). */
async function sendCommand(url: string, key: string, command: Record<string, unknown>): Promise<{ ok: boolean; body: string; answer: CommandAnswer | null }> {
  const response = await fetch(new URL(`/v1/commands/${String(command.type)}`, url), {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    // An idempotency id: a retried request (a lost answer) is applied once.
    body: JSON.stringify({ ...command, idempotencyId: randomInt(1, 2 ** 47) }),
  });
  const body = await response.text();
  let answer: CommandAnswer | null = null;
  try {
    answer = JSON.parse(body) as CommandAnswer;
  } catch {
    answer = null;
  }
  return { ok: response.ok && answer?.code === 0, body, answer };
}

function newSecret(): string {
  return randomBytes(24).toString('base64url');
}

export async function principalCommand(argv: readonly string[]): Promise<number> {
  const [action, ...rest] = argv;
  const { values } = parsingUsage(`ringline principal`, PRINCIPAL_USAGE, () => parseArgs({
    args: [...rest],
    options: {
      name: { type: 'string' }, admin: { type: 'boolean' }, data: { type: 'string' }, id: { type: 'string' },
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
  if (action !== 'add' && action !== 'revoke' && action !== 'rotate') {
    process.stderr.write(`ringline principal: unknown action "${action}"\n${PRINCIPAL_USAGE}\n`);
    return 2;
  }
  if (values.url !== undefined) return replicatedCommand(action, values);
  if (action !== 'add') {
    process.stderr.write(`ringline principal ${action}: --url (a running server) is required: ${action} is a journaled command\n${PRINCIPAL_USAGE}\n`);
    return 2;
  }
  if (values.name === undefined) {
    process.stderr.write(`ringline principal add: --name is required (or --url for a replicated principal)\n${PRINCIPAL_USAGE}\n`);
    return 2;
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

/** add / revoke / rotate against a running server: journaled commands, the same on every node. */
async function replicatedCommand(action: 'add' | 'revoke' | 'rotate', values: { url?: string; key?: string; id?: string; admin?: boolean }): Promise<number> {
  const url = values.url!;
  const key = values.key ?? process.env.RINGLINE_KEY ?? process.env.RINGLINE_ADMIN_KEY;
  if (key === undefined) {
    process.stderr.write(`ringline principal ${action} --url: --key (or RINGLINE_KEY) with an admin key is required\n`);
    return 2;
  }
  let id = 0;
  if (action !== 'add') {
    id = Number(values.id);
    if (values.id === undefined || !/^[1-9][0-9]{0,9}$/.test(values.id) || id > 0xffffffff) {
      process.stderr.write(`ringline principal ${action}: --id must be a principal id (an integer from 1 to 4294967295); got ${JSON.stringify(values.id)}\n`);
      return 2;
    }
  }
  const secret = action === 'revoke' ? '' : newSecret();
  const command = action === 'add' ? { type: 'createPrincipal', admin: values.admin === true ? 1 : 0, ...keyDigestFields(secret) }
    : action === 'rotate' ? { type: 'rotatePrincipalKey', principalId: id, ...keyDigestFields(secret) }
    : { type: 'revokePrincipal', principalId: id };
  const sent = await sendCommand(url, key, command);
  const principalId = sent.answer?.result?.principalId;
  if (!sent.ok || typeof principalId !== 'number') {
    process.stderr.write(`ringline principal ${action}: refused: ${sent.body}\n`);
    return 1;
  }
  const out: Record<string, unknown> = { id: principalId, ...(action === 'add' ? { admin: values.admin === true } : {}), ...(action === 'revoke' ? { revoked: true } : {}) };
  if (secret !== '') out.key = `rk_${principalId}_${secret}`;
  process.stdout.write(`${JSON.stringify(out)}\n`);
  return 0;
}

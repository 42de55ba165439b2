/**
 * `ringline call <command> --json '{...}' [--key K] [--url tcp://127.0.0.1:7400]`: sends one command
 * through the TypeScript client and prints the JSON response. Exit code 0 when the result code is 0.
 */
import { parseArgs } from 'node:util';
import type { CommandJson } from '../codec/types/command_json.ts';
import { RinglineClient } from '../client/ringline_client.ts';
import { parsingUsage } from './usage_error.ts';

export const CALL_USAGE = `usage: ringline call <command> [--json '{...}'] [--key KEY] [--url tcp://127.0.0.1:7400 | ws://127.0.0.1:7401]
  <command> is a command type in camelCase or kebab-case (createAccount, create-account, buy, getBalance...).
  The key comes from --key, RINGLINE_KEY or RINGLINE_ADMIN_KEY; the url from --url or RINGLINE_URL.
  example: ringline call deposit --json '{"accountId":1,"assetId":1,"amount":100}' --key $RINGLINE_ADMIN_KEY`;

export async function callCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parsingUsage('ringline call', CALL_USAGE, () => parseArgs({
    args: [...argv],
    options: { json: { type: 'string' }, key: { type: 'string' }, url: { type: 'string' } },
    strict: true,
    allowPositionals: true,
  }));
  if (positionals.length !== 1) {
    process.stderr.write(`ringline call: name exactly one command\n${CALL_USAGE}\n`);
    return 2;
  }
  const type = camelCase(positionals[0]);
  let body: unknown = {};
  if (values.json !== undefined) {
    try {
      body = JSON.parse(values.json);
    } catch (error) {
      process.stderr.write(`ringline call: --json is not valid JSON: ${(error as Error).message}\n`);
      return 2;
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      process.stderr.write('ringline call: --json must be a JSON object\n');
      return 2;
    }
  }
  const apiKey = values.key ?? process.env.RINGLINE_KEY ?? process.env.RINGLINE_ADMIN_KEY;
  if (apiKey === undefined || apiKey === '') {
    process.stderr.write('ringline call: an API key is required (--key, RINGLINE_KEY or RINGLINE_ADMIN_KEY)\n');
    return 2;
  }
  const url = values.url ?? process.env.RINGLINE_URL ?? 'tcp://127.0.0.1:7400';
  const client = await RinglineClient.connect({ url, apiKey, reconnect: false });
  try {
    const response = await client.send({ ...(body as object), type } as CommandJson);
    process.stdout.write(`${JSON.stringify(response, null, 2)}\n`);
    return response.code === 0 ? 0 : 1;
  } finally {
    await client.close();
  }
}

function camelCase(name: string): string {
  return name.replace(/[-_]([a-z])/g, (_m, c: string) => c.toUpperCase());
}

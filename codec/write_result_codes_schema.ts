/**
 * Writes the `enum ResultCode` block of codec/ringline.fbs from codec/result_codes.ts, so the schema
 * every language generates from carries the same names, numbers and messages (as doc comments) as the
 * gateway sends. Run `npm run schema:result-codes` after adding a code, then `npm run codegen`;
 * codec/result_codes.test.ts fails until both are done.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ResultCode, resultMessage } from './result_codes.ts';

const SCHEMA = fileURLToPath(new URL('./ringline.fbs', import.meta.url));
const BLOCK = /enum ResultCode : uint16 \{[\s\S]*?\n\}/;
/** The subsystem heading of each hundred (result_codes.ts groups codes the same way). */
const HUNDREDS: Readonly<Record<number, string>> = {
  1: '1xx protocol / gateway', 2: '2xx authentication / authorization', 3: '3xx ledger',
  4: '4xx inventory, tickets, checkout', 5: '5xx matching', 9: '9xx engine',
};

export function resultCodeEnumBlock(): string {
  const lines = ['enum ResultCode : uint16 {'];
  let hundred = 0;
  for (const [name, code] of Object.entries(ResultCode)) {
    const h = Math.floor(code / 100);
    if (h !== hundred && h > 0) {
      const heading = HUNDREDS[h];
      if (heading === undefined) throw new Error(`result code ${name}=${code}: no schema heading for ${h}xx`);
      lines.push(`  // ${heading}`);
    }
    hundred = h;
    lines.push(`  /// ${resultMessage(code)}`, `  ${name} = ${code},`);
  }
  lines.push('}');
  return lines.join('\n');
}

export function writeResultCodesSchema(path = SCHEMA): boolean {
  const schema = readFileSync(path, 'utf8');
  if (!BLOCK.test(schema)) throw new Error(`${path} has no enum ResultCode block`);
  const next = schema.replace(BLOCK, resultCodeEnumBlock());
  if (next === schema) return false;
  writeFileSync(path, next);
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(writeResultCodesSchema() ? `wrote the ResultCode enum into ${SCHEMA}\n` : `${SCHEMA} is up to date\n`);
}

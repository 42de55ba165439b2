import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { ResultCode as SchemaResultCode } from './generated/ringline/wire/result-code.ts';
import { ResultCode, resultMessage } from './result_codes.ts';
import { resultCodeEnumBlock } from './write_result_codes_schema.ts';

/** The values of a TypeScript numeric enum (which also maps numbers back to names). */
function enumEntries(e: Record<string, string | number>): [string, number][] {
  return Object.entries(e).filter((entry): entry is [string, number] => typeof entry[1] === 'number');
}

describe('result codes', () => {
  it('are the same names and numbers in codec/ringline.fbs (every language) and codec/result_codes.ts', () => {
    expect(enumEntries(SchemaResultCode as unknown as Record<string, string | number>)).toEqual(Object.entries(ResultCode));
  });

  it('carry the same message in the schema\'s doc comments as the gateway sends', () => {
    const schema = readFileSync(new URL('./ringline.fbs', import.meta.url), 'utf8');
    const block = /enum ResultCode : uint16 \{([\s\S]*?)\n\}/.exec(schema)?.[1] ?? '';
    const documented = [...block.matchAll(/\/\/\/ (.*)\n\s+([A-Z_]+) = (\d+)/g)].map((m) => [m[2], Number(m[3]), m[1]]);
    expect(documented).toEqual(Object.entries(ResultCode).map(([name, code]) => [name, code, resultMessage(code)]));
  });

  it('match what `npm run schema:result-codes` writes, headings included', () => {
    const schema = readFileSync(new URL('./ringline.fbs', import.meta.url), 'utf8');
    expect(schema).toContain(resultCodeEnumBlock());
  });
});

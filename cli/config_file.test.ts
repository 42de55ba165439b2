import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfigFile } from './config_file.ts';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ringline-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function file(text: string): string {
  const path = join(dir, 'ringline.json');
  writeFileSync(path, text);
  return path;
}

describe('readConfigFile', () => {
  it('returns the keys and the engine object ({} when there is none)', () => {
    expect(readConfigFile(file('{"tcpPort":1,"engine":{"logic":{"maxItems":4}}}'))).toEqual({
      keys: { tcpPort: 1, engine: { logic: { maxItems: 4 } } }, engine: { logic: { maxItems: 4 } },
    });
    expect(readConfigFile(file('{}')).engine).toEqual({});
  });

  it('refuses, naming the file: unreadable, not JSON, not an object, an engine that is not an object', () => {
    const missing = join(dir, 'missing.json');
    expect(() => readConfigFile(missing)).toThrow(`cannot read config file ${missing}`);
    const path = file('{');
    expect(() => readConfigFile(path)).toThrow(`config file ${path} is not valid JSON`);
    expect(() => readConfigFile(file('[1]'))).toThrow(`config file ${path} must hold a JSON object`);
    expect(() => readConfigFile(file('{"engine":[]}'))).toThrow(`${path}: "engine" must be an object`);
  });

  it('accepts engine.logic.maxPrincipals and validates every logic capacity up front, naming option and range', () => {
    expect(readConfigFile(file('{"engine":{"logic":{"maxPrincipals":8}}}')).engine).toEqual({ logic: { maxPrincipals: 8 } });
    const path = join(dir, 'ringline.json');
    for (const bad of ['0', '1.5', '"8"', '268435457']) {
      expect(() => readConfigFile(file(`{"engine":{"logic":{"maxPrincipals":${bad}}}}`)))
        .toThrow(`config file ${path}: logic config: maxPrincipals must be an integer between 1 and 268435456, got ${JSON.parse(bad) as unknown}`);
    }
    expect(() => readConfigFile(file('{"engine":{"logic":{"maxOrders":0}}}'))).toThrow(/logic config: maxOrders must be an integer between 1 and 268435456, got 0/);
    expect(() => readConfigFile(file('{"engine":{"logic":{"quotas":{"openOrders":-1}}}}'))).toThrow(/quotas\.openOrders must be an integer/);
    expect(() => readConfigFile(file('{"engine":{"logic":{"maxPrincipal":8}}}'))).toThrow(/unknown key engine\.logic\.maxPrincipal; .*maxPrincipals/);
  });
});

import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveStartOptions } from './start_options.ts';

describe('resolveStartOptions', () => {
  it('uses the defaults with no flags', () => {
    const o = resolveStartOptions([], {});
    expect(o.dataDir).toBe('./data');
    expect(o.durability).toBe('fsync');
    expect(o.gateway.tcpPort).toBe(7400);
    expect(o.gateway.wsPort).toBe(7401);
  });

  it('takes flags over environment over the config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringline-cfg-'));
    const file = join(dir, 'ringline.json');
    writeFileSync(file, JSON.stringify({ tcpPort: 9000, wsPort: 9001, host: '0.0.0.0', engine: { ringCapacity: 1024 } }));
    const o = resolveStartOptions(['--config', file, '--tcp-port', '9100'], { RINGLINE_WS_PORT: '9201', RINGLINE_DURABILITY: 'none' });
    expect(o.gateway.tcpPort).toBe(9100);
    expect(o.gateway.wsPort).toBe(9201);
    expect(o.gateway.host).toBe('0.0.0.0');
    expect(o.durability).toBe('none');
    expect(o.engine).toEqual({ ringCapacity: 1024 });
  });

  it('names the option and the accepted range in every error', () => {
    expect(() => resolveStartOptions(['--tcp-port', 'abc'], {})).toThrow(/--tcp-port must be an integer/);
    expect(() => resolveStartOptions(['--tcp-port', '70000'], {})).toThrow(/tcpPort must be an integer in \[-1, 65535\], got 70000/);
    expect(() => resolveStartOptions([], { RINGLINE_DURABILITY: 'sometimes' })).toThrow(/durability must be one of fsync, batch, none/);
    expect(() => resolveStartOptions(['--bogus', '1'], {})).toThrow(/Unknown option '--bogus'/);
    expect(() => resolveStartOptions(['--config', '/nonexistent/x.json'], {})).toThrow(/cannot read config file/);
    const dir = mkdtempSync(join(tmpdir(), 'ringline-cfg-'));
    writeFileSync(join(dir, 'bad.json'), '{"tcpPortt": 1}');
    expect(() => resolveStartOptions(['--config', join(dir, 'bad.json')], {})).toThrow(/unknown option "tcpPortt"/);
  });

  it('turns on journal repair with --repair or RINGLINE_REPAIR=1, over the config file', () => {
    expect(resolveStartOptions([], {}).engine.repair).toBeUndefined();
    expect(resolveStartOptions(['--repair'], {}).engine).toEqual({ repair: true });
    expect(resolveStartOptions([], { RINGLINE_REPAIR: '1' }).engine).toEqual({ repair: true });
    expect(resolveStartOptions([], { RINGLINE_REPAIR: '0' }).engine.repair).toBeUndefined();
    const dir = mkdtempSync(join(tmpdir(), 'ringline-cfg-'));
    const file = join(dir, 'ringline.json');
    writeFileSync(file, JSON.stringify({ engine: { ringCapacity: 1024, repair: false } }));
    expect(resolveStartOptions(['--config', file, '--repair'], {}).engine).toEqual({ ringCapacity: 1024, repair: true });
    expect(resolveStartOptions(['--config', file], {}).engine).toEqual({ ringCapacity: 1024, repair: false });
    expect(() => resolveStartOptions([], { RINGLINE_REPAIR: 'yes' })).toThrow(/RINGLINE_REPAIR must be 1 or 0, got "yes"/);
    expect(() => resolveStartOptions(['--repair=1'], {})).toThrow(/--repair/);
  });
});

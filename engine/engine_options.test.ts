import { describe, expect, it } from 'vitest';
import { DEFAULT_BATCH_MAX, DEFAULT_RING_CAPACITY, DEFAULT_WAIT_STRATEGY, validateEngineOptions, type EngineOptions } from './engine_options.ts';

const base: EngineOptions = { dataDir: '/tmp/ringline-options-test' };

describe('validateEngineOptions', () => {
  it('fills every default', () => {
    const o = validateEngineOptions(base);
    expect(o.ringCapacity).toBe(DEFAULT_RING_CAPACITY);
    expect(o.outputRingCapacity).toBe(DEFAULT_RING_CAPACITY);
    expect(o.waitStrategy).toBe(DEFAULT_WAIT_STRATEGY);
    expect(o.batchMax).toBe(DEFAULT_BATCH_MAX);
    expect(o.journal.durability).toBe('fsync');
    expect(o.journal.dataDir).toBe(base.dataDir);
    expect(o.logic.maxAccounts).toBeGreaterThan(0);
    expect(o.recoveryModule?.pathname).toMatch(/replay\/recovery\.ts$/);
    expect(o.journalerEntry.pathname).toMatch(/journal\/journaler_worker\.ts$/);
    expect(o.repair).toBe(false);
    expect(o.events).toBe(true);
    expect(validateEngineOptions({ ...base, events: false }).events).toBe(false);
  });

  it.each<[Partial<EngineOptions> & Record<string, unknown>, RegExp]>([
    [{ dataDir: '' }, /engine option dataDir must be a non-empty directory path/],
    [{ ringCapacity: 1000 }, /engine option ringCapacity must be a power of two from 64 to 16777216; got 1000/],
    [{ ringCapacity: 32 }, /engine option ringCapacity must be an integer from 64 to 16777216; got 32/],
    [{ outputRingCapacity: 3.5 }, /engine option outputRingCapacity must be an integer/],
    [{ waitStrategy: 'yield' as never }, /engine option waitStrategy must be one of busy_spin, spin_yield, spin_park; got yield/],
    [{ batchMax: 0 }, /engine option batchMax must be an integer from 1 to 16384; got 0/],
    [{ ringCapacity: 256, batchMax: 512 }, /engine option batchMax must be an integer from 1 to 256; got 512/],
    [{ snapshotEveryCommands: -1 }, /engine option snapshotEveryCommands must be an integer from 0/],
    [{ snapshotsKept: 0 }, /engine option snapshotsKept must be an integer from 1 to 1000; got 0/],
    [{ repair: 'yes' as never }, /engine option repair must be a boolean; got yes/],
    [{ events: 'off' as never }, /engine option events must be a boolean \(true: emit event records, false: off\); got off/],
    [{ stopTimeoutMs: 50 }, /engine option stopTimeoutMs must be an integer from 100 to 3600000; got 50/],
    [{ recoveryReaderThreadMinBytes: -1 }, /engine option recoveryReaderThreadMinBytes must be an integer from 0 to 9007199254740991; got -1/],
    [{ recoveryReaderThreadHandOverAt: 0.5 }, /engine option recoveryReaderThreadHandOverAt must be an integer from 0/],
    [{ onFatal: 3 as never }, /engine option onFatal must be a function/],
    [{ logic: { maxAccounts: 0 } }, /maxAccounts must be an integer between 1 and/],
    [{ journal: { durability: 'sometimes' as never } }, /journal option durability must be one of fsync, batch, none; got sometimes/],
    [{ stateMachineModule: './x.ts' as never }, /engine option stateMachineModule must be a URL/],
    [{ ringSize: 4 }, /unknown engine option ringSize/],
    [{ replicator: { entry: new URL('file:///r.ts'), mode: 'eventually' as never } }, /engine option replicator.mode must be sync or async; got eventually/],
    [{ replicator: { entry: 'r.ts' as never } }, /engine option replicator.entry must be a URL/],
  ])('rejects %o naming the option and its range', (override, message) => {
    expect(() => validateEngineOptions({ ...base, ...override } as EngineOptions)).toThrow(message);
  });

  it('accepts null recovery (start empty) and an explicit wait strategy', () => {
    const o = validateEngineOptions({ ...base, recoveryModule: null, waitStrategy: 'busy_spin', ringCapacity: 64, batchMax: 64 });
    expect(o.recoveryModule).toBeNull();
    expect(o.waitStrategy).toBe('busy_spin');
  });
});

import { describe, expect, it } from 'vitest';
import { PrincipalResult } from '../../codec/records/result_descriptor.ts';
import { ResultCode as R } from '../../codec/result_codes.ts';
import { LogicHarness } from './test_support/logic_harness.ts';
import { ADMIN, ALICE, runRows, SMALL_CONFIG } from './test_support/scenario_table.ts';
import { createStateMachine } from './state_machine.ts';
import { computeStateHash, stateHashHex, stateHashOut } from './state_hash.ts';
import type { ArenaSection } from './state_arena.ts';

const hashOf = (sections: readonly ArenaSection[]): string => {
  computeStateHash(sections);
  return stateHashHex(stateHashOut.high, stateHashOut.low);
};
import { FIRST_REPLICATED_PRINCIPAL_ID as FIRST, PRINCIPAL_ROW_WORDS, PRINCIPAL_TABLE_SECTION, PrincipalStatus, PrincipalWord } from './principal_registry.ts';

const DIGEST = { keyDigest0: 1, keyDigest1: 2, keyDigest2: 3, keyDigest3: 4, keyDigest4: 5, keyDigest5: 6, keyDigest6: 7, keyDigest7: 0xffffffff };
const OTHER = { ...DIGEST, keyDigest0: 99 };

describe('principals as replicated state', () => {
  it('hands out ids from a counter, never twice; revoke and rotate follow their ladders', () => {
    const machine = createStateMachine({ ...SMALL_CONFIG, maxPrincipals: 3 });
    const h = new LogicHarness(machine);
    const idOf = (r: ReturnType<LogicHarness['run']>): number => r.f64(PrincipalResult.PRINCIPAL_ID);
    runRows([
      [ALICE, { kind: 'createPrincipal', admin: 0, ...DIGEST }, R.ADMIN_REQUIRED],
      [ADMIN, { kind: 'createPrincipal', admin: 2, ...DIGEST }, R.INVALID_FIELD_VALUE],
      [ADMIN, { kind: 'revokePrincipal', principalId: FIRST }, R.PRINCIPAL_NOT_FOUND],
      [ADMIN, { kind: 'rotatePrincipalKey', principalId: FIRST, ...OTHER }, R.PRINCIPAL_NOT_FOUND],
      [ADMIN, { kind: 'revokePrincipal', principalId: 1 }, R.PRINCIPAL_NOT_FOUND], // a node-local principal is not in this table
      [ADMIN, { kind: 'revokePrincipal', principalId: FIRST + 0.5 }, R.PRINCIPAL_NOT_FOUND],
    ], h);
    expect(idOf(h.run(ADMIN, { kind: 'createPrincipal', admin: 0, ...DIGEST }))).toBe(FIRST);
    expect(idOf(h.run(ADMIN, { kind: 'createPrincipal', admin: 1, ...DIGEST }))).toBe(FIRST + 1);
    const table = machine.principals.table;
    expect([...table.subarray(0, PRINCIPAL_ROW_WORDS)]).toEqual([PrincipalStatus.ACTIVE, 0, 1, 2, 3, 4, 5, 6, 7, 0xffffffff]);
    expect(table[PRINCIPAL_ROW_WORDS + PrincipalWord.ADMIN]).toBe(1);
    expect(idOf(h.run(ADMIN, { kind: 'rotatePrincipalKey', principalId: FIRST, ...OTHER }))).toBe(FIRST);
    expect(table[PrincipalWord.DIGEST]).toBe(99);
    expect(idOf(h.run(ADMIN, { kind: 'revokePrincipal', principalId: FIRST }))).toBe(FIRST);
    runRows([
      [ADMIN, { kind: 'revokePrincipal', principalId: FIRST }, R.PRINCIPAL_REVOKED],
      [ADMIN, { kind: 'rotatePrincipalKey', principalId: FIRST, ...DIGEST }, R.PRINCIPAL_REVOKED],
      // The revoked principal's own commands are refused, whatever they are, even with the admin flag.
      [{ principalId: FIRST }, { kind: 'createAccount', accountId: 7 }, R.PRINCIPAL_REVOKED],
      [{ principalId: FIRST, admin: true }, { kind: 'getStateHash' }, R.PRINCIPAL_REVOKED],
      [{ principalId: FIRST + 1 }, { kind: 'createAccount', accountId: 7 }, R.OK],
    ], h);
    // A revoked id stays taken: the next one is new, and the table ends, it does not wrap or reuse.
    expect(idOf(h.run(ADMIN, { kind: 'createPrincipal', admin: 0, ...DIGEST }))).toBe(FIRST + 2);
    runRows([[ADMIN, { kind: 'createPrincipal', admin: 0, ...DIGEST }, R.PRINCIPAL_TABLE_FULL]], h);
    expect(table[PrincipalWord.STATUS]).toBe(PrincipalStatus.REVOKED);
  });

  it('snapshots carry the table and the counter; a snapshot from before principals loads with none', () => {
    const machine = createStateMachine(SMALL_CONFIG);
    const h = new LogicHarness(machine);
    h.run(ADMIN, { kind: 'createPrincipal', admin: 0, ...DIGEST });
    h.run(ADMIN, { kind: 'revokePrincipal', principalId: FIRST });
    const copy = createStateMachine(SMALL_CONFIG);
    copy.importState(machine.exportState());
    expect(copy.stateHash()).toBe(machine.stateHash());
    expect(new LogicHarness(copy).run(ADMIN, { kind: 'createPrincipal', admin: 0, ...DIGEST }).f64(PrincipalResult.PRINCIPAL_ID)).toBe(FIRST + 1);
    expect(copy.principals.revoked(FIRST)).toBe(true);
    // The table is shared memory, for the gateway's reader on another thread.
    expect(copy.arena.sharedSection(PRINCIPAL_TABLE_SECTION)).toBeInstanceOf(SharedArrayBuffer);

    // A snapshot written before principals were state: no principal sections, and a hash over the others.
    const before = createStateMachine(SMALL_CONFIG);
    new LogicHarness(before).run(ADMIN, { kind: 'createAsset', assetId: 1 });
    const old = before.exportState().filter((s) => !s.name.startsWith('principals.'));
    const oldHash = hashOf(before.arena.list().filter((s) => !s.name.startsWith('principals.')));
    expect(before.stateHash()).toBe(oldHash); // no principal yet: the hash leaves the pristine sections out
    const loaded = createStateMachine(SMALL_CONFIG);
    loaded.importState(old);
    expect(loaded.stateHash()).toBe(oldHash);
    expect(() => loaded.importState(old.slice(0, -1))).toThrow(/expected \d+ sections, got/);
    // Once a principal exists the hash covers its sections.
    new LogicHarness(loaded).run(ADMIN, { kind: 'createPrincipal', admin: 0, ...DIGEST });
    expect(loaded.stateHash()).toBe(hashOf(loaded.arena.list()));
  });
});

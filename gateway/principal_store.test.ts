import { describe, it, expect } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_KEY_FILE_NAME, ADMIN_PRINCIPAL_ID, PRINCIPALS_FILE_NAME, PrincipalStore } from './principal_store.ts';

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'ringline-principals-'));

describe('PrincipalStore', () => {
  it('generates an admin key once, stores only its hash, and authenticates it after a reopen', () => {
    const dir = tempDir();
    const first = PrincipalStore.open(dir);
    expect(first.generatedAdminKey).toMatch(/^rk_1_/);
    const key = first.generatedAdminKey as string;
    expect(readFileSync(join(dir, PRINCIPALS_FILE_NAME), 'utf8')).not.toContain(key.slice(5));
    const again = PrincipalStore.open(dir);
    expect(again.generatedAdminKey).toBeNull();
    expect(again.store.authenticate(key)).toEqual({ id: ADMIN_PRINCIPAL_ID, name: 'admin', admin: true });
    expect(again.store.authenticate(key + 'x')).toBeNull();
    expect(again.store.authenticate('')).toBeNull();
  });

  it('writes a generated admin key to DATA/admin.key readable by its owner only, and no file for an operator key', () => {
    const dir = tempDir();
    const { generatedAdminKey, adminKeyFile } = PrincipalStore.open(dir);
    expect(adminKeyFile).toBe(join(dir, ADMIN_KEY_FILE_NAME));
    expect(readFileSync(join(dir, ADMIN_KEY_FILE_NAME), 'utf8')).toBe(`${generatedAdminKey}\n`);
    expect(statSync(join(dir, ADMIN_KEY_FILE_NAME)).mode & 0o777).toBe(0o600);
    const chosen = tempDir();
    expect(PrincipalStore.open(chosen, 'operator-chosen-admin-key').adminKeyFile).toBeNull();
    expect(existsSync(join(chosen, ADMIN_KEY_FILE_NAME))).toBe(false);
  });

  it('uses an operator-chosen admin key and rejects a short one', () => {
    const dir = tempDir();
    const { store, generatedAdminKey } = PrincipalStore.open(dir, 'operator-chosen-admin-key');
    expect(generatedAdminKey).toBeNull();
    expect(store.authenticate('operator-chosen-admin-key')?.admin).toBe(true);
    expect(store.authenticate('operator-chosen-admin-kez')).toBeNull();
    expect(() => PrincipalStore.open(tempDir(), 'short')).toThrow(/RINGLINE_ADMIN_KEY must be 16\.\.256 characters/);
  });

  it('adds principals with distinct ids and keys; a key never authenticates as another principal', () => {
    const dir = tempDir();
    const { store } = PrincipalStore.open(dir);
    const alice = store.add('alice');
    const bob = store.add('bob');
    expect(alice.principal).toEqual({ id: 2, name: 'alice', admin: false });
    expect(bob.principal.id).toBe(3);
    expect(store.authenticate(alice.key)?.id).toBe(2);
    expect(store.authenticate(bob.key)?.id).toBe(3);
    const forged = `rk_3_${alice.key.split('_').slice(2).join('_')}`;
    expect(store.authenticate(forged)).toBeNull();
    expect(() => store.add('alice')).toThrow(/already taken/);
    expect(() => store.add('no spaces')).toThrow(/principal name must match/);
  });

  it('a running store sees principals added by another process through the file', () => {
    const dir = tempDir();
    const server = PrincipalStore.open(dir).store;
    const cli = PrincipalStore.open(dir).store;
    const carol = cli.add('carol');
    expect(server.authenticate(carol.key)?.name).toBe('carol');
  });
});

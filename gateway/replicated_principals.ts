/**
 * The gateway's reader of the replicated principal table (core/logic/principal_registry.ts): the
 * logic thread writes it in shared memory (on a follower: its read-only mirror's state), the gateway
 * checks a key `rk_<id>_<secret>` against it. Only the SHA-256 of the secret is in the table; the
 * comparison looks at every word whatever matches (no early exit).
 *
 * A principal revoked in the table is refused at once; an id the table has never seen falls back to
 * the node's own DATA/principals.json (principal_store.ts).
 */
import { createHash } from 'node:crypto';
import {
  FIRST_REPLICATED_PRINCIPAL_ID, KEY_DIGEST_WORDS, PRINCIPAL_ROW_WORDS, PrincipalStatus, PrincipalWord,
} from '../core/logic/principal_registry.ts';

export type ReplicatedLookup =
  /** Not a replicated id (or no table here): ask the node's own store. */
  | { readonly kind: 'unknown' }
  | { readonly kind: 'refused' }
  | { readonly kind: 'principal'; readonly admin: boolean };

/** Where the table is now (it changes with the engine a node runs: leader, follower). */
export type PrincipalTableSource = () => Uint32Array | null;

/** The SHA-256 of a key's secret as the 8 big-endian words a principal command carries. */
export function keyDigestWords(secret: string): number[] {
  const digest = createHash('sha256').update(secret, 'utf8').digest();
  const words: number[] = [];
  for (let i = 0; i < KEY_DIGEST_WORDS; i++) words.push(digest.readUInt32BE(i * 4));
  return words;
}

/** The key digest fields of a principal command (keyDigest0..7). */
export function keyDigestFields(secret: string): Record<`keyDigest${number}`, number> {
  const fields: Record<string, number> = {};
  keyDigestWords(secret).forEach((word, i) => { fields[`keyDigest${i}`] = word; });
  return fields;
}

export function lookupReplicated(table: Uint32Array | null, id: number, secret: string): ReplicatedLookup {
  const row = id - FIRST_REPLICATED_PRINCIPAL_ID;
  if (table === null || row < 0 || (row + 1) * PRINCIPAL_ROW_WORDS > table.length) return { kind: 'unknown' };
  const at = row * PRINCIPAL_ROW_WORDS;
  const status = table[at + PrincipalWord.STATUS];
  if (status === PrincipalStatus.NONE) return { kind: 'unknown' };
  const words = keyDigestWords(secret);
  let difference = 0;
  for (let i = 0; i < KEY_DIGEST_WORDS; i++) difference |= (table[at + PrincipalWord.DIGEST + i] ^ words[i]) >>> 0;
  if (status !== PrincipalStatus.ACTIVE || difference !== 0) return { kind: 'refused' };
  return { kind: 'principal', admin: table[at + PrincipalWord.ADMIN] === 1 };
}

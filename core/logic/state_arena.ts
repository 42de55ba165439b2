/**
 * Every piece of business-logic state lives in a typed array allocated here, once, at start-up.
 * The arena remembers each array as a named section so that snapshots (exportState/importState),
 * the state hash and the start-up memory report all walk the same list in the same order.
 *
 * Nothing is allocated after construction: modules keep direct references to their arrays.
 */
import type { StateSection } from './state_machine_api.ts';

/** A section plus a word view over it for hashing (every section is a whole number of 8-byte words). */
export interface ArenaSection extends StateSection {
  readonly words: Uint32Array;
  /** False for bookkeeping that a replay may legitimately differ in (the last applied sequence). */
  readonly hashed: boolean;
}

export class StateArena {
  private readonly sections: ArenaSection[] = [];

  f64(name: string, length: number, hashed = true): Float64Array {
    const array = new Float64Array(this.buffer(name, length * 8, hashed), 0, length);
    return array;
  }

  i32(name: string, length: number): Int32Array {
    const array = new Int32Array(this.buffer(name, length * 4), 0, length);
    return array;
  }

  u32(name: string, length: number): Uint32Array {
    const array = new Uint32Array(this.buffer(name, length * 4), 0, length);
    return array;
  }

  u8(name: string, length: number): Uint8Array {
    const array = new Uint8Array(this.buffer(name, length), 0, length);
    return array;
  }

  /** The registered sections, in registration order (the order the hash and snapshots use). */
  list(): readonly ArenaSection[] {
    return this.sections;
  }

  exportSections(): StateSection[] {
    return this.sections.map((s) => ({ name: s.name, bytes: s.bytes.slice() }));
  }

  importSections(incoming: readonly StateSection[]): void {
    if (incoming.length !== this.sections.length) {
      throw new Error(`importState: expected ${this.sections.length} sections, got ${incoming.length}`);
    }
    // Check everything before copying anything: a bad snapshot must not leave half a state behind.
    for (let i = 0; i < this.sections.length; i++) {
      const mine = this.sections[i];
      const theirs = incoming[i];
      if (theirs.name !== mine.name || theirs.bytes.byteLength !== mine.bytes.byteLength) {
        throw new Error(
          `importState: section ${i} is ${theirs.name} (${theirs.bytes.byteLength} bytes), ` +
            `expected ${mine.name} (${mine.bytes.byteLength} bytes): was the snapshot taken with another config?`,
        );
      }
    }
    for (let i = 0; i < this.sections.length; i++) this.sections[i].bytes.set(incoming[i].bytes);
  }

  memoryReport(): { name: string; bytes: number }[] {
    return this.sections.map((s) => ({ name: s.name, bytes: s.bytes.byteLength }));
  }

  /** One buffer per section, rounded up to 8 bytes so the hash can read it as whole words. */
  private buffer(name: string, byteLength: number, hashed = true): ArrayBuffer {
    if (!Number.isInteger(byteLength) || byteLength < 0) throw new Error(`state section ${name}: bad size ${byteLength}`);
    if (this.sections.some((s) => s.name === name)) throw new Error(`state section ${name} registered twice`);
    const buffer = new ArrayBuffer(Math.max(8, (byteLength + 7) & ~7));
    this.sections.push({ name, bytes: new Uint8Array(buffer), words: new Uint32Array(buffer), hashed });
    return buffer;
  }
}

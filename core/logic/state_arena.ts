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

/**
 * Sections added at the end of the state after snapshots already existed, newest last: a snapshot
 * written before them loads with these sections in their initial state (importSections).
 */
const TRAILING_SECTIONS_ADDED: readonly string[] = ['principals.next', 'principals.table'];

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

  /**
   * `shared`: the section lives in a SharedArrayBuffer that another thread may read (sharedSection());
   * only the logic thread writes it.
   */
  u32(name: string, length: number, options: { readonly shared?: boolean } = {}): Uint32Array {
    const array = new Uint32Array(this.buffer(name, length * 4, true, options.shared === true), 0, length);
    return array;
  }

  /** The memory of a section registered `shared` (for a reader on another thread), or null. */
  sharedSection(name: string): SharedArrayBuffer | null {
    const section = this.sections.find((s) => s.name === name);
    return section !== undefined && section.bytes.buffer instanceof SharedArrayBuffer ? section.bytes.buffer : null;
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

  /**
   * Copies a snapshot's sections in. A snapshot may lack sections registered after it was written
   * (newer state, e.g. principals.*): those must be the last ones and keep their initial contents,
   * which is what replaying the same journal would leave in them.
   */
  importSections(incoming: readonly StateSection[]): void {
    if (incoming.length > this.sections.length || incoming.length < this.sections.length - TRAILING_SECTIONS_ADDED.length) {
      throw new Error(`importState: expected ${this.sections.length} sections, got ${incoming.length}`);
    }
    for (let i = incoming.length; i < this.sections.length; i++) {
      if (!TRAILING_SECTIONS_ADDED.includes(this.sections[i].name)) {
        throw new Error(`importState: expected ${this.sections.length} sections, got ${incoming.length} (section ${this.sections[i].name} is missing)`);
      }
    }
    // Check everything before copying anything: a bad snapshot must not leave half a state behind.
    for (let i = 0; i < incoming.length; i++) {
      const mine = this.sections[i];
      const theirs = incoming[i];
      if (theirs.name !== mine.name || theirs.bytes.byteLength !== mine.bytes.byteLength) {
        throw new Error(
          `importState: section ${i} is ${theirs.name} (${theirs.bytes.byteLength} bytes), ` +
            `expected ${mine.name} (${mine.bytes.byteLength} bytes): was the snapshot taken with another config?`,
        );
      }
    }
    for (let i = 0; i < incoming.length; i++) this.sections[i].bytes.set(incoming[i].bytes);
  }

  memoryReport(): { name: string; bytes: number }[] {
    return this.sections.map((s) => ({ name: s.name, bytes: s.bytes.byteLength }));
  }

  /** One buffer per section, rounded up to 8 bytes so the hash can read it as whole words. */
  private buffer(name: string, byteLength: number, hashed = true, shared = false): ArrayBuffer | SharedArrayBuffer {
    if (!Number.isInteger(byteLength) || byteLength < 0) throw new Error(`state section ${name}: bad size ${byteLength}`);
    if (this.sections.some((s) => s.name === name)) throw new Error(`state section ${name} registered twice`);
    const bytes = Math.max(8, (byteLength + 7) & ~7);
    const buffer = shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
    this.sections.push({ name, bytes: new Uint8Array(buffer), words: new Uint32Array(buffer), hashed });
    return buffer;
  }
}

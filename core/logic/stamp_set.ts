/**
 * A reusable "seen in this command" set over slot numbers 0..size-1, cleared in O(1) by bumping a
 * stamp (the whole array is cleared only when the u32 stamp wraps). Scratch, not state: it is not in
 * the arena, the hash or snapshots.
 */
export class StampSet {
  private readonly marks: Uint32Array;
  private stamp = 0;

  constructor(size: number) {
    this.marks = new Uint32Array(size);
  }

  /** Starts a new, empty set. */
  clear(): void {
    this.stamp++;
    if (this.stamp === 0x1_0000_0000) {
      this.marks.fill(0);
      this.stamp = 1;
    }
  }

  /** Adds `slot`; returns true when it was already in the set. */
  add(slot: number): boolean {
    if (this.marks[slot] === this.stamp) return true;
    this.marks[slot] = this.stamp;
    return false;
  }

  has(slot: number): boolean {
    return this.marks[slot] === this.stamp;
  }
}

/**
 * The journal walk of a recovery: segment after segment, every frame checked (segment_reader.ts), the
 * good records after the snapshot handed to a sink in sequence order, and how the walk ended. The
 * walk decides nothing about damage: it names where it stopped and why (torn tail or not), and the
 * recovery (recovery.ts) truncates, refuses or repairs. So the same walk serves a replay on the logic
 * thread (the sink applies) and on a reader thread (the sink copies records into a ring for the logic
 * thread, pipelined_replay.ts), and both stop at the same place with the same words.
 */
import type { RecordBuffer } from '../codec/records/record_buffer.ts';
import { SegmentHeader } from '../journal/journal_descriptor.ts';
import { FrameStatus, HeaderStatus, type SegmentReader } from '../journal/segment_reader.ts';

/** How a walk ended. */
export const WalkEnd = {
  /** Every segment read to its end. */
  END: 0,
  /** The record after `toSequence` was reached. */
  TO_REACHED: 1,
  /** A bad header, frame or sequence gap in segment `segmentIndex` at `offset` (`torn`: a torn tail). */
  DAMAGED: 2,
  /** The first record after the snapshot does not follow it (`reason` is the whole message). */
  SNAPSHOT_GAP: 3,
  /** The sink asked to stop: resume at `offset` of segment `segmentIndex` after sequence `lastGood`. */
  PAUSED: 4,
} as const;
export type WalkEnd = (typeof WalkEnd)[keyof typeof WalkEnd];

export interface WalkOutcome {
  end: WalkEnd;
  segmentIndex: number;
  /**
   * File offset of the damage (DAMAGED, SNAPSHOT_GAP); at END, where the frames of segment
   * `segmentIndex` (the last walked) end: its logical length (a prepared segment has zeros after).
   */
  offset: number;
  /** The last good sequence before the damage. */
  lastGood: number;
  reason: string;
  torn: boolean;
  /** The newest segment holds no record (a crash between creating it and its first write). */
  emptyNewestSegment: boolean;
  segmentsRead: number;
  /** Whether a record was handed to the sink (a resumed walk needs it for the snapshot check). */
  accepted: boolean;
}

/** Where a PAUSED walk goes on (its outcome's segmentIndex, offset, lastGood and accepted). */
export interface WalkResume {
  readonly offset: number;
  readonly lastGood: number;
  readonly accepted: boolean;
}

export interface WalkSegment {
  readonly path: string;
  readonly firstSequence: number;
}

/** Receives each good record after the snapshot, in sequence order; valid until it returns. True pauses the walk after it. */
export interface RecordSink {
  accept(buffer: RecordBuffer, base: number, sequence: number): boolean;
}

export function emptyOutcome(): WalkOutcome {
  return { end: WalkEnd.END, segmentIndex: -1, offset: 0, lastGood: -1, reason: '', torn: false, emptyNewestSegment: false, segmentsRead: 0, accepted: false };
}

/**
 * Walks segments[first..] and hands the records after sequence `after` (the snapshot's, -1 without one)
 * up to `to` to `sink`; with `resume`, segment `first` from where a paused walk stopped.
 */
export function walkJournal(
  segments: readonly WalkSegment[], first: number, after: number, to: number, reader: SegmentReader, sink: RecordSink,
  resume?: WalkResume,
): WalkOutcome {
  const outcome = emptyOutcome();
  const damaged = (k: number, offset: number, lastGood: number, reason: string, torn: boolean): WalkOutcome => {
    outcome.end = WalkEnd.DAMAGED;
    outcome.segmentIndex = k;
    outcome.offset = offset;
    outcome.lastGood = lastGood;
    outcome.reason = reason;
    outcome.torn = torn;
    return outcome;
  };
  let previous = -1;
  let accepted = resume?.accepted ?? false;
  for (let k = first; k < segments.length; k++) {
    const segment = segments[k];
    const isLast = k === segments.length - 1;
    if (previous >= 0 && segment.firstSequence !== previous + 1) {
      return damaged(k, SegmentHeader.BYTES, previous,
        `sequence gap: the segment starts at ${segment.firstSequence} but the journal before it ends at ${previous}`, false);
    }
    const header = reader.load(segment.path, segment.firstSequence - 1);
    outcome.segmentsRead++;
    if (header !== HeaderStatus.OK || reader.firstSequence !== segment.firstSequence) {
      const reason = header === HeaderStatus.OK
        ? `header says first sequence ${reader.firstSequence}, the name says ${segment.firstSequence}` : reader.reason;
      return damaged(k, 0, previous, reason, isLast && header === HeaderStatus.SHORT);
    }
    if (resume !== undefined && k === first) reader.resumeAt(resume.offset, resume.lastGood);
    let status: FrameStatus;
    while ((status = reader.next()) === FrameStatus.OK) {
      const sequence = reader.sequence;
      if (sequence <= after) continue;
      if (sequence > to) {
        outcome.end = WalkEnd.TO_REACHED;
        return outcome;
      }
      if (!accepted && after >= 0 && sequence !== after + 1) {
        outcome.end = WalkEnd.SNAPSHOT_GAP;
        outcome.segmentIndex = k;
        outcome.offset = reader.frameOffset;
        outcome.lastGood = after;
        outcome.reason = `journal ${reader.path}: the first record after snapshot sequence ${after} is ${sequence}: ` +
          `sequences ${after + 1}..${sequence - 1} are missing`;
        return outcome;
      }
      accepted = true;
      if (sink.accept(reader.buffer, reader.recordBase, sequence)) {
        outcome.end = WalkEnd.PAUSED;
        outcome.segmentIndex = k;
        outcome.offset = reader.nextFrameFileOffset;
        outcome.lastGood = sequence;
        outcome.accepted = true;
        return outcome;
      }
    }
    if (status !== FrameStatus.END) {
      return damaged(k, reader.frameOffset, reader.lastSequence, reader.reason, isLast && reader.looksLikeTornTail());
    }
    // Zeros after the frames (a prepared segment, segment_preparation.ts): the reader looked at one
    // chunk of them; a walk of the whole journal (recovery, which then cuts them) makes sure no whole
    // record hides further on (acknowledged records after a zeroed stretch are corruption, not an end).
    // A walk bounded by `to` (history, a shadow's seed) reads up to a sequence it knows is durable and
    // skips it: on a live journal that would be a read of up to a whole segment of zeros each time.
    if (to >= Number.MAX_SAFE_INTEGER && reader.frameOffset < reader.fileBytes && !reader.looksLikeTornTail()) {
      return damaged(k, reader.frameOffset, reader.lastSequence, 'zero frame length with a whole frame after it', false);
    }
    outcome.segmentIndex = k;
    outcome.offset = reader.frameOffset;
    if (reader.lastSequence >= segment.firstSequence) previous = reader.lastSequence;
    else if (!isLast) return damaged(k, SegmentHeader.BYTES, previous, 'closed segment holds no records', false);
    else outcome.emptyNewestSegment = true;
  }
  return outcome;
}

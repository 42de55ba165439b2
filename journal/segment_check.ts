/**
 * Checks one journal segment on its own: its header, then every frame's length, CRC-32 and sequence
 * (contiguous from the first sequence its file name gives). It reads the file and applies nothing, so
 * segments can be checked at once on several threads (journal_check.ts) and joined afterwards.
 */
import { FrameStatus, HeaderStatus, SegmentReader } from './segment_reader.ts';
import type { SegmentFile } from './segment_files.ts';

export interface SegmentCheck {
  readonly path: string;
  readonly firstSequence: number;
  /** The last good sequence (firstSequence - 1 when no frame is good). */
  readonly lastSequence: number;
  readonly frames: number;
  readonly bytes: number;
  /** ok: every frame good to the end; torn: the file ends inside a frame; bad: a header or frame fails its checks. */
  readonly status: 'ok' | 'torn' | 'bad';
  /** Why, with the file offset of the frame that failed ('' when ok). */
  readonly problem: string;
}

/** Checks `segment`; `reader` may be reused between calls (one per thread). */
export function checkSegment(segment: SegmentFile, reader: SegmentReader = new SegmentReader()): SegmentCheck {
  const header = reader.load(segment.path, segment.firstSequence - 1);
  const base = { path: segment.path, firstSequence: segment.firstSequence, bytes: reader.fileBytes };
  if (header !== HeaderStatus.OK) {
    return { ...base, lastSequence: segment.firstSequence - 1, frames: 0, status: header === HeaderStatus.SHORT ? 'torn' : 'bad', problem: `header: ${reader.reason}` };
  }
  let frames = 0;
  let status: FrameStatus;
  while ((status = reader.next()) === FrameStatus.OK) frames++;
  const lastSequence = reader.lastSequence;
  // bytes: the logical length (a prepared newest segment is longer on disk: zeros after its frames).
  if (status === FrameStatus.END) return { ...base, bytes: reader.frameOffset, lastSequence, frames, status: 'ok', problem: '' };
  const kind = status === FrameStatus.INCOMPLETE ? 'torn' : 'bad';
  return { ...base, lastSequence, frames, status: kind, problem: `frame at offset ${reader.frameOffset} after sequence ${lastSequence}: ${reader.reason}` };
}

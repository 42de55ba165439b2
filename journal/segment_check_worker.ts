/** piscina task (journal_check.ts): checks one segment in this pool thread, with one reader reused across tasks. */
import { checkSegment, type SegmentCheck } from './segment_check.ts';
import type { SegmentFile } from './segment_files.ts';
import { SegmentReader } from './segment_reader.ts';

const reader = new SegmentReader();

export default function checkSegmentTask(segment: SegmentFile): SegmentCheck {
  return checkSegment(segment, reader);
}

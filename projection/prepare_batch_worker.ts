/**
 * piscina task (projector.ts): decodes, folds and COPY-encodes one batch of event records in a pool
 * thread, so the projector's main thread only moves bytes between the engine's socket and
 * PostgreSQL's. The records stay with the caller (it needs them for the transaction); what comes back
 * is the prepared batch without them.
 */
import { prepareBatch, type PreparedBatch } from './projection_writer.ts';

export type PreparedBatchResult = Omit<PreparedBatch, 'records'>;

export default function prepareBatchTask(records: Uint8Array): PreparedBatchResult {
  const { records: _records, ...prepared } = prepareBatch(records);
  return prepared;
}

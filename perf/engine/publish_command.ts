/**
 * Writes one command straight into an in-process engine's input ring (principal 1, session 1), for
 * benches and tests that drive an engine without a gateway.
 */
import { writeCommand, type CommandSpec } from '../../core/logic/test_support/command_writer.ts';
import type { Engine } from '../../engine/engine_api.ts';

/**
 * Claims, writes and (unless `publish` is false) publishes one command, with an idempotency id when
 * given (0: none); its sequence, or -1 when the ring is full.
 */
export function publishCommand(engine: Engine, spec: CommandSpec, correlationId: number, admin = true, publish = true, idempotencyId = 0): number {
  const base = engine.input.tryClaim();
  if (base < 0) return -1;
  const sequence = engine.input.lastClaimedSequence;
  writeCommand(engine.input.buffer, base, { sequence, principalId: 1, admin, correlationId, sessionId: 1, idempotencyId }, spec);
  if (publish) engine.input.publish();
  return sequence;
}

/**
 * The leader's engine as the gateway sees it in cluster mode: a command is taken, and a result is
 * released, only while the node leads with a lease that is certainly valid by its own clock
 * (ClusterMember.leaseCertainlyValid). A result that comes out of the engine after that (the lease
 * lapsed, the node was paused or cut off) is withheld for good: its client never sees an
 * acknowledgement and retries on the new leader with the same idempotency id.
 *
 * The check reads the monotonic clock once per result: after a pause (SIGSTOP) the first result the
 * engine hands over is judged by the time after the pause, never by a flag set before it.
 */
import type { RecordBuffer } from '../../codec/records/record_buffer.ts';
import type { InputPublisher, ResultListener } from '../../core/engine_api.ts';

/** What the gateway drives (gateway_core's GatewayEngine has this shape). */
export interface FencedTarget {
  readonly input: InputPublisher;
  onResult(listener: ResultListener): void;
  /** The replicated principal table, passed through (logins are not fenced: they change nothing). */
  principalTable?(): Uint32Array | null;
}

export class FencedEngine implements FencedTarget {
  readonly input: InputPublisher;
  /** Results the engine produced while the lease was not certainly valid (never released). */
  withheld = 0;
  /** Claims refused because the node did not certainly lead. */
  refusedClaims = 0;

  constructor(private readonly engine: FencedTarget, private readonly leads: () => boolean, private readonly leaderAddress: () => string = () => '') {
    const inner = engine.input;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const fence = this;
    this.input = {
      buffer: inner.buffer,
      get lastClaimedSequence(): number {
        return inner.lastClaimedSequence;
      },
      tryClaim(): number {
        if (!fence.leads()) {
          fence.refusedClaims++;
          return -1;
        }
        return inner.tryClaim();
      },
      stampHeader(base: number, sessionId: number, principalId: number, flags: number): void {
        inner.stampHeader(base, sessionId, principalId, flags);
      },
      received(): void {
        inner.received?.();
      },
      publish(): void {
        inner.publish();
      },
    };
  }

  principalTable(): Uint32Array | null {
    return this.engine.principalTable?.() ?? null;
  }

  /** The gateway answers writes NOT_LEADER (naming the leader) once this node does not certainly lead. */
  notLeader(): string | null {
    return this.leads() ? null : this.leaderAddress();
  }

  onResult(listener: ResultListener): void {
    this.engine.onResult((buffer: RecordBuffer, base: number) => {
      if (this.leads()) listener(buffer, base);
      else this.withheld++;
    });
  }
}

/** What a Redis load worker does (ioredis, EVALSHA of the stock-decrement script). */
export interface RedisLoadSpec {
  readonly host: string;
  readonly port: number;
  readonly scriptSha: string;
  readonly mode: 'closed' | 'open';
  /** closed: connections × concurrentPipelines loops, each sending `pipelineDepth` commands per exec. */
  readonly connections: number;
  readonly concurrentPipelines: number;
  readonly pipelineDepth: number;
  /** open: commands per second, each its own request (no batching), latency from intended send time. */
  readonly ratePerS: number;
  /** open: sleep between send batches (see LoadSpec.pacingSleepUs). */
  readonly pacingSleepUs: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly drainMs: number;
}

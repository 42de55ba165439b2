/**
 * Counters the gateway keeps on the main thread: preallocated typed arrays indexed by command type
 * and result code, so counting allocates nothing.
 */
export const MAX_COUNTED_CODE = 1024;
export const MAX_COUNTED_COMMAND = 256;

export class GatewayMetrics {
  /** Commands published into the ring, by command type. */
  readonly commandsByType = new Float64Array(MAX_COUNTED_COMMAND);
  /** Results delivered, by result code (engine results and gateway rejections). */
  readonly resultsByCode = new Float64Array(MAX_COUNTED_CODE);
  /** Replies decided by the gateway without reaching the ring, by code. */
  readonly gatewayRepliesByCode = new Float64Array(MAX_COUNTED_CODE);
  connectionsOpenTcp = 0;
  connectionsOpenWs = 0;
  connectionsTotal = 0;
  connectionsRejected = 0;
  httpInFlight = 0;
  httpRequestsTotal = 0;
  ringFullEvents = 0;
  publishBatches = 0;
  slowConsumerDisconnects = 0;
  protocolErrorDisconnects = 0;
  /** Pre-login connections closed to admit a newer one (the pool was full). */
  preLoginEvictions = 0;
  /** Connections closed for not logging in within loginTimeoutMs. */
  loginTimeouts = 0;
  /**
   * TCP reads that came as a new Buffer (connections accepted inline or over TLS; the door's read into
   * one reused buffer) and TCP output buffers allocated: each is an ArrayBuffer V8 counts as external
   * memory until a collection frees it (tcp_server.ts; docs/performance.md, soak).
   */
  tcpReadBuffers = 0;
  tcpOutputBuffers = 0;

  countCommand(type: number): void {
    if (type >= 0 && type < MAX_COUNTED_COMMAND) this.commandsByType[type]++;
  }

  countResult(code: number): void {
    if (code >= 0 && code < MAX_COUNTED_CODE) this.resultsByCode[code]++;
  }

  countGatewayReply(code: number): void {
    if (code >= 0 && code < MAX_COUNTED_CODE) this.gatewayRepliesByCode[code]++;
  }
}

/** TLS settings for tls:// and wss:// URLs. */
export interface ClientTlsOptions {
  /** Trusted CA certificate(s) in PEM, e.g. a self-signed server certificate. */
  readonly ca?: string | Buffer;
  /** Default true: refuse a certificate that does not verify. */
  readonly rejectUnauthorized?: boolean;
}

/** A client connection that carries whole messages both ways (TCP frames or WebSocket messages). */
export interface ClientTransport {
  /** Sends several messages at once (one write on TCP, one corked burst on WebSocket). */
  sendBatch(messages: readonly Uint8Array[]): void;
  /** Called with each whole message received. */
  onMessage: (message: Uint8Array) => void;
  /** Called once when the connection ends, whatever the reason. */
  onClose: (reason: string) => void;
  close(): void;
}

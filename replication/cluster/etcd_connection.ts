/**
 * An etcd3 client tuned for leadership: no retries and no circuit breaker inside the client (the
 * member's tick is the retry loop, and a breaker would keep a node away from an etcd that just came
 * back), and a deadline on every unary request, so a dead etcd costs one request timeout, not a hang.
 */
import { noop } from 'cockatiel';
import { Etcd3 } from 'etcd3';

export function connectEtcd(endpoints: readonly string[], requestTimeoutMs: number): Etcd3 {
  return new Etcd3({
    hosts: [...endpoints],
    dialTimeout: requestTimeoutMs,
    faultHandling: { host: () => noop, global: noop },
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + requestTimeoutMs }),
  });
}

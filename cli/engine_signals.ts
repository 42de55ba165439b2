/**
 * SIGINT / SIGTERM handling for the process that runs an engine (the CLI installs it). The first
 * signal drains: the gateway stops accepting (beforeStop), the engine finishes what was sequenced —
 * applied, journaled and fsynced, every result delivered — then the gateway closes (afterStop) and the
 * process exits 0. A second signal while draining exits 1 at once.
 *
 *   const engine = await startEngine(options);
 *   const server = await listen(engine);               // only after the engine reported ready
 *   installShutdownHandlers(engine, { beforeStop: () => server.stopAccepting(), afterStop: () => server.close() });
 */
import type { Engine } from '../engine/engine.ts';

export interface ShutdownHooks {
  /** Stop taking new commands (close listeners); results still flow. */
  readonly beforeStop?: () => Promise<void> | void;
  /** After the engine drained: flush and close client connections. */
  readonly afterStop?: () => Promise<void> | void;
  readonly log?: (line: string) => void;
  /** Default process.exit. */
  readonly exit?: (code: number) => void;
  readonly signals?: readonly NodeJS.Signals[];
}

/** Installs the handlers; returns a function that removes them. */
export function installShutdownHandlers(engine: Pick<Engine, 'stop'>, hooks: ShutdownHooks = {}): () => void {
  const log = hooks.log ?? ((line: string) => console.error(line));
  const exit = hooks.exit ?? ((code: number) => process.exit(code));
  const signals = hooks.signals ?? ['SIGINT', 'SIGTERM'];
  let draining = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (draining) {
      log(`ringline: ${signal} again while draining: exiting now`);
      exit(1);
      return;
    }
    draining = true;
    log(`ringline: ${signal} received: draining (finishing sequenced commands, fsync, delivering results)`);
    void (async () => {
      try {
        await hooks.beforeStop?.();
        await engine.stop();
        await hooks.afterStop?.();
        log('ringline: drained, exiting');
        exit(0);
      } catch (error) {
        log(`ringline: shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        exit(1);
      }
    })();
  };
  for (const signal of signals) process.on(signal, onSignal);
  return () => {
    for (const signal of signals) process.off(signal, onSignal);
  };
}

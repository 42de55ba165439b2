/**
 * A promise settled from outside: the engine's `done`, resolved by stop() and rejected by a fatal
 * error. A caller that never awaits it is not left with an unhandled rejection (it hears onFatal).
 */
export class Settlement {
  readonly promise: Promise<void>;
  resolve!: () => void;
  reject!: (error: Error) => void;

  constructor() {
    this.promise = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.promise.catch(() => undefined);
  }
}

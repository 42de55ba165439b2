/**
 * Atomics.waitAsync with types (Node 20 has it; the ES2023 lib this project compiles against does not
 * declare it). It lets the main thread hear that a shared counter moved without blocking its event
 * loop and without a hot poll loop. A pending waitAsync does not keep the process alive.
 */
export type WaitAsyncResult =
  | { readonly async: false; readonly value: 'not-equal' | 'timed-out' }
  | { readonly async: true; readonly value: Promise<'ok' | 'timed-out'> };

type WaitAsyncFunction = (words: Int32Array, index: number, value: number, timeoutMs?: number) => WaitAsyncResult;

function loadWaitAsync(): WaitAsyncFunction {
  const candidate = (Atomics as unknown as { readonly waitAsync?: WaitAsyncFunction }).waitAsync;
  if (typeof candidate !== 'function') throw new Error('ringline needs Atomics.waitAsync (Node 16 or newer)');
  return candidate;
}
const waitAsyncFunction = loadWaitAsync();

/** Resolves when words[index] no longer reads `value` (or is notified), or after timeoutMs. */
export function waitAsync(words: Int32Array, index: number, value: number, timeoutMs?: number): WaitAsyncResult {
  return waitAsyncFunction(words, index, value, timeoutMs);
}

/**
 * Calls `wake` once words[index] moves from `observed` (or is notified). Raises the counter's waiter
 * word (index + 1, ring_descriptor.ts) first, so the writer knows to notify, and lowers it on wake.
 */
export function wakeOnChange(words: Int32Array, index: number, observed: number, wake: () => void): void {
  Atomics.add(words, index + 1, 1); // seq-cst: announce the waiter before the value is checked again
  const woken = (): void => {
    Atomics.sub(words, index + 1, 1);
    wake();
  };
  const result = waitAsync(words, index, observed);
  if (!result.async) queueMicrotask(woken);
  else void result.value.then(woken);
}

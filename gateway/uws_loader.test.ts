import { describe, it, expect } from 'vitest';
import { createRequire } from 'node:module';
import { isNative, loadNativeUws } from './uws_loader.ts';

describe('loadNativeUws', () => {
  it('loads the native uWebSockets.js binary on this platform', () => {
    const uws = loadNativeUws();
    expect(isNative(uws)).toBe(true);
  });

  it('recognises the pure-JS fallback as not native', () => {
    const fallback = createRequire(import.meta.url)('@trufflesuite/uws-js-unofficial/dist/index.js') as { App: () => unknown };
    expect(isNative(fallback as Parameters<typeof isNative>[0])).toBe(false);
  });
});

/**
 * Loads uWebSockets.js and refuses to run on its fallback. `@trufflesuite/uws-js-unofficial` prints a
 * warning and silently swaps in a pure-JS server when its native binary does not load (wrong Node ABI,
 * wrong libc, UWS_USE_FALLBACK set); that server is an order of magnitude slower and behaves
 * differently under backpressure, so the gateway fails loudly instead.
 */
import { createRequire } from 'node:module';
import type * as Uws from '@trufflesuite/uws-js-unofficial';

export type UwsModule = typeof Uws;

const requireCjs = createRequire(import.meta.url);
let loaded: UwsModule | null = null;

export function loadNativeUws(): UwsModule {
  if (loaded !== null) return loaded;
  const fallbackFlag = process.env.UWS_USE_FALLBACK;
  if (fallbackFlag !== undefined && /^(1|true)$/i.test(fallbackFlag)) {
    throw new Error('uWebSockets.js: UWS_USE_FALLBACK is set; ringline needs the native server, unset it');
  }
  const uws = requireCjs('@trufflesuite/uws-js-unofficial') as UwsModule;
  if (!isNative(uws)) {
    throw new Error(
      `uWebSockets.js native binary did not load for ${process.platform}-${process.arch} ` +
      `(Node ABI ${process.versions.modules}); the package fell back to a pure-JS server, which ringline ` +
      'refuses to run. Use a Node version the package ships a binary for (ABI 93, 108 or 115: Node 16, 18, 20).',
    );
  }
  loaded = uws;
  return uws;
}

/** The native build's App is a C++ function; the fallback's is JavaScript. */
export function isNative(uws: Pick<UwsModule, 'App'>): boolean {
  return typeof uws.App === 'function' && Function.prototype.toString.call(uws.App).includes('[native code]');
}

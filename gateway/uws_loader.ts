/**
 * Loads uWebSockets.js and refuses to run on its fallback. `@trufflesuite/uws-js-unofficial` prints a
 * warning and silently swaps in a pure-JS server when its native binary does not load (wrong Node ABI,
 * wrong libc, UWS_USE_FALLBACK set); that server is an order of magnitude slower and behaves
 * differently under backpressure, so the gateway fails loudly instead, naming the Node/glibc pair
 * that has no binary and the pairs that do.
 */
import { createRequire } from 'node:module';
import type * as Uws from '@trufflesuite/uws-js-unofficial';

export type UwsModule = typeof Uws;

/**
 * The native builds the package ships (read from its binaries: `objdump -T` for the glibc symbol
 * versions). Node ABI → Node major. Keep in step with package.json (engines and its note) and the README.
 */
export const UWS_NATIVE_BUILDS = {
  package: '@trufflesuite/uws-js-unofficial 20.30.0-unofficial.0',
  nodeMajorByAbi: { 93: 16, 108: 18, 115: 20 } as Readonly<Record<number, number>>,
  platforms: ['linux-x64', 'linux-arm64', 'linux-arm', 'darwin-x64', 'darwin-arm64', 'win32-x64'],
  glibcMin: '2.34',
} as const;

/** What the refusal names: this Node, its ABI, the platform, and the C library's version (null: not glibc). */
export interface RuntimeFacts {
  readonly nodeVersion: string;
  readonly abi: number;
  readonly platform: string;
  readonly glibc: string | null;
}

export function runtimeFacts(): RuntimeFacts {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return {
    nodeVersion: process.version, abi: Number(process.versions.modules), platform: `${process.platform}-${process.arch}`,
    glibc: process.platform === 'linux' ? header?.glibcVersionRuntime ?? null : null,
  };
}

/** Why there is no native binary for `facts`, and what would run; null when a binary should load. */
export function missingNativeBuild(facts: RuntimeFacts): string | null {
  const builds = UWS_NATIVE_BUILDS;
  const supported = Object.entries(builds.nodeMajorByAbi).map(([abi, major]) => `Node ${major} (ABI ${abi})`).join(', ');
  const offer = `${builds.package} ships native binaries for ${supported} on ${builds.platforms.join(', ')}; on Linux they need glibc >= ${builds.glibcMin}`;
  const here = `Node ${facts.nodeVersion} (ABI ${facts.abi}) on ${facts.platform}${facts.platform.startsWith('linux') ? ` with ${facts.glibc === null ? 'a C library other than glibc (musl?)' : `glibc ${facts.glibc}`}` : ''}`;
  if (builds.nodeMajorByAbi[facts.abi] === undefined) return `no uWebSockets.js native binary for ${here}: ${offer}. Run ringline on Node 20.`;
  if (!(builds.platforms as readonly string[]).includes(facts.platform)) return `no uWebSockets.js native binary for ${here}: ${offer}.`;
  if (facts.platform.startsWith('linux') && (facts.glibc === null || compareVersions(facts.glibc, builds.glibcMin) < 0)) {
    return `no usable uWebSockets.js native binary for ${here}: ${offer}. Use a distribution with glibc >= ${builds.glibcMin} (Debian 12, Ubuntu 22.04, RHEL 9 or newer).`;
  }
  return null;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

const requireCjs = createRequire(import.meta.url);
let loaded: UwsModule | null = null;

export function loadNativeUws(): UwsModule {
  if (loaded !== null) return loaded;
  const fallbackFlag = process.env.UWS_USE_FALLBACK;
  if (fallbackFlag !== undefined && /^(1|true)$/i.test(fallbackFlag)) {
    throw new Error('uWebSockets.js: UWS_USE_FALLBACK is set; ringline needs the native server, unset it');
  }
  // Refuse before the package prints its fallback warning, when the binary cannot be there.
  const missing = missingNativeBuild(runtimeFacts());
  if (missing !== null) throw new Error(`ringline: ${missing} ringline refuses the package's pure-JS fallback.`);
  const uws = requireCjs('@trufflesuite/uws-js-unofficial') as UwsModule;
  if (!isNative(uws)) {
    throw new Error(
      `ringline: the uWebSockets.js native binary did not load for Node ${process.version} (ABI ${process.versions.modules}) ` +
      `on ${process.platform}-${process.arch}; the package fell back to a pure-JS server, which ringline refuses to run.`,
    );
  }
  loaded = uws;
  return uws;
}

/** The native build's App is a C++ function; the fallback's is JavaScript. */
export function isNative(uws: Pick<UwsModule, 'App'>): boolean {
  return typeof uws.App === 'function' && Function.prototype.toString.call(uws.App).includes('[native code]');
}

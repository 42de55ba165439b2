import { describe, it, expect } from 'vitest';
import { createRequire } from 'node:module';
import { isNative, loadNativeUws, missingNativeBuild, runtimeFacts } from './uws_loader.ts';

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

describe('missingNativeBuild', () => {
  const linux = (nodeVersion: string, abi: number, glibc: string | null) => ({ nodeVersion, abi, platform: 'linux-x64', glibc });

  it('accepts Node 20 on glibc 2.34 and newer', () => {
    expect(missingNativeBuild(linux('v20.20.2', 115, '2.36'))).toBeNull();
    expect(missingNativeBuild(linux('v20.0.0', 115, '2.34'))).toBeNull();
    expect(missingNativeBuild(linux('v20.0.0', 115, '2.40'))).toBeNull();
  });

  it('names the Node version, ABI and glibc that have no binary, and what would run', () => {
    expect(missingNativeBuild(linux('v22.23.5', 127, '2.36'))).toBe(
      'no uWebSockets.js native binary for Node v22.23.5 (ABI 127) on linux-x64 with glibc 2.36: @trufflesuite/uws-js-unofficial ' +
      '20.30.0-unofficial.0 ships native binaries for Node 16 (ABI 93), Node 18 (ABI 108), Node 20 (ABI 115) on linux-x64, linux-arm64, ' +
      'linux-arm, darwin-x64, darwin-arm64, win32-x64; on Linux they need glibc >= 2.34. Run ringline on Node 20.');
    expect(missingNativeBuild(linux('v24.1.0', 137, '2.39'))).toMatch(/^no uWebSockets\.js native binary for Node v24\.1\.0 \(ABI 137\)/);
  });

  it('names a glibc that is too old, and a C library that is not glibc', () => {
    expect(missingNativeBuild(linux('v20.11.0', 115, '2.31'))).toMatch(/Node v20\.11\.0 \(ABI 115\) on linux-x64 with glibc 2\.31: .*Use a distribution with glibc >= 2\.34/);
    expect(missingNativeBuild(linux('v20.11.0', 115, null))).toMatch(/with a C library other than glibc \(musl\?\)/);
    expect(missingNativeBuild({ nodeVersion: 'v20.11.0', abi: 115, platform: 'freebsd-x64', glibc: null })).toMatch(/no uWebSockets\.js native binary for Node v20\.11\.0 \(ABI 115\) on freebsd-x64:/);
  });

  it('describes this process', () => {
    const facts = runtimeFacts();
    expect(facts.nodeVersion).toBe(process.version);
    expect(facts.abi).toBe(Number(process.versions.modules));
    if (process.platform === 'linux') expect(facts.glibc).toMatch(/^\d+\.\d+/);
  });
});

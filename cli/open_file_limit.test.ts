import { describe, expect, it } from 'vitest';
import { resolveGatewayConfig } from '../gateway/gateway_config.ts';
import { OPEN_FILES_RESERVE, currentOpenFileLimit, gatewaySocketsAllowed, openFileLimitWarning, parseOpenFileLimit } from './open_file_limit.ts';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max processes             96367                96367                processes
Max open files            20000                65536                files
Max locked memory         8388608              8388608              bytes
`;

describe('the open-file limit against the connection limits', () => {
  it('reads the soft limit of /proc/<pid>/limits; unlimited or absent is no limit', () => {
    expect(parseOpenFileLimit(LIMITS)).toBe(20_000);
    expect(parseOpenFileLimit(LIMITS.replace('20000', 'unlimited'))).toBeNull();
    expect(parseOpenFileLimit('Limit Soft Hard\n')).toBeNull();
    const own = currentOpenFileLimit();
    expect(own === null || own > 0).toBe(true);
  });

  it('counts what clients may hold: the door process keeps pre-login command sockets out of the gateway, TLS does not', () => {
    const door = resolveGatewayConfig({ maxConnections: 100, maxPreLoginConnections: 50, maxPreLoginConnectionsPerAddress: 50 });
    expect(gatewaySocketsAllowed(door, false)).toBe(100);
    expect(gatewaySocketsAllowed(door, true)).toBe(100 + 100 + 50); // subscriptions + event connections not subscribed yet
    expect(gatewaySocketsAllowed(resolveGatewayConfig({ maxConnections: 100, maxPreLoginConnections: 50, maxPreLoginConnectionsPerAddress: 50, preLoginDoor: 'inline' }), false)).toBe(150);
  });

  it('warns, naming the limits and the figure to raise it to, only when the limit is too low', () => {
    const config = resolveGatewayConfig({ maxConnections: 1000, maxPreLoginConnections: 500 });
    const needed = 1000 + 1000 + 500 + OPEN_FILES_RESERVE;
    expect(openFileLimitWarning(config, true, needed)).toBeNull();
    expect(openFileLimitWarning(config, true, null)).toBeNull();
    const warning = openFileLimitWarning(config, true, needed - 1);
    expect(warning).toContain(`the open-file limit is ${needed - 1}`);
    expect(warning).toContain(`Raise it to ${needed} or more (ulimit -n, systemd LimitNOFILE)`);
    expect(warning).toContain('maxConnections');
  });
});

import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveStartOptions } from './start_options.ts';

describe('resolveStartOptions', () => {
  it('uses the defaults with no flags', () => {
    const o = resolveStartOptions([], {});
    expect(o.dataDir).toBe('./data');
    expect(o.durability).toBe('fsync');
    expect(o.gateway.tcpPort).toBe(7400);
    expect(o.gateway.wsPort).toBe(7401);
  });

  it('takes flags over environment over the config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringline-cfg-'));
    const file = join(dir, 'ringline.json');
    writeFileSync(file, JSON.stringify({ tcpPort: 9000, wsPort: 9001, host: '0.0.0.0', engine: { ringCapacity: 1024 } }));
    const o = resolveStartOptions(['--config', file, '--tcp-port', '9100'], { RINGLINE_WS_PORT: '9201', RINGLINE_DURABILITY: 'none' });
    expect(o.gateway.tcpPort).toBe(9100);
    expect(o.gateway.wsPort).toBe(9201);
    expect(o.gateway.host).toBe('0.0.0.0');
    expect(o.durability).toBe('none');
    expect(o.engine).toEqual({ ringCapacity: 1024 });
  });

  it('names the option and the accepted range in every error', () => {
    expect(() => resolveStartOptions(['--tcp-port', 'abc'], {})).toThrow(/--tcp-port must be an integer/);
    expect(() => resolveStartOptions(['--tcp-port', '70000'], {})).toThrow(/tcpPort must be an integer in \[-1, 65535\], got 70000/);
    expect(() => resolveStartOptions([], { RINGLINE_DURABILITY: 'sometimes' })).toThrow(/durability must be one of fsync, batch, none/);
    expect(() => resolveStartOptions(['--bogus', '1'], {})).toThrow(/Unknown option '--bogus'/);
    expect(() => resolveStartOptions(['--config', '/nonexistent/x.json'], {})).toThrow(/cannot read config file/);
    const dir = mkdtempSync(join(tmpdir(), 'ringline-cfg-'));
    writeFileSync(join(dir, 'bad.json'), '{"tcpPortt": 1}');
    expect(() => resolveStartOptions(['--config', join(dir, 'bad.json')], {})).toThrow(/unknown option "tcpPortt"/);
  });

  it('holds TCP connections until login in the door process by default, at nice +10; --pre-login-door(-nice) or RINGLINE_PRE_LOGIN_DOOR(_NICE) pick, validated', () => {
    expect(resolveStartOptions([], {}).gateway.preLoginDoor).toBe('process');
    expect(resolveStartOptions(['--pre-login-door', 'inline'], {}).gateway.preLoginDoor).toBe('inline');
    expect(resolveStartOptions([], { RINGLINE_PRE_LOGIN_DOOR: 'inline' }).gateway.preLoginDoor).toBe('inline');
    expect(() => resolveStartOptions(['--pre-login-door', 'thread'], {})).toThrow(/preLoginDoor must be one of process, inline, got "thread"/);
    expect(resolveStartOptions([], {}).gateway.preLoginDoorNice).toBe(10);
    expect(resolveStartOptions(['--pre-login-door-nice', '0'], {}).gateway.preLoginDoorNice).toBe(0);
    expect(resolveStartOptions([], { RINGLINE_PRE_LOGIN_DOOR_NICE: '19' }).gateway.preLoginDoorNice).toBe(19);
    expect(() => resolveStartOptions(['--pre-login-door-nice', '20'], {})).toThrow(/preLoginDoorNice must be an integer in \[0, 19\], got 20/);
    expect(() => resolveStartOptions(['--pre-login-door-nice=-5'], {})).toThrow(/preLoginDoorNice must be an integer in \[0, 19\], got -5/);
    expect(resolveStartOptions([], {}).gateway.preLoginDoorPolicy).toBe('nice');
    expect(resolveStartOptions(['--pre-login-door-policy', 'idle'], {}).gateway.preLoginDoorPolicy).toBe('idle');
    expect(resolveStartOptions([], { RINGLINE_PRE_LOGIN_DOOR_POLICY: 'idle' }).gateway.preLoginDoorPolicy).toBe('idle');
    expect(() => resolveStartOptions(['--pre-login-door-policy', 'batch'], {})).toThrow(/preLoginDoorPolicy must be one of nice, idle, got "batch"/);
  });

  it('switches events off with --events off, RINGLINE_EVENTS or the config file; refuses --postgres without events', () => {
    expect(resolveStartOptions([], {}).engine.events).toBeUndefined();
    expect(resolveStartOptions(['--events', 'off'], {}).engine).toEqual({ events: false });
    expect(resolveStartOptions([], { RINGLINE_EVENTS: 'on' }).engine).toEqual({ events: true });
    const dir = mkdtempSync(join(tmpdir(), 'ringline-cfg-'));
    const file = join(dir, 'ringline.json');
    writeFileSync(file, JSON.stringify({ events: 'off', engine: { ringCapacity: 1024 } }));
    expect(resolveStartOptions(['--config', file], {}).engine).toEqual({ ringCapacity: 1024, events: false });
    expect(resolveStartOptions(['--config', file, '--events', 'on'], {}).engine).toEqual({ ringCapacity: 1024, events: true });
    expect(() => resolveStartOptions(['--events', 'false'], {})).toThrow(/events must be on or off, got "false"/);
    expect(() => resolveStartOptions(['--events', 'off', '--postgres', 'postgres://u@127.0.0.1:5432/db'], {}))
      .toThrow(/--postgres \(history routes\) needs events on/);
  });

  it('turns on journal repair with --repair or RINGLINE_REPAIR=1, over the config file', () => {
    expect(resolveStartOptions([], {}).engine.repair).toBeUndefined();
    expect(resolveStartOptions(['--repair'], {}).engine).toEqual({ repair: true });
    expect(resolveStartOptions([], { RINGLINE_REPAIR: '1' }).engine).toEqual({ repair: true });
    expect(resolveStartOptions([], { RINGLINE_REPAIR: '0' }).engine.repair).toBeUndefined();
    const dir = mkdtempSync(join(tmpdir(), 'ringline-cfg-'));
    const file = join(dir, 'ringline.json');
    writeFileSync(file, JSON.stringify({ engine: { ringCapacity: 1024, repair: false } }));
    expect(resolveStartOptions(['--config', file, '--repair'], {}).engine).toEqual({ ringCapacity: 1024, repair: true });
    expect(resolveStartOptions(['--config', file], {}).engine).toEqual({ ringCapacity: 1024, repair: false });
    expect(() => resolveStartOptions([], { RINGLINE_REPAIR: 'yes' })).toThrow(/RINGLINE_REPAIR must be 1 or 0, got "yes"/);
    expect(() => resolveStartOptions(['--repair=1'], {})).toThrow(/--repair/);
  });

  it('cluster mode: etcd endpoints, names and the secret from flags or the config file, validated', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringline-cluster-cfg-'));
    const secret = join(dir, 'secret');
    writeFileSync(secret, 'x'.repeat(32));
    const flags = ['--cluster', 'http://10.0.0.9:2379', '--cluster-name', 'prod', '--node-id', 'n1', '--cluster-secret-file', secret,
      '--host', '10.0.0.1', '--tcp-port', '7400', '--replication-port', '7402'];
    const o = resolveStartOptions(flags, {});
    expect(o.cluster?.options).toMatchObject({
      endpoints: ['http://10.0.0.9:2379'], clusterName: 'prod', nodeId: 'n1', clusterSize: 3, leaseTtlSeconds: 1,
      clientAddress: '10.0.0.1:7400', replicationAddress: '10.0.0.1:7402',
    });
    expect(o.cluster?.secret.length).toBe(32);
    expect(resolveStartOptions([], {}).cluster).toBeNull();
    const file = join(dir, 'ringline.json');
    writeFileSync(file, JSON.stringify({ cluster: 'http://10.0.0.9:2379', clusterName: 'prod', nodeId: 'n2', clusterSecretFile: secret, leaseTtlSeconds: 3,
      host: '0.0.0.0', advertiseHost: '10.0.0.2', tcpPort: 7400, replicationPort: 7402 }));
    expect(resolveStartOptions(['--config', file], {}).cluster?.options).toMatchObject({ nodeId: 'n2', leaseTtlSeconds: 3, clientAddress: '10.0.0.2:7400' });

    expect(() => resolveStartOptions(flags.slice(0, 4), {})).toThrow('ringline start: --cluster needs --node-id');
    expect(() => resolveStartOptions([...flags, '--replication', 'sync'], {})).toThrow(/--cluster manages replication itself/);
    expect(() => resolveStartOptions([...flags, '--tcp-port', '0'], {})).toThrow(/--cluster needs fixed ports/);
    expect(() => resolveStartOptions([...flags, '--host', '0.0.0.0'], {})).toThrow(/needs --advertise-host/);
    expect(() => resolveStartOptions([...flags, '--lease-ttl', '0'], {})).toThrow(/leaseTtlSeconds must be an integer from 1 to 60; got 0/);
    expect(() => resolveStartOptions([...flags, '--node-id', 'a/b'], {})).toThrow(/nodeId must be/);
    writeFileSync(secret, 'short');
    expect(() => resolveStartOptions(flags, {})).toThrow(/cluster secret \(--cluster-secret-file .*\) must be 32 to 1024 bytes; got 5/);
  });

  it('replication on a non-loopback address needs --replication-secret-file; the secret is validated and passed to followers and --peers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringline-repl-secret-'));
    const secret = join(dir, 'secret');
    writeFileSync(secret, 'y'.repeat(32));
    for (const host of ['127.0.0.1', '127.4.5.6', '::1', 'localhost']) {
      expect(resolveStartOptions(['--replication', 'async', '--host', host], {}).replication?.membership).toBeUndefined();
    }
    expect(() => resolveStartOptions(['--replication', 'sync', '--host', '0.0.0.0'], {}))
      .toThrow(/--replication sync on --host 0\.0\.0\.0 would ship the journal to anyone .* give --replication-secret-file F/);
    const o = resolveStartOptions(['--replication', 'async', '--host', '10.0.0.1', '--replication-secret-file', secret], {});
    expect(o.replication?.membership?.secret.toString()).toBe('y'.repeat(32));
    expect(o.replication?.membership?.clusterName).toBe('ringline-replication');
    expect(o.replicationMembership).toBe(o.replication?.membership);
    expect(resolveStartOptions(['--peers', 'h:7402', '--replication-secret-file', secret], {}).replicationMembership?.secret.length).toBe(32);
    expect(resolveStartOptions([], { RINGLINE_REPLICATION: 'async', RINGLINE_HOST: '10.0.0.1', RINGLINE_REPLICATION_SECRET_FILE: secret }).replication?.membership)
      .toBeDefined();
    expect(() => resolveStartOptions(['--replication-secret-file', secret], {})).toThrow(/--replication-secret-file is for --replication async\|sync \(and --peers\): replication is off/);
    expect(() => resolveStartOptions(['--replication', 'async', '--replication-secret-file', join(dir, 'missing')], {})).toThrow(/ringline start: .*missing/);
    writeFileSync(secret, 'short');
    expect(() => resolveStartOptions(['--replication', 'async', '--replication-secret-file', secret], {}))
      .toThrow(/--replication-secret-file .* must be 32 to 1024 bytes; got 5/);
  });
});

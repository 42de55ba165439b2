/**
 * Hand-operated replication with a secret, real processes: `ringline start --replication async
 * --replication-secret-file F` ships its journal only to a `ringline follow` that proves F; a follower
 * without it, or with another secret, receives nothing, and the primary counts each refusal. A
 * primary on a non-loopback address without a secret does not start (exit 2, naming the option), and
 * `--peers` probes a peer that requires the secret with it.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  connectClient, drive, maxSequence, replayHash, run, setupCommands, startFollowerProc, startPrimary, until, useTestRoot, writeConfig,
  type Acked,
} from './test_support/replication_harness.ts';

const root = useTestRoot('ringline-repl-secret-');

function secretFile(name: string): string {
  const path = root.path(name);
  writeFileSync(path, randomBytes(32), { mode: 0o600 });
  return path;
}

describe('replication with --replication-secret-file', () => {
  it('a follower that proves the secret follows; without it, or with another, a follower receives nothing', async () => {
    const config = writeConfig(root.path());
    const secret = secretFile('replication.secret');
    const other = secretFile('other.secret');
    const primaryDir = root.path('primary');
    const primary = await startPrimary(primaryDir, config, { mode: 'async', extra: ['--replication-secret-file', secret] });
    expect(primary.output()).toContain('(followers prove --replication-secret-file)');
    const client = await connectClient(primary.tcpUrl);
    const acked: Acked[] = [];
    for (const command of setupCommands()) acked.push({ command, response: await client.send(command) });
    const stopAt = Date.now() + 300;
    await drive(client, () => Date.now() > stopAt, acked);
    const last = maxSequence(acked);

    const bareDir = root.path('bare');
    const wrongDir = root.path('wrong');
    const bare = run(['follow', '--primary', `127.0.0.1:${primary.replicationPort}`, '--data', bareDir, '--config', config]);
    const wrong = run(['follow', '--primary', `127.0.0.1:${primary.replicationPort}`, '--data', wrongDir, '--config', config, '--replication-secret-file', other]);
    const goodDir = root.path('good');
    const good = await startFollowerProc(goodDir, config, primary.replicationPort, false, ['--replication-secret-file', secret]);
    await until(`the follower with the secret is durable up to ${last}`, async () => (await good.health()).durableSequence >= last);
    // Both others tried and were refused before the stream: the primary counted them.
    await until('the primary to refuse both other followers', async () => (await primary.replication()).membershipRefused >= 2);
    await wrong.waitFor(/it refused this follower's proof \(is --replication-secret-file the primary's/);
    await bare.waitFor(/it requires a secret this side did not give \(--replication-secret-file/);

    await client.close();
    expect(await good.kill('SIGTERM'), good.output()).toBe(0);
    await bare.kill('SIGTERM');
    await wrong.kill('SIGTERM');
    expect(await primary.kill('SIGTERM'), primary.output()).toBe(0);
    expect(replayHash(goodDir)).toEqual(replayHash(primaryDir));
    expect(replayHash(bareDir).lastSequence, bare.output()).toBe(0);
    expect(replayHash(wrongDir).lastSequence, wrong.output()).toBe(0);
  });

  it('a primary on a non-loopback address needs the secret: without it the start stops, naming the option', async () => {
    const config = writeConfig(root.path());
    const refused = run(['start', '--data', root.path('open'), '--config', config, '--host', '0.0.0.0', '--tcp-port', '0', '--ws-port', '0',
      '--replication', 'async', '--replication-port', '0']);
    expect(await refused.exited, refused.output()).toBe(2);
    expect(refused.output()).toContain('--replication async on --host 0.0.0.0 would ship the journal to anyone');
    expect(refused.output()).toContain('--replication-secret-file');
    const follow = run(['follow', '--primary', '127.0.0.1:1', '--data', root.path('open-follower'), '--host', '0.0.0.0']);
    expect(await follow.exited, follow.output()).toBe(2);
    expect(follow.output()).toContain('--promote-replication async on --host 0.0.0.0 would ship the journal to anyone');
  });

  it('--peers probes a peer that requires the secret with it', async () => {
    const config = writeConfig(root.path());
    const secret = secretFile('peers.secret');
    const peer = await startPrimary(root.path('peer'), config, { mode: 'async', extra: ['--replication-secret-file', secret] });
    const peerAddress = `127.0.0.1:${peer.replicationPort}`;
    const withSecret = await startPrimary(root.path('with'), config, { mode: 'async', peers: peerAddress, extra: ['--replication-secret-file', secret] });
    expect(withSecret.output()).toMatch(new RegExp(`peer ${peerAddress}: epoch 0, last sequence \\d+`));
    // Without the secret the peer answers nothing: unreachable, not newer (the start goes on).
    const without = await startPrimary(root.path('without'), config, { mode: 'async', peers: peerAddress });
    expect(without.output()).toContain(`peer ${peerAddress}: unreachable`);
    for (const p of [without, withSecret, peer]) expect(await p.kill('SIGTERM'), p.output()).toBe(0);
  });
});

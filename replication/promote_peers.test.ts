import { describe, it, expect, afterEach } from 'vitest';
import { createServer, type Server } from 'node:net';
import { HELLO_FLAG_PROBE, MessageType } from './replication_descriptor.ts';
import { MessageReader, NEED_MORE, encodeWelcome } from './replication_messages.ts';
import { checkPeerEpochs, probePeer, watchForNewerEpoch } from './promote_peers.ts';

const servers: Server[] = [];
afterEach(() => { for (const s of servers.splice(0)) s.close(); });

/** A node's replication port that answers probes with WELCOME(epoch, lastSequence). */
async function peer(epoch: number, lastSequence: number): Promise<string> {
  const server = createServer((socket) => {
    const reader = new MessageReader(4096);
    socket.on('data', (chunk: Buffer) => {
      reader.push(chunk);
      const type = reader.next();
      if (type === NEED_MORE) return;
      expect(type).toBe(MessageType.HELLO);
      expect(reader.flags() & HELLO_FLAG_PROBE).toBe(HELLO_FLAG_PROBE);
      socket.end(encodeWelcome(epoch, lastSequence));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return `127.0.0.1:${address.port}`;
}

async function closedPort(): Promise<string> {
  const address = await peer(0, 0);
  servers.pop()?.close();
  await new Promise((resolve) => setTimeout(resolve, 20));
  return address;
}

describe('peer epochs', () => {
  it('probes a peer for its epoch and last sequence', async () => {
    const address = await peer(3, 41);
    expect(await probePeer(address)).toEqual({ peer: address, epoch: 3, lastSequence: 41, error: '' });
  });

  it('reports an unreachable peer without failing', async () => {
    const address = await closedPort();
    const answer = await probePeer(address, 500);
    expect(answer.epoch).toBe(-1);
    expect(answer.error).not.toBe('');
    expect(await checkPeerEpochs([address], 0, 500)).toHaveLength(1);
  });

  it('refuses to start while a peer has a newer epoch', async () => {
    const older = await peer(1, 10);
    const newer = await peer(2, 99);
    await expect(checkPeerEpochs([older, newer], 1)).rejects.toThrow(
      new RegExp(`STALE_EPOCH: this node's epoch is 1 but ${newer} has epoch 2 \\(last sequence 99\\)`));
    expect((await checkPeerEpochs([older, newer], 2)).map((a) => a.epoch)).toEqual([1, 2]);
  });

  it('a running primary hears of a newer epoch from a peer or from a follower', async () => {
    const newer = await peer(5, 0);
    const fromPeer = await new Promise<string>((resolve) => {
      watchForNewerEpoch({ peers: [newer], epoch: 4, newerEpochSeen: () => 0, onNewer: resolve, intervalMs: 20 });
    });
    expect(fromPeer).toBe(`STALE_EPOCH: peer ${newer} has epoch 5, newer than this primary's epoch 4`);
    let seen = 0;
    const fromFollower = new Promise<string>((resolve) => {
      watchForNewerEpoch({ peers: [], epoch: 4, newerEpochSeen: () => seen, onNewer: resolve, intervalMs: 20 });
    });
    seen = 6;
    expect(await fromFollower).toBe('STALE_EPOCH: a follower announced epoch 6, newer than this primary\'s epoch 4');
  });
});

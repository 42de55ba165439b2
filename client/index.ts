/**
 * `ringline/client`: the TypeScript client for a ringline server over TCP or WebSocket.
 *
 *   import { RinglineClient, ResultCode } from 'ringline/client';
 *   const client = await RinglineClient.connect({ url: 'tcp://127.0.0.1:7400', apiKey });
 *   const r = await client.send({ type: 'getBalance', accountId: 10, assetId: 1 });
 *
 * A cluster (`ringline start --cluster`): ClusterClient.connect({ nodes: [...every node's URL], apiKey })
 * finds the leader, follows it through failover, and resends with the same idempotency id.
 */
export { RinglineClient, RinglineClientError, type ClientOptions } from './ringline_client.ts';
export { ClusterClient, type ClusterClientOptions } from './cluster_client.ts';
export { EventSubscription, EventSubscriptionError, type EventPosition, type EventSubscriptionOptions } from './event_subscription.ts';
export type { DepthUpdate } from '../codec/wire/event_frame_descriptor.ts';
export { decodeEvent, decodeEvents, type RinglineEvent, type RinglineEventKind } from '../codec/records/event_decoder.ts';
export { ResultCode, resultMessage, resultName } from '../codec/result_codes.ts';
export type { CommandJson, CommandName, RequestJson } from '../codec/types/command_json.ts';
export type { ResponseJson, ResultBodyJson } from '../codec/types/response_json.ts';
export { clientCodec } from './client_codec.ts';
export { encodeFrame } from './frame_decoder.ts';

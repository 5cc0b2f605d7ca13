// One scripted session of @discordjs/ws (discord.js's gateway client, unchanged) against a gateway
// URL, for gatewatch's tests: Identify, READY, one heartbeat; a close with 4000 and a Resume on a
// new socket, RESUMED, one heartbeat; a close with 1000. The same script runs with and without
// zlib-stream transport compression (node:zlib, nothing native), so the two runs must give the same
// metrics.
//
//   node discordjs-session.mjs GATEWAY_URL json|zlib-stream TOKEN
//
// It prints one JSON line on stdout when it is done: {"event":"done","steps":"ready heartbeat ..."}.
//
// @discordjs/ws asks Discord's REST API for /gateway/bot to learn the gateway URL; a `rest` whose
// `get` answers with our gateway's information stands in for it, so nothing leaves this machine.
// Math.random is fixed so that the first heartbeat of each socket waits exactly half the interval
// (the library jitters it randomly), which keeps it clear of the server's heartbeat request.
import { CompressionMethod, WebSocketManager, WebSocketShardEvents } from '@discordjs/ws';

const [url, compression, token] = process.argv.slice(2);
if (!url || !['json', 'zlib-stream'].includes(compression) || !token) {
  console.error('usage: discordjs-session.mjs GATEWAY_URL json|zlib-stream TOKEN');
  process.exit(2);
}
Math.random = () => 0.5;

const gatewayInformation = {
  url,
  shards: 1,
  session_start_limit: { total: 1000, remaining: 1000, reset_after: 60_000, max_concurrency: 1 },
};
const manager = new WebSocketManager({
  token,
  intents: 0,
  shardCount: 1,
  shardIds: [0],
  compression: compression === 'zlib-stream' ? CompressionMethod.ZlibNative : null,
  rest: { get: async () => gatewayInformation },
  readyTimeout: 10_000,
  helloTimeout: 10_000,
});

const steps = [];
const next = (event) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within 20 s; saw ${steps}`)), 20_000);
    manager.once(event, (payload) => {
      clearTimeout(timer);
      steps.push(event);
      resolve(payload);
    });
  });
manager.on(WebSocketShardEvents.Error, (e) => console.error('shard error:', e?.error ?? e));

const timeout = setTimeout(() => {
  console.error(`timed out; saw ${steps}`);
  process.exit(1);
}, 60_000);

try {
  let ready = next(WebSocketShardEvents.Ready);
  await manager.connect();
  await ready;
  await next(WebSocketShardEvents.HeartbeatComplete);

  // The shard's own resume path: close with 4000, reconnect, Resume.
  const shard = manager.strategy.shards.get(0);
  const resumed = next(WebSocketShardEvents.Resumed);
  await shard.destroy({ code: 4000, reason: 'test resume', recover: 1 /* Resume */ });
  await resumed;
  await next(WebSocketShardEvents.HeartbeatComplete);

  await manager.destroy({ code: 1000, reason: 'done' });
  process.stdout.write(`${JSON.stringify({ event: 'done', steps: steps.join(' ') })}\n`);
  clearTimeout(timeout);
} catch (e) {
  console.error(`failed: ${e?.stack ?? e}`);
  process.exit(1);
}

// A bot as @discordjs/ws runs one, pointed at a gateway URL: one shard, JSON encoding, the library's
// own heartbeats, reconnects and resumes. It prints one JSON line per event on stdout, which the
// Java tests read; a line "stop" on stdin ends it the way a bot shuts down (destroy: close 1000).
//
//   node discordjs-client.mjs ws://127.0.0.1:PORT TOKEN [zlib-stream]
//
// The REST half of discord.js cannot run here (there is no Discord): the manager is handed the
// answer of GET /gateway/bot directly, which is all it asks the REST API for.
import { createInterface } from 'node:readline';
import { CompressionMethod, WebSocketManager, WebSocketShardEvents } from '@discordjs/ws';

const [url, token, compress] = process.argv.slice(2);
if (!url || !token) {
  console.error('usage: node discordjs-client.mjs GATEWAY_URL TOKEN [zlib-stream]');
  process.exit(2);
}

const say = (event, extra = {}) => process.stdout.write(`${JSON.stringify({ event, ...extra })}\n`);

const gatewayBot = {
  url,
  shards: 1,
  session_start_limit: { total: 1000, remaining: 1000, reset_after: 60_000, max_concurrency: 1 },
};

const manager = new WebSocketManager({
  token,
  intents: 0,
  shardCount: 1,
  rest: { get: async () => gatewayBot },
  compression: compress === 'zlib-stream' ? CompressionMethod.ZlibNative : null,
});

manager.on(WebSocketShardEvents.Ready, () => say('ready'));
manager.on(WebSocketShardEvents.Resumed, () => say('resumed'));
manager.on(WebSocketShardEvents.HeartbeatComplete, ({ latency }) => say('ack', { latency }));
manager.on(WebSocketShardEvents.Closed, (code) => say('closed', { code }));
manager.on(WebSocketShardEvents.Error, (error) => say('error', { message: error.message }));
manager.on(WebSocketShardEvents.Debug, (message) => process.stderr.write(`${message}\n`));

createInterface({ input: process.stdin }).on('line', async (line) => {
  if (line.trim() === 'stop') {
    await manager.destroy({ reason: 'test finished' });
    say('stopped');
    process.exit(0);
  }
});

manager.connect().catch((error) => say('error', { message: error.message }));

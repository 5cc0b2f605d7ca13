// A gateway client built on the `ws` package and watched by examples/forward.mjs, driven line by line
// from stdin so that a Java test can script it against the simulator:
//   open URL | send JSON | close CODE | flush
// It prints one JSON event per line: opened, frame (op and t of each server frame), closed (code),
// flushed (the ingest endpoint's HTTP status).
//
//   node forward-client.mjs INGEST_URL [INGEST_TOKEN]
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { forwardTo, watch } from '../../../examples/forward.mjs';

const [ingest, token] = process.argv.slice(2);
const say = (event, extra = {}) => process.stdout.write(`${JSON.stringify({ event, ...extra })}\n`);
const forwarder = forwardTo(ingest, { token, everyMs: 60_000 });
let ws = null;

createInterface({ input: process.stdin }).on('line', async (line) => {
  const space = line.indexOf(' ');
  const [command, arg] = space < 0 ? [line, ''] : [line.slice(0, space), line.slice(space + 1)];
  switch (command) {
    case 'open': {
      ws = watch(new WebSocket(arg), arg);
      const socket = ws;
      socket.addEventListener('open', () => say('opened'));
      socket.addEventListener('message', (m) => {
        const frame = JSON.parse(m.data);
        say('frame', { op: frame.op, t: frame.t ?? null, d: frame.d ?? null });
      });
      socket.addEventListener('close', (c) => say('closed', { code: c.code }));
      break;
    }
    case 'send':
      ws.send(arg);
      break;
    case 'close':
      ws.close(Number(arg));
      break;
    case 'flush':
      say('flushed', { status: await forwarder.flush() });
      break;
    case 'stop':
      await forwarder.stop();
      process.exit(0);
      break;
    default:
      say('error', { message: `unknown command ${command}` });
  }
});

// gatewatch's forwarder for JavaScript clients: watches a gateway WebSocket (a browser's, or one from
// the `ws` package in Node 20+) and posts what it sees to gatewatch's ingest endpoint,
// POST /v1/capture, in the capture format (docs/capture-format.md). docs/tap.md shows how to use it.
//
//   import { watch, forwardTo } from "./forward.mjs";
//   const forwarder = forwardTo("http://127.0.0.1:9470/v1/capture", { token: ingestToken });
//   const ws = watch(new WebSocket(url), url);
//   ...
//   await forwarder.stop(); // posts what is left
//
// Tokens never leave the process: every distinct token becomes a random fingerprint, made here and
// kept only in memory, which still lets gatewatch link one client's reconnects. Measurement never
// breaks the client: a batch the endpoint cannot take is dropped.

let lines = [];
const fingerprints = new Map(); // token -> 12 random hex digits, for this process only

const randomHex = (bytes) =>
  [...crypto.getRandomValues(new Uint8Array(bytes))]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");

function fingerprint(token) {
  if (!fingerprints.has(token)) fingerprints.set(token, randomHex(6));
  return fingerprints.get(token);
}

const redact = (text) =>
  text.replace(
    /("token"\s*:\s*")((?:[^"\\]|\\.)*)"/g,
    (_, head, token) => `${head}<redacted:${fingerprint(token)}>"`,
  );

const record = (conn, event) =>
  lines.push(JSON.stringify({ ts: performance.timeOrigin + performance.now(), conn, ...event }));

/** Watches one socket; returns it. `url` is where it connects (only its path and query are kept). */
export function watch(ws, url) {
  const conn = crypto.randomUUID();
  const { pathname, search } = new URL(url);
  let closedByUs = false;
  ws.addEventListener("open", () => record(conn, { type: "open", url: pathname + search }));
  ws.addEventListener("message", (m) => {
    if (typeof m.data === "string") record(conn, { type: "frame", from: "server", frame: m.data });
  });
  const send = ws.send.bind(ws);
  ws.send = (data, ...rest) => {
    if (typeof data === "string") {
      const clean = redact(data);
      const size = new TextEncoder().encode(data).length; // the size as sent, before redaction
      record(conn, { type: "frame", from: "client", frame: clean, ...(clean !== data && { size }) });
    }
    return send(data, ...rest);
  };
  const close = ws.close.bind(ws);
  ws.close = (...args) => {
    // The `ws` package answers the server's close frame by calling this very method, after marking
    // the frame as received: that call is the reply, not the application closing. (Browsers never
    // call the method themselves.)
    if (!ws._closeFrameReceived) closedByUs = true;
    return close(...args);
  };
  ws.addEventListener("close", (c) =>
    record(conn, {
      type: "close",
      code: c.code,
      reason: c.reason,
      by: c.code === 1006 ? "none" : closedByUs ? "client" : "server",
    }),
  );
  return ws;
}

/**
 * Posts the recorded lines to `ingest` every `everyMs`. `token` is the endpoint's bearer token when
 * it requires one: from a browser, that makes the POST a cross-origin request with a preflight,
 * which the endpoint does not answer, so forward through your own backend there.
 * Returns { flush, stop }: both post what is waiting and resolve to the HTTP status (0: unreachable).
 */
export function forwardTo(ingest, { token, everyMs = 5000 } = {}) {
  const headers = { "Content-Type": "text/plain" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const flush = async () => {
    if (lines.length === 0) return 200;
    const body = lines.join("\n");
    lines = [];
    try {
      const response = await fetch(ingest, { method: "POST", headers, body });
      return response.status;
    } catch {
      return 0; // measurement must never break the client
    }
  };
  const timer = setInterval(flush, everyMs);
  timer.unref?.(); // in Node, the forwarder alone does not keep the process running
  return { flush, stop: () => (clearInterval(timer), flush()) };
}

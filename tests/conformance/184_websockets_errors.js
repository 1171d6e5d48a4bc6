// k6/experimental/websockets failures: a refused upgrade (error "websocket: bad handshake",
// then close), a refused connection, a server close with 4001 (error with gorilla's text,
// then close, no code on the event), send/ping outside OPEN (InvalidStateError) and bad
// params. (A listener that throws is tested in tests/websockets.rs: whether k6 still records
// that socket's ws_session_duration depends on timing.)
import { WebSocket } from 'k6/experimental/websockets';
import { check } from 'k6';

export const options = { iterations: 2 };

// Sockets finish in any order: their checks run together, in a fixed order, once all closed.
const pending = [];
function settle() {
  if (pending.every(([, , s]) => s.some((x) => x.startsWith('close')))) {
    for (const [n, want, got] of pending) check(got, { [n]: (g) => g.join('|') === want });
  }
}

function expectEvents(name, expected, url, protocols, params) {
  const seen = [];
  pending.push([name, expected, seen]);
  const ws = new WebSocket(url, protocols, params);
  ws.onopen = () => seen.push('open');
  ws.onerror = (e) => seen.push(`error ${e.error}`);
  ws.onclose = (e) => {
    seen.push(`close ${e.code} ${ws.readyState}`);
    settle();
  };
}

const t = (f) => {
  try {
    f();
    return 'ok';
  } catch (e) {
    return String(e);
  }
};

export default function () {
  const base = __ENV.BASE_URL.replace('http', 'ws');
  expectEvents('bad handshake', 'error websocket: bad handshake|close undefined 3', `${base}/ws/nope`);
  expectEvents('refused', 'error dial tcp 127.0.0.1:1: connect: connection refused|close undefined 3', 'ws://127.0.0.1:1/');
  expectEvents('server close 4001', 'open|error websocket: close 4001: bye|close undefined 3', `${base}/ws/close/4001?reason=bye`, ['chat'], { tags: { name: 'closer' } });
  const w = new WebSocket(`${base}/ws/echo`);
  check(null, {
    'send while connecting': () => t(() => w.send('x')) === 'GoError: InvalidStateError',
    'ping while connecting': () => t(() => w.ping()) === 'GoError: InvalidStateError',
    'bad binaryType': () => t(() => { w.binaryType = 'x'; }) === 'GoError: unknown binaryType x, the supported ones are "blob" and "arraybuffer"',
    'bad handler': () => t(() => { w.onmessage = 1; }) === "GoError: a value for 'onmessage' should be callable",
    'unknown option': () => t(() => new WebSocket(`${base}/ws/echo`, null, { nope: 1 })) === "GoError: unknown WebSocket's option nope",
    'bad scheme': () => t(() => new WebSocket('http://x/')) === 'GoError: WebSocket requires url with scheme ws or wss, but got "http"',
    'fragment': () => t(() => new WebSocket(`${base}/ws/echo#x`)) === 'GoError: WebSocket requires no url fragment, but got "x"',
    'no url': () => t(() => new WebSocket()) === 'GoError: WebSocket requires a url',
    'bad compression': () => t(() => new WebSocket(`${base}/ws/echo`, null, { compression: 'gzip' })) === "GoError: unsupported compression algorithm 'gzip', supported algorithm is 'deflate'",
    'bad tags': () => t(() => new WebSocket(`${base}/ws/echo`, null, { tags: { a: {} } })).startsWith('GoError: invalid WebSocket tags option: invalid value for metric tag'),
  });
  const closing = [];
  pending.push(['send while closing', 'GoError: InvalidStateError|ok|close', closing]);
  w.onopen = () => {
    w.close();
    closing.push(t(() => w.send('x')), t(() => w.close()));
  };
  w.onclose = () => {
    closing.push('close');
    settle();
  };
}

// k6/experimental/websockets against the echo: three sockets at once on one VU, text,
// ArrayBuffer and typed-array (k6 sends the view's whole buffer) sends (a DataView is
// refused), a received Blob sent back (k6 v1.1.0 refuses Blobs made with `new Blob`, see
// docs/websockets.md), binaryType 'arraybuffer' and 'blob', ping/pong, close(); the
// iteration ends when every socket has closed. ws_msgs_sent counts every written frame
// (pings and close frames too). userAgent is set so the wire bytes are compared too.
import { WebSocket } from 'k6/experimental/websockets';
import { check } from 'k6';

export const options = { vus: 2, iterations: 4, userAgent: 'rk6-conformance/1.0' };

export default function () {
  const base = __ENV.BASE_URL.replace('http', 'ws');
  // The sockets finish in any order: what they saw is checked at the end, in a fixed order.
  const seen = { text: [], sizes: [], blobs: [], states: [] };
  let open = 3;
  const closed = () => {
    open--;
    if (open > 0) return;
    check(seen.text, { 'text socket events': (x) => x.join('|') === `open 1 |message hello ${base}/ws/echo true|closing 2|closed 3` });
    check(seen.sizes, { 'array buffers echoed': (s) => s.join(',') === '3,5,4' });
    check(seen.blobs, { 'blobs received': (b) => b.join('|') === '[object Blob] 3 |[object Blob] 3 |abC' });
    check(seen.states, { 'DataView refused': (m) => m[0] === 'GoError: unsupported send type map[string]interface {}' });
  };

  const text = new WebSocket(`${base}/ws/echo`, null, { tags: { kind: 'text' } });
  text.onopen = () => {
    seen.text.push(`open ${text.readyState} ${text.protocol}`);
    text.send('hello');
  };
  text.onmessage = (e) => {
    seen.text.push(`message ${e.data} ${e.origin} ${e.target === text && e.type === 'message'}`);
    text.close();
    seen.text.push(`closing ${text.readyState}`);
  };
  text.onclose = () => {
    seen.text.push(`closed ${text.readyState}`);
    closed();
  };

  const binary = new WebSocket(`${base}/ws/echo`, null, { tags: { kind: 'binary' } });
  binary.binaryType = 'arraybuffer';
  binary.addEventListener('open', () => {
    binary.send(new Uint8Array([1, 2, 3]).buffer);
    binary.send(new Uint8Array([1, 2, 3, 4, 5]).subarray(1, 2));
    try {
      binary.send(new DataView(new ArrayBuffer(4)));
    } catch (e) {
      seen.states.push(String(e));
    }
    binary.send(new Uint16Array(2));
    binary.ping();
  });
  binary.addEventListener('message', (e) => seen.sizes.push(e.data.byteLength));
  binary.addEventListener('pong', () => binary.close(1000, 'done'));
  binary.addEventListener('close', closed);

  const blob = new WebSocket(`${base}/ws/echo`);
  blob.onopen = () => blob.send(new Uint8Array([97, 98, 67]));
  blob.onmessage = (e) => {
    seen.blobs.push(`${String(e.data)} ${e.data.size} ${e.data.type}`);
    if (seen.blobs.length === 1) {
      blob.send(e.data);
      return;
    }
    e.data.text().then((t) => {
      seen.blobs.push(t);
      blob.close();
    });
  };
  blob.onclose = closed;
}

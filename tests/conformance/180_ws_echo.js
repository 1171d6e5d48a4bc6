// k6/ws against the target's echo: text, binary, ping/pong, socket timers, the tags param, the
// group tag, checks in handlers and on the response; connect() blocks until the socket closes
// and close() without a code closes with 1001. (Wire bytes are not compared: k6 closes the
// TCP connection right after its close frame and reads the server's reply only sometimes, so
// its data_received varies by a close frame from run to run; data_sent matched, 1868 bytes on
// both with the same User-Agent.)
import ws from 'k6/ws';
import { check, group } from 'k6';
import { Counter } from 'k6/metrics';

const echoed = new Counter('echoed');

export const options = { vus: 2, iterations: 4 };

export default function () {
  const base = __ENV.BASE_URL.replace('http', 'ws');
  group('echo', () => {
    const res = ws.connect(`${base}/ws/echo`, { tags: { kind: 'echo' } }, (socket) => {
      socket.on('open', () => {
        socket.send('hello');
        socket.sendBinary(new Uint8Array([1, 2, 3]).buffer);
        socket.ping();
      });
      socket.on('message', (m) => {
        echoed.add(1);
        check(m, { 'text echoed': (v) => v === 'hello' });
      });
      socket.on('binaryMessage', (b) => {
        check(b, { 'binary echoed': (v) => v instanceof ArrayBuffer && v.byteLength === 3 });
      });
      // The server answers the ping after echoing both messages.
      socket.on('pong', () => socket.close());
      socket.on('close', (code) => check(code, { 'closed with 1001': (c) => c === 1001 }));
    });
    check(res, {
      'status is 101': (r) => r && r.status === 101,
      'url as given': (r) => r.url === `${base}/ws/echo`,
      'no error': (r) => r.error === '',
      'upgrade header': (r) => r.headers.Upgrade === 'websocket',
    });
  });
  group('timers', () => {
    let ticks = 0;
    let echoes = 0;
    ws.connect(`${base}/ws/echo`, {}, (socket) => {
      socket.on('open', () => {
        socket.setInterval(() => {
          ticks++;
          if (ticks <= 3) socket.send(`tick ${ticks}`);
        }, 5);
      });
      socket.on('message', () => {
        echoes++;
        if (echoes === 3) socket.setTimeout(() => socket.close(1000), 1);
      });
      socket.on('close', (code) => check(code, { 'closed with 1000': (c) => c === 1000 }));
    });
    check(echoes, { 'three echoes': (n) => n === 3 });
  });
}

// k6/ws with the `throw` option: a failed connection (refused, a refused upgrade) is an
// exception with the response's error text instead of a response; the samples are the same.
import ws from 'k6/ws';
import { check } from 'k6';

export const options = { iterations: 1, throw: true };

const thrown = (f) => {
  try {
    f();
    return 'no exception';
  } catch (e) {
    return String(e);
  }
};

export default function () {
  const base = __ENV.BASE_URL.replace('http', 'ws');
  check(null, {
    refused: () => thrown(() => ws.connect('ws://127.0.0.1:1/', {}, () => {})) === 'GoError: dial tcp 127.0.0.1:1: connect: connection refused',
    'bad handshake': () => thrown(() => ws.connect(`${base}/ws/nope`, {}, () => {})) === 'GoError: websocket: bad handshake',
    'opened sockets still return': () => thrown(() => ws.connect(`${base}/ws/messages/1`, {}, () => {})) === 'no exception',
  });
}

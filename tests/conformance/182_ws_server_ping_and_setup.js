// k6/ws: the server pings (k6 answers and runs the ping handlers), sockets opened in setup()
// (group ::setup) and in teardown(), and connect() in a nested group; the tags param can't
// override the url, status or subproto system tags.
import ws from 'k6/ws';
import { check, group } from 'k6';

export const options = { iterations: 1 };

function pinged(base, tags) {
  let pings = 0;
  const res = ws.connect(`${base}/ws/ping/3`, { tags }, (socket) => {
    socket.on('ping', () => pings++);
  });
  return [pings, res.status];
}

export function setup() {
  const base = __ENV.BASE_URL.replace('http', 'ws');
  return pinged(base, { phase: 'setup' });
}

export default function (data) {
  const base = __ENV.BASE_URL.replace('http', 'ws');
  check(data, { 'setup saw 3 pings': (d) => d[0] === 3 && d[1] === 101 });
  group('outer', () => {
    group('inner', () => {
      const [pings] = pinged(base, { url: 'mine', status: 'mine', subproto: 'mine', own: 'tag' });
      check(pings, { 'three pings': (n) => n === 3 });
    });
  });
}

export function teardown() {
  const base = __ENV.BASE_URL.replace('http', 'ws');
  pinged(base, { phase: 'teardown' });
}

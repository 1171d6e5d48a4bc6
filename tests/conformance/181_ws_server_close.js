// k6/ws when the server ends the session: N messages then 1000 (no error event), a close
// code other than 1000/1001 (error event with gorilla's text, then close with the code), a
// refused upgrade (404: response with status, headers and body, no url), a refused
// connection and a malformed URL (response.error); writes after the close report
// "websocket: close sent" and still count. Every attempt emits ws_sessions/ws_connecting.
import ws from 'k6/ws';
import { check } from 'k6';

export const options = { iterations: 2 };

export default function () {
  const base = __ENV.BASE_URL.replace('http', 'ws');
  const got = [];
  ws.connect(`${base}/ws/messages/3`, {}, (socket) => {
    socket.on('message', (m) => got.push(m));
    socket.on('error', () => got.push('error'));
    socket.on('close', (code) => {
      got.push(`close ${code}`);
      socket.send('too late');
    });
  });
  check(got, {
    'messages then close': (g) => g.join('|') === 'message 1|message 2|message 3|close 1000|error',
  });

  const events = [];
  ws.connect(`${base}/ws/close/4001?reason=bye`, { tags: { case: 'close' } }, (socket) => {
    socket.on('error', (e) => events.push(`error ${e.error()} / ${String(e)}`));
    socket.on('close', (code) => events.push(`close ${code}`));
  });
  check(events, {
    'error then close': (e) => e.join('|') === 'error websocket: close 4001: bye / websocket: close 4001: bye|close 4001',
  });

  const notFound = ws.connect(`${base}/ws/nope`, {}, () => {});
  check(notFound, {
    '404 status': (r) => r.status === 404,
    '404 body': (r) => JSON.parse(r.body).error === 'not found',
    '404 no url': (r) => r.url === '',
    '404 no error': (r) => r.error === '',
    '404 content type': (r) => r.headers['Content-Type'] === 'application/json',
  });
  const plain = ws.connect(`${base}/get`, {}, () => {});
  check(plain, { 'a plain endpoint answers without upgrading': (r) => r.status === 200 && r.error === '' });

  const refused = ws.connect('ws://127.0.0.1:1/', {}, () => {});
  check(refused, {
    'refused error': (r) => r.error === 'dial tcp 127.0.0.1:1: connect: connection refused',
    'refused status': (r) => r.status === 0,
  });
  const malformed = ws.connect(`${base.replace('ws', 'http')}/ws/echo`, {}, () => {});
  check(malformed, { malformed: (r) => r.error === 'malformed ws or wss URL' });
}

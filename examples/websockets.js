// WebSockets with both k6 modules against the target's echo and chat rooms: k6/ws blocks the
// iteration in connect() while its socket is open; k6/experimental/websockets' WebSocket
// lives on the event loop, so one VU can hold several and the iteration ends when all closed.
//
//   rk6 target --listen 127.0.0.1:8080 &
//   rk6 run examples/websockets.js
import ws from 'k6/ws';
import { WebSocket } from 'k6/experimental/websockets';
import { check } from 'k6';

const WS = (__ENV.BASE_URL || 'http://127.0.0.1:8080').replace('http', 'ws');

export const options = {
  vus: 2,
  iterations: 4,
  thresholds: {
    checks: ['rate==1'],
    ws_connecting: ['p(95)<1000'],
    ws_msgs_received: ['count>0'],
  },
};

export default function () {
  // k6/ws: three messages a few ms apart, then close (code 1000) once all came back.
  let echoed = 0;
  const res = ws.connect(`${WS}/ws/echo`, { tags: { api: 'k6/ws' } }, (socket) => {
    socket.on('open', () => {
      let sent = 0;
      socket.setInterval(() => {
        if (sent < 3) socket.send(`message ${++sent}`);
      }, 10);
    });
    socket.on('message', () => {
      echoed += 1;
      if (echoed === 3) socket.close(1000);
    });
  });
  check(res, { 'k6/ws: upgraded': (r) => r && r.status === 101 });
  check(echoed, { 'k6/ws: all echoed': (n) => n === 3 });

  // The WebSocket API: a CrocoChat room per VU; the server closes after LEAVE.
  const chat = new WebSocket(`${WS}/ws/crocochat/room-${__VU}/`, null, { tags: { api: 'websockets' } });
  /** @type {string[]} */
  const seen = [];
  chat.onopen = () => {
    chat.send(JSON.stringify({ event: 'SET_NAME', new_name: `VU ${__VU}` }));
    chat.send(JSON.stringify({ event: 'SAY', message: 'hello' }));
  };
  chat.onmessage = (e) => {
    const msg = JSON.parse(/** @type {string} */ (e.data));
    seen.push(msg.event);
    if (msg.event === 'CHAT_MSG') chat.send(JSON.stringify({ event: 'LEAVE' }));
  };
  chat.onclose = () => check(seen, { 'websockets: joined and chatted': (s) => s.join() === 'USER_JOINED,CHAT_MSG' });
}

// k6/experimental/websockets against server-driven sessions: N binary messages as Blobs
// (promises resolve between events), a CrocoChat room per VU (SET_NAME, SAY, LEAVE; the
// server broadcasts to the room, the sender included, and closes with 1000), a subprotocol
// the server accepts, and the server's pings.
import { WebSocket } from 'k6/experimental/websockets';
import { check } from 'k6';

// per-vu-iterations: each VU (so each room) runs exactly once, whatever the scheduling.
export const options = {
  scenarios: { default: { executor: 'per-vu-iterations', vus: 2, iterations: 1 } },
};

// The sockets finish in any order: their checks run together, in a fixed order, at the end.
function whenAllClosed(count, checks) {
  let closed = 0;
  return () => {
    closed++;
    if (closed === count) checks();
  };
}

export default function () {
  const base = __ENV.BASE_URL.replace('http', 'ws');
  const texts = [];
  const events = [];
  let pings = 0;
  let protocol = null;
  const closed = whenAllClosed(3, () => {
    check(protocol, { 'first protocol accepted': (p) => p === 'chat' });
    check(texts, { 'blob messages': (x) => x.join('|') === 'message 1|message 2|message 3' });
    check(events, { 'chat events': (x) => x.join(',') === 'USER_JOINED,CHAT_MSG,ERROR' });
    check(pings, { 'two pings': (n) => n === 2 });
  });
  const m = new WebSocket(`${base}/ws/messages/3?binary=true`);
  m.onmessage = (e) => e.data.text().then((t) => texts.push(t));
  // The text() promises settle before the close event's job runs.
  m.onclose = closed;

  const chat = new WebSocket(`${base}/ws/crocochat/room-${__VU}/`, ['chat', 'v2']);
  chat.onopen = () => {
    protocol = chat.protocol;
    chat.send(JSON.stringify({ event: 'SET_NAME', new_name: `Croc ${__VU}` }));
    chat.send(JSON.stringify({ event: 'SAY', message: 'hi' }));
    chat.send('not json');
  };
  chat.onmessage = (e) => {
    const msg = JSON.parse(e.data);
    events.push(msg.event);
    if (msg.event === 'ERROR') chat.send(JSON.stringify({ event: 'LEAVE' }));
  };
  chat.onclose = closed;

  const p = new WebSocket(`${base}/ws/ping/2`);
  p.onping = () => pings++;
  p.onclose = closed;
}

// WebSockets, k6/ws: every VU holds one socket for HOLD_S seconds, sending a message every
// INTERVAL_MS that the target echoes (bench/run.py: memory per VU, CPU per message).
import ws from 'k6/ws';
import { check } from 'k6';
const VUS = Number(__ENV.VUS || 200);
const HOLD_MS = Number(__ENV.HOLD_S || 30) * 1000;
const INTERVAL_MS = Number(__ENV.INTERVAL_MS || 100);
export const options = {
  scenarios: { hold: { executor: 'per-vu-iterations', vus: VUS, iterations: 1, maxDuration: '5m' } },
};
export default function () {
  let echoed = 0;
  const res = ws.connect(`${__ENV.TARGET}/ws/echo`, {}, (socket) => {
    socket.on('open', () => {
      socket.setInterval(() => socket.send(`${Date.now()}`), INTERVAL_MS);
      socket.setTimeout(() => socket.close(1000), HOLD_MS);
    });
    socket.on('message', () => echoed++);
  });
  check(res, { upgraded: (r) => r && r.status === 101 });
  check(echoed, { echoed: (n) => n > 0 });
}

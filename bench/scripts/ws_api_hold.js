// WebSockets, k6/experimental/websockets: every VU holds one socket for HOLD_S seconds,
// sending a message every INTERVAL_MS that the target echoes (bench/run.py: memory per VU,
// CPU per message).
import { WebSocket } from 'k6/experimental/websockets';
import { check } from 'k6';
const VUS = Number(__ENV.VUS || 200);
const HOLD_MS = Number(__ENV.HOLD_S || 30) * 1000;
const INTERVAL_MS = Number(__ENV.INTERVAL_MS || 100);
export const options = {
  scenarios: { hold: { executor: 'per-vu-iterations', vus: VUS, iterations: 1, maxDuration: '5m' } },
};
export default function () {
  const socket = new WebSocket(`${__ENV.TARGET}/ws/echo`);
  let echoed = 0;
  let ticker;
  socket.onopen = () => {
    ticker = setInterval(() => socket.send(`${Date.now()}`), INTERVAL_MS);
    setTimeout(() => {
      clearInterval(ticker);
      socket.close();
    }, HOLD_MS);
  };
  socket.onmessage = () => echoed++;
  socket.onclose = () => check(echoed, { echoed: (n) => n > 0 });
}

// `iterations` with a `duration` under a second: the duration is the shared-iterations
// scenario's maxDuration, which k6 requires to be at least 1s (exit 104).
import http from 'k6/http';

export const options = { vus: 1, iterations: 3, duration: '500ms' };

export default function () {
  http.get(`${__ENV.BASE_URL}/get`);
}

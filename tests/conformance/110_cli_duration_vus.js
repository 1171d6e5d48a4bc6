// time-based
// args: --vus 2 --duration 1500ms
// --vus and --duration replace the script's iterations-based options.
import http from 'k6/http';
import { sleep } from 'k6';

export const options = { vus: 5, iterations: 100, thresholds: { vus_max: ['value==2'] } };

export default function () {
  http.get(`${__ENV.BASE_URL}/get`);
  sleep(0.2);
}

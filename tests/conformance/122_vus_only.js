// `vus` without iterations, duration or stages: k6 ignores it (with a warning) and runs one
// iteration on one VU.
import http from 'k6/http';
import { check } from 'k6';

export const options = { vus: 5, thresholds: { iterations: ['count==1'] } };

export default function () {
  check(http.get(`${__ENV.BASE_URL}/get?vu=${__VU}`), { 'first VU': () => __VU === 1 });
}

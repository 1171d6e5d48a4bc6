// time-based
// A short ramping-vus test: iteration counts are time-dependent, so only names and tags matter.
// (`time-based`: the comparator checks names, tag sets, fields and verdicts, not counts.)
import http from 'k6/http';
import { sleep } from 'k6';

export const options = {
  stages: [
    { duration: '300ms', target: 2 },
    { duration: '300ms', target: 0 },
  ],
  thresholds: { http_req_failed: ['rate==0'] },
};

export default function () {
  http.get(`${__ENV.BASE_URL}/get`);
  sleep(0.1);
}

// args: --vus 2 --duration 500ms
// time-based
// --vus with --duration: constant-vus; time-based, so only names, tags and verdicts matter.
import http from 'k6/http';
import { check, sleep } from 'k6';

export default function () {
  const r = http.get(`${__ENV.BASE_URL}/get`);
  check(r, { ok: (x) => x.status === 200 });
  sleep(0.1);
}

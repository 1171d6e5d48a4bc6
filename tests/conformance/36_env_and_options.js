// args: -e MODE=fast
// __ENV from -e, options computed from env, setup-only requests.
import http from 'k6/http';
import { check } from 'k6';

const fast = __ENV.MODE === 'fast';

export const options = {
  vus: fast ? 2 : 1,
  iterations: fast ? 6 : 1,
  thresholds: { 'checks{mode:fast}': ['rate==1'] },
};

export function setup() {
  return { mode: __ENV.MODE };
}

export default function (data) {
  const r = http.get(`${__ENV.BASE_URL}/get?mode=${data.mode}`);
  check(r, { 'mode echoed': (x) => x.json('args.mode') === 'fast' }, { mode: data.mode });
}

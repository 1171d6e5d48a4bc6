// args: -u 2 -i 5 --tag run=cli -e MODE=short
// Short CLI flags (-u, -i, -e) and --tag override the script's options; the script's own
// duration-based options are replaced by the iterations.
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  vus: 10,
  duration: '1m',
  tags: { run: 'script' },
  thresholds: { 'http_reqs{run:cli}': ['count==5'], 'http_reqs{run:script}': ['count==0'] },
};

export default function () {
  const r = http.get(`${__ENV.BASE_URL}/get?mode=${__ENV.MODE}`);
  check(r, { 'mode passed': (x) => x.json('args.mode') === 'short' });
}

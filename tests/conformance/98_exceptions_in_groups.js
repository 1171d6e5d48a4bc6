// Exceptions thrown inside nested groups on some iterations: the groups' durations, checks
// before the throw, the iteration ending early, and a custom error counter in a try/catch.
import http from 'k6/http';
import { check, group } from 'k6';
import { Counter } from 'k6/metrics';

const caught = new Counter('caught_errors');
const finished = new Counter('finished');

export const options = {
  vus: 1,
  iterations: 6,
  thresholds: { caught_errors: ['count==2'], finished: ['count==3'] },
};

function parseOrder(res) {
  const body = res.json();
  if (!body.order) throw new Error(`no order in ${res.url}`);
  return body.order;
}

export default function () {
  const base = __ENV.BASE_URL;
  group('checkout', () => {
    const r = http.get(`${base}/get?step=cart`);
    check(r, { 'cart ok': (x) => x.status === 200 });
    try {
      parseOrder(r);
    } catch (e) {
      if (__ITER % 3 === 0) caught.add(1, { kind: 'parse' });
    }
    group('payment', () => {
      http.post(`${base}/post`, JSON.stringify({ iter: __ITER }));
      if (__ITER % 2 === 1) {
        throw new Error(`payment declined in iteration ${__ITER}`);
      }
    });
  });
  finished.add(1);
}

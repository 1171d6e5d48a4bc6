// Thresholds on scenario and custom tags, on iterations, checks{check:...}, http_req_failed by
// status, group_duration by group, p(99.9), Counter count/rate, Gauge value, several per metric
// with one failing (exit 99), and a sub-metric nobody fills.
import http from 'k6/http';
import { check, group } from 'k6';
import { Counter, Gauge, Rate, Trend } from 'k6/metrics';

const orders = new Counter('orders');
const basket = new Gauge('basket_size');
const paid = new Rate('paid');
const amount = new Trend('amount');

export const options = {
  scenarios: {
    shoppers: { executor: 'per-vu-iterations', vus: 2, iterations: 3, tags: { team: 'web' } },
    admins: { executor: 'shared-iterations', vus: 1, iterations: 2, exec: 'admin', tags: { team: 'ops' } },
  },
  thresholds: {
    iterations: ['count==8'],
    'iterations{scenario:shoppers}': ['count==6'],
    'iterations{scenario:admins}': ['count==2', 'count>5'],
    'http_reqs{team:web}': ['count==12'],
    'http_req_failed{status:404}': ['rate==1'],
    'http_req_failed{status:200}': ['rate==0'],
    'checks{check:found}': ['rate>0.99'],
    'group_duration{group:::cart}': ['p(99.9)<60000', 'max>=0'],
    'group_duration{group:::never}': ['max==0'],
    orders: ['count==6', 'rate>0'],
    'orders{team:web}': ['count>=6'],
    basket_size: ['value==3', 'value>0'],
    paid: ['rate==0.5'],
    amount: ['p(99.9)<=40', 'avg==25', 'med>10', 'min<0'],
    'amount{scenario:admins}': ['max==40'],
  },
};

export default function () {
  const base = __ENV.BASE_URL;
  group('cart', () => {
    const r = http.get(`${base}/get?item=${__ITER}`);
    check(r, { found: (x) => x.status === 200 });
    orders.add(1, { item: String(__ITER % 2) });
    basket.add(__ITER + 1);
    amount.add(10 * (__ITER + 1) - 5 * (__ITER % 2));
  });
  const miss = http.get(`${base}/status/404`);
  check(miss, { missing: (x) => x.status === 404 });
  paid.add(__ITER % 2 === 0);
}

export function admin() {
  http.get(`${base()}/status/200`);
  amount.add(40);
  paid.add(false);
}

function base() {
  return __ENV.BASE_URL;
}

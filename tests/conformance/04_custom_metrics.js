// Counter, Gauge, Rate and Trend with per-call tags and sub-metric thresholds.
import http from 'k6/http';
import exec from 'k6/execution';
import { Counter, Gauge, Rate, Trend } from 'k6/metrics';

const orders = new Counter('orders_total');
const cartSize = new Gauge('cart_size');
const success = new Rate('order_success');
const orderValue = new Trend('order_value');
const waitTime = new Trend('order_wait', true);

export const options = {
  vus: 1,
  iterations: 8,
  thresholds: {
    orders_total: ['count>=8'],
    'orders_total{type:premium}': ['count==4'],
    cart_size: ['value>0', 'value<100'],
    order_success: ['rate>0.4'],
    'order_success{type:basic}': ['rate<0.6'],
    order_value: ['avg>10', 'p(90)<1000', 'max<=100'],
    'order_value{type:premium}': ['min>=50'],
    order_wait: ['p(95)<10000'],
  },
};

export default function () {
  const i = exec.scenario.iterationInTest;
  const type = i % 2 === 0 ? 'premium' : 'basic';
  const res = http.get(`${__ENV.BASE_URL}/get?type=${type}`);
  orders.add(1, { type });
  orders.add(2);
  cartSize.add(3 + (i % 3), { type });
  success.add(type === 'premium', { type });
  success.add(0);
  orderValue.add(type === 'premium' ? 100 : 20, { type });
  waitTime.add(res.timings.waiting);
}

// An async iteration that rejects is logged like an exception; the iteration still counts.
import http from 'k6/http';
import { sleep } from 'k6';

export const options = { vus: 1, iterations: 3 };

export default async function () {
  const r = await http.asyncRequest('GET', `${__ENV.BASE_URL}/status/500`);
  if (__ITER === 1) {
    throw new Error(`bad status ${r.status}`);
  }
  await new Promise((resolve) => setTimeout(resolve, 10));
  sleep(0.01);
}

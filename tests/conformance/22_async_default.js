// An async default function awaiting asyncRequest and plain promises.
import http from 'k6/http';
import { check } from 'k6';

export const options = { vus: 2, iterations: 4 };

async function step(base, path) {
  const r = await http.asyncRequest('GET', `${base}${path}`);
  return r.status;
}

export default async function () {
  const base = __ENV.BASE_URL;
  const first = await step(base, '/get');
  const [a, b] = await Promise.all([step(base, '/json'), step(base, '/status/404')]);
  const v = await new Promise((resolve) => resolve(41)).then((x) => x + 1);
  check({ first, a, b, v }, {
    'first ok': (s) => s.first === 200,
    'parallel ok': (s) => s.a === 200 && s.b === 404,
    'promise chain': (s) => s.v === 42,
  });
}

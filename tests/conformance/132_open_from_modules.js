// open() in an imported module: at the module's top level a relative path is resolved
// against the module's own directory (lib/), inside a helper called from the main script's
// top level against the main script's; SharedArray built in the module.
import http from 'k6/http';
import { check } from 'k6';
import { scores, config, readLater } from './lib/data_loader.js';

const users = JSON.parse(readLater('./data/users.json'));

export const options = { vus: 1, iterations: 3, thresholds: { checks: ['rate==1'] } };

export default function () {
  const row = scores[__ITER % scores.length];
  const r = http.post(`${__ENV.BASE_URL}/post`, { name: row[1], score: row[2] });
  check(r, {
    'row from lib-relative CSV': (x) => x.json('form.name') === row[1],
    'three rows': () => scores.length === 3,
    'config from lib-relative path': () => config.iterations === 50,
    'users from main-relative path': () => Array.isArray(users) || typeof users === 'object',
  });
}

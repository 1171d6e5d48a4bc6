// From the k6 docs' http.asyncRequest example: the default export is an async arrow function
// (`export default async () => {...}`), which is an exported expression, not an `async
// function` declaration. Three requests race; the checks look only at what is deterministic.
import http from 'k6/http';
import { check } from 'k6';

export const options = { vus: 2, iterations: 4 };

export default async () => {
  const base = __ENV.BASE_URL;
  const one = http.asyncRequest('GET', `${base}/get?n=1`);
  const two = http.asyncRequest('GET', `${base}/get?n=2`, null, { tags: { name: 'second' } });
  const three = http.asyncRequest('POST', `${base}/post`, JSON.stringify({ n: 3 }), {
    headers: { 'Content-Type': 'application/json' },
  });
  const winner = await Promise.race([one, two, three]);
  const all = await Promise.all([one, two, three]);
  check(winner, { 'a winner': (r) => r.status === 200 });
  check(all, {
    'all answered': (rs) => rs.every((r) => r.status === 200),
    'in order': (rs) => rs[0].json('args.n') === '1' && rs[1].json('args.n') === '2',
    'body posted': (rs) => rs[2].json('json.n') === 3,
  });
};

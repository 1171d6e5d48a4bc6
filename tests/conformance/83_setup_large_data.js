// setup() returning a large nested structure; the default function and teardown read it,
// teardown makes requests and checks, handleSummary sees setup_data.
import http from 'k6/http';
import { check, group } from 'k6';

export const options = { vus: 2, iterations: 4 };

export function setup() {
  const users = [];
  for (let i = 0; i < 200; i++) {
    users.push({ id: i, name: `user${i}`, tags: ['a', 'b', String(i % 3)], meta: { even: i % 2 === 0, score: i * 1.5, none: null } });
  }
  const r = http.get(`${__ENV.BASE_URL}/json`);
  return {
    users,
    nested: { deep: { deeper: { deepest: [1, [2, [3, [4]]]] } } },
    title: r.json('slideshow.title'),
    unicode: 'żółw 🐢',
    big: 2 ** 53 - 1,
    small: 1e-7,
    neg: -0.5,
  };
}

export default function (data) {
  const u = data.users[__ITER * 7];
  check(data, {
    'two hundred users': (d) => d.users.length === 200,
    'deepest': (d) => d.nested.deep.deeper.deepest[1][1][1][0] === 4,
    'title': (d) => d.title === 'Sample Slide Show',
    'unicode': (d) => d.unicode === 'żółw 🐢',
    'numbers': (d) => d.big === 9007199254740991 && d.small === 1e-7,
    'user meta': () => u.meta.even === (u.id % 2 === 0) && u.meta.none === null,
  });
  http.post(`${__ENV.BASE_URL}/post`, JSON.stringify(u), { headers: { 'Content-Type': 'application/json' } });
}

export function teardown(data) {
  group('teardown', () => {
    const r = http.post(`${__ENV.BASE_URL}/post`, JSON.stringify({ count: data.users.length }));
    check(r, { 'teardown saw users': (x) => x.json('json.count') === 200 });
  });
}

export function handleSummary(data) {
  return {
    'summary.json': JSON.stringify(data),
    stdout: `users=${data.setup_data.users.length} last=${data.setup_data.users[199].name} big=${data.setup_data.big}\n`,
  };
}

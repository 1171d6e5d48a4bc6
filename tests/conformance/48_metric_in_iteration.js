// Creating a metric outside the init context throws in the iteration; the test goes on.
import { Counter } from 'k6/metrics';
import { check } from 'k6';

const ok = new Counter('made_in_init');

export const options = { vus: 1, iterations: 2 };

export default function () {
  ok.add(1);
  let threw = false;
  try {
    new Counter('made_later');
  } catch (e) {
    threw = true;
  }
  check(threw, { 'constructor threw': (t) => t === true });
}

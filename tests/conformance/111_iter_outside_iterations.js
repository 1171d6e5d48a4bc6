// __ITER exists only once an iteration runs: setup, teardown and handleSummary see no such
// variable (typeof is 'undefined', a bare reference throws), while __VU is 0 there.
import { check } from 'k6';

export const options = { vus: 1, iterations: 2 };

export function setup() {
  let threw = false;
  try {
    // eslint-disable-next-line no-undef
    __ITER.toString();
  } catch (e) {
    threw = e instanceof ReferenceError;
  }
  check(null, { 'no __ITER in setup': () => threw && typeof __ITER === 'undefined', 'VU 0 in setup': () => __VU === 0 });
}

export default function () {
  check(__ITER, { 'iteration counter': (i) => i === 0 || i === 1 });
}

export function teardown() {
  check(null, { 'no __ITER in teardown': () => typeof __ITER === 'undefined' });
}

export function handleSummary(data) {
  return {
    stdout: `iter in handleSummary: ${typeof __ITER}, vu ${__VU}\n`,
    'summary.json': JSON.stringify(data),
  };
}

// The shape of Grafana's QuickPizza workshop scripts (k6/foundations): setup() that checks
// the site answers and throws otherwise, a JSON POST with an Authorization header, a check,
// a custom Counter and Trend fed from the response, thresholds in string and object form
// (abortOnFail: false), teardown logging, and handleSummary writing summary.json plus the
// jslib textSummary. Iterations per VU instead of stages, so every count is deterministic.
// deterministic: quickpizza_ingredients
import http from 'k6/http';
import { check, sleep } from 'k6';
import { Trend, Counter } from 'k6/metrics';
// rk6's built-in copy of jslib's k6-summary 0.0.2, by path: k6 cannot download it offline.
import { textSummary } from '../../src/js/jslib/k6-summary.js';

const BASE_URL = __ENV.BASE_URL || 'http://localhost:3333';

export const options = {
  scenarios: {
    smoke: { executor: 'per-vu-iterations', vus: 1, iterations: 2, exec: 'getPizza' },
    stress: { executor: 'per-vu-iterations', vus: 3, iterations: 2, exec: 'getPizza', startTime: '100ms' },
  },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    http_req_duration: ['p(95)<5000', 'p(99)<10000'],
    quickpizza_ingredients: [{ threshold: 'avg<8', abortOnFail: false }],
    quickpizza_number_of_pizzas: ['count==8'],
    'checks{scenario:stress}': ['rate > 0.95'],
    checks: ['rate > 0.95'],
  },
};

const pizzas = new Counter('quickpizza_number_of_pizzas');
const ingredients = new Trend('quickpizza_ingredients');

export function setup() {
  const res = http.get(BASE_URL + '/get');
  if (res.status !== 200) {
    throw new Error(`Got unexpected status code ${res.status} when trying to setup. Exiting.`);
  }
  return { token: 'abcdef0123456789' };
}

export function getPizza(data) {
  const restrictions = {
    maxCaloriesPerSlice: 500,
    mustBeVegetarian: false,
    excludedIngredients: ['pepperoni'],
    excludedTools: ['knife'],
    maxNumberOfToppings: 6,
    minNumberOfToppings: 2,
  };
  const res = http.post(`${BASE_URL}/post`, JSON.stringify(restrictions), {
    headers: { 'Content-Type': 'application/json', Authorization: 'token ' + data.token },
  });
  check(res, {
    'status is 200': (r) => r.status === 200,
    'token sent': (r) => r.json('headers.Authorization') === 'token abcdef0123456789',
  });
  const echoed = res.json().json;
  console.log(`${echoed.excludedTools[0]} (${echoed.excludedIngredients.length + __VU} ingredients)`);
  pizzas.add(1);
  ingredients.add(echoed.excludedIngredients.length + echoed.maxNumberOfToppings);
  sleep(0.01);
}

export function teardown() {
  console.log("That's all folks!");
}

export function handleSummary(data) {
  return {
    'summary.json': JSON.stringify(data, null, 2),
    // The text has timings in it, so it goes to a file; stdout gets deterministic lines.
    'summary.txt': textSummary(data, { indent: ' ', enableColors: false }),
    stdout: `pizzas: ${data.metrics.quickpizza_number_of_pizzas.values.count}\n` +
      `thresholds ok: ${!Object.values(data.metrics).some((m) => m.thresholds && Object.values(m.thresholds).some((t) => !t.ok))}\n`,
  };
}

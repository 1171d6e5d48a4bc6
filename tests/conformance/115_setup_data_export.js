// What default() and teardown() receive from setup() is k6's JSON round trip of it: Dates as
// RFC 3339 strings, undefined as null, Map and Set as arrays, class instances as their own
// fields, no methods; handleSummary's setup_data too.
import { check } from 'k6';

export const options = { vus: 1, iterations: 2 };

class Session {
  constructor(id) {
    this.id = id;
    this.created = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 120));
  }
  describe() {
    return `session ${this.id}`;
  }
}

export function setup() {
  return {
    startedAt: new Date(0),
    session: new Session('abc'),
    missing: undefined,
    list: [1, undefined, 'x'],
    lookup: new Map([['a', 1], ['b', { deep: true }]]),
    unique: new Set(['x', 'y']),
    pattern: /ab+c/i,
    negZero: -0,
  };
}

export default function (data) {
  check(data, {
    'date is a string': (d) => d.startedAt === '1970-01-01T00:00:00Z',
    'nested date': (d) => d.session.created === '2024-01-02T03:04:05.12Z',
    'no methods': (d) => d.session.describe === undefined && d.session.id === 'abc',
    'undefined is null': (d) => d.missing === null && 'missing' in d,
    'array holes': (d) => d.list[1] === null && d.list.length === 3,
    'map as pairs': (d) => JSON.stringify(d.lookup) === '[["a",1],["b",{"deep":true}]]',
    'set as array': (d) => d.unique.join() === 'x,y',
    'regexp empty': (d) => Object.keys(d.pattern).length === 0,
    'negative zero': (d) => Object.is(d.negZero, 0),
    'date parses back': (d) => new Date(d.startedAt).getTime() === 0,
  });
}

export function teardown(data) {
  check(data, { 'teardown sees strings too': (d) => typeof d.startedAt === 'string' });
}

export function handleSummary(data) {
  return {
    'summary.json': JSON.stringify(data),
    stdout: `startedAt=${data.setup_data.startedAt} created=${data.setup_data.session.created}\n`,
  };
}

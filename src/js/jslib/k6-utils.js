// rk6's built-in stand-in for https://jslib.k6.io/k6-utils/1.0.0 ... 1.6.0/index.js, written
// from the library's documented behaviour. Later versions only add exports, so every
// version maps to this file.

import exec from 'k6/execution';
import { Rate } from 'k6/metrics';

// The built-in `checks` metric, as k6-utils' async-aware check() records into it.
const checks = new Rate('checks');

function randomBytes(n) {
  const out = new Uint8Array(n);
  if (typeof crypto !== 'undefined' && crypto && typeof crypto.getRandomValues === 'function') {
    crypto.getRandomValues(out);
  } else {
    for (let i = 0; i < n; i++) out[i] = (Math.random() * 256) | 0;
  }
  return out;
}

// RFC 4122 version 4. `secure` uses a cryptographic source (crypto.getRandomValues).
export function uuidv4(secure = false) {
  if (!secure) {
    return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (c) => {
      const r = (Math.random() * 16) | 0;
      return (c === 'x' ? r : (r & 0x3) | 0x8).toString(16);
    });
  }
  const b = randomBytes(16);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => (x + 0x100).toString(16).slice(1));
  return (
    hex.slice(0, 4).join('') + '-' + hex.slice(4, 6).join('') + '-' + hex.slice(6, 8).join('') + '-' +
    hex.slice(8, 10).join('') + '-' + hex.slice(10, 16).join('')
  );
}

// Inclusive on both ends.
export function randomIntBetween(min, max) {
  return Math.floor(Math.random() * (max - min + 1) + min);
}

export function randomItem(items) {
  return items[Math.floor(Math.random() * items.length)];
}

export function randomString(length, charset = 'abcdefghijklmnopqrstuvwxyz') {
  let out = '';
  while (length--) out += charset[(Math.random() * charset.length) | 0];
  return out;
}

// The text between `left` and `right`: the first occurrence, or with `repeat` an array of
// all of them (null when there is none).
export function findBetween(content, left, right, repeat = false) {
  const found = [];
  for (;;) {
    let start = content.indexOf(left);
    if (start === -1) break;
    start += left.length;
    const end = content.indexOf(right, start);
    if (end === -1) break;
    const match = content.substring(start, end);
    if (!repeat) return match;
    found.push(match);
    content = content.substring(end + right.length);
  }
  return found.length ? found : null;
}

// `stages` shaped like a normal distribution peaking at `maxVus` over `durationSeconds`.
export function normalDistributionStages(maxVus, durationSeconds, numberOfStages = 10) {
  const density = (mean, sd, x) => Math.exp(-0.5 * Math.pow((x - mean) / sd, 2)) / (sd * Math.sqrt(2 * Math.PI));
  const heights = new Array(numberOfStages + 2).fill(0);
  const durations = new Array(numberOfStages + 2).fill(Math.ceil(durationSeconds / 6));
  for (let i = 0; i <= numberOfStages; i++) {
    heights[i] = density(0, 1, (4 * i) / numberOfStages - 2);
  }
  const peak = Math.max(...heights);
  const targets = heights.map((h) => Math.round((h * maxVus) / peak));
  for (let i = 1; i <= numberOfStages; i++) {
    durations[i] = Math.ceil((4 * durationSeconds) / (6 * numberOfStages));
  }
  const stages = [];
  for (let i = 0; i <= numberOfStages + 1; i++) {
    stages.push({ duration: `${durations[i]}s`, target: targets[i] });
  }
  return stages;
}

function isDigit(c) {
  return c >= '0' && c <= '9';
}

// A k6 duration string (`1h2m3s`, `1.5m`, `250ms`, `2d`) in milliseconds.
export function parseDuration(str) {
  if (str == null || str.length < 1) throw new Error('str is empty');
  let total = 0;
  let number = '';
  const seen = {};
  for (let i = 0; i < str.length; i++) {
    if (isDigit(str[i]) || str[i] == '.') number += str[i];
    if (str[i + 1] == null || isDigit(str[i + 1]) || str[i + 1] == '.') continue;
    const value = parseFloat(number);
    let unit = str[i + 1];
    switch (unit) {
      case 'd':
        total += value * 24 * 60 * 60 * 1000;
        break;
      case 'h':
        total += value * 60 * 60 * 1000;
        break;
      case 'm':
        if (i + 2 < str.length && str[i + 2] == 's') {
          total += Math.trunc(value);
          i++;
          unit = 'ms';
        } else {
          total += value * 60 * 1000;
        }
        break;
      case 's':
        total += value * 1000;
        break;
      default:
        throw new Error(`${unit} is an unsupported time unit`);
    }
    if (seen[unit]) throw new Error(`${unit} time unit is provided multiple times`);
    seen[unit] = true;
    i++;
    number = '';
  }
  if (number.length > 0) total += parseFloat(number);
  return total;
}

// Index of the stage the current ramping scenario is in (the last one once they are over).
export function getCurrentStageIndex() {
  const scenario = exec.test.options.scenarios[exec.scenario.name];
  if (scenario == null) {
    throw new Error(`the exec.test.options object doesn't contain the current scenario ${exec.scenario.name}`);
  }
  if (scenario.stages == null) {
    throw new Error(
      'only ramping-vus or ramping-arravial-rate supports stages, it is not possible to get a stage index on other executors.',
    );
  }
  if (scenario.stages.length < 1) {
    throw new Error(`the current scenario ${scenario.name} doesn't contain any stage`);
  }
  const elapsed = new Date() - exec.scenario.startTime;
  let end = 0;
  for (let i = 0; i < scenario.stages.length; i++) {
    end += parseDuration(scenario.stages[i].duration);
    if (elapsed < end) return i;
  }
  return scenario.stages.length - 1;
}

export function tagWithCurrentStageIndex() {
  exec.vu.tags.stage = getCurrentStageIndex();
}

export function tagWithCurrentStageProfile() {
  exec.vu.tags.stage_profile = (() => {
    const i = getCurrentStageIndex();
    if (i < 1) return 'ramp-up';
    const stages = exec.test.options.scenarios[exec.scenario.name].stages;
    const cur = stages[i];
    const prev = stages[i - 1];
    if (cur.target > prev.target) return 'ramp-up';
    return prev.target == cur.target ? 'steady' : 'ramp-down';
  })();
}

// check() that also accepts Promises (the value or the check results), resolving to the
// overall result. Records into `checks` with a `check` tag like k6's check().
export function check(value, sets, tags) {
  if (value instanceof Promise) return value.then((v) => check(v, sets, tags));
  const results = Object.entries(sets).map(([name, fn]) => {
    const record = (ok) => {
      checks.add(ok ? 1 : 0, Object.assign({}, tags, { check: name }));
      return ok;
    };
    if (typeof fn === 'function') {
      const r = fn(value);
      return r instanceof Promise ? r.then(record) : record(r);
    }
    return fn instanceof Promise ? fn.then(record) : record(fn);
  });
  if (results.some((r) => r instanceof Promise)) {
    return Promise.all(results).then((all) => all.every(Boolean));
  }
  return results.every(Boolean);
}

// A local module imported by corpus scripts (not a corpus script itself).
import { check } from 'k6';

export function checkOk(res, label) {
  return check(res, { [`${label} ok`]: (r) => r.status >= 200 && r.status < 300 });
}

export const ENDPOINTS = ['/get', '/json', '/html'];

// An unknown executor type.
export const options = {
  scenarios: {
    s: { executor: 'per-vu-iteration', vus: 1, iterations: 1 },
  },
};

export default function () {}

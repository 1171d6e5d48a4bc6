// A scenario whose exec names a function the script does not export.
export const options = {
  scenarios: {
    s: { executor: 'shared-iterations', vus: 1, iterations: 1, exec: 'nothere' },
  },
};

export default function () {}

// Invalid options (an unparsable duration) exit 104.
export const options = {
  scenarios: {
    s: { executor: 'constant-vus', vus: 1, duration: 'ten seconds' },
  },
};

export default function () {}

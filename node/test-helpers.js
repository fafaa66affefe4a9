'use strict';
// chaos-shim for node:test: chaos(t) gives the test a fresh segment,
// puts the shim into the environment of the processes the test starts,
// and undoes both when the test ends.
const { Segment } = require('./index.js');

const ATTACH = ['LD_PRELOAD', 'CHAOS_SHIM_SEGMENT', 'CHAOS_SHIM_SEGMENT_ID', 'CHAOS_SHIM_PROFILE'];

// options: { profile, seed } loaded into the segment (default:
// $CHAOS_SHIM_TEST_PROFILE, else empty).
function chaos(t, { profile = process.env.CHAOS_SHIM_TEST_PROFILE, seed } = {}) {
  const segment = new Segment();
  const saved = Object.fromEntries(ATTACH.map((key) => [key, process.env[key]]));
  t.after(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    segment.destroy();
  });
  if (profile || seed !== undefined) segment.load(profile, { seed });
  const env = segment.env();
  for (const key of ATTACH) {
    if (key in env) process.env[key] = env[key];
    else delete process.env[key];
  }
  return segment;
}

module.exports = { chaos };

/**
 * fast-check arbitraries for the fuzz tests: valid specs as people write them (valid-spec), the
 * same specs broken at random or by a plausible mistake (broken-spec), and the Pods they become
 * in any state of their life (pod-states).
 *
 * Runs are reproducible: every property uses FUZZ_SEED (fixed; fast-check prints seed and path
 * of a failure). FUZZ_SEED=<n> and FUZZ_RUNS=<n> explore further locally.
 */
export { FUZZ_SEED, fuzzParams } from './common';
export { appName, dnsLabel, validSpec } from './valid-spec';
export { junk, MISTAKES, mutatedSpec, specWithMistake } from './broken-spec';
export { world, type World } from './pod-states';

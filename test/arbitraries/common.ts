/** What the fuzz arbitraries share: the fixed seed, the Json and container types, and small record, option, dictionary and text helpers. */
import fc from 'fast-check';

export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261126);

/** fuzzParams gives fc.assert its fixed seed and run count (FUZZ_RUNS overrides the count). */
export function fuzzParams(numRuns: number): { seed: number; numRuns: number } {
  return { seed: FUZZ_SEED, numRuns: Number(process.env.FUZZ_RUNS ?? numRuns) };
}

export type Json = Record<string, unknown>;

/** Records as JSON gives them: plain prototype; keys listed in `required` always present. */
export const rec = <T extends Json>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }, required: Array<keyof T> = []) =>
  fc.record(model, { requiredKeys: required, noNullPrototype: true }) as fc.Arbitrary<Partial<T>>;
export const opt = <T>(arb: fc.Arbitrary<T>, freq = 2) => fc.option(arb, { nil: undefined, freq });
export const dict = <T>(key: fc.Arbitrary<string>, value: fc.Arbitrary<T>, maxKeys: number) =>
  fc.dictionary(key, value, { maxKeys, noNullPrototype: true });
export const text = (maxLength: number) => fc.string({ unit: 'grapheme', maxLength });

/** A container as the mutations and the Pods see it: any JSON object, maybe with a name, mounts and ports. */
export type C = Json & { name?: string; volumeMounts?: Json[]; ports?: Json[] };

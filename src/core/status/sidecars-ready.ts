import { Reason } from '../../api/constants';
import { describeHelper, isHelperFailing } from '../helper-status';
import { verdict, type Verdict } from './conditions';
import { howMany, type StatusContext } from './context';

/**
 * SidecarsReady: True once every sidecar of every Pod is ready. Else it names one sidecar not
 * ready, a required one first: an optional one is named only when nothing else is wrong.
 */
export function sidecarsReady(ctx: StatusContext): Verdict {
  const { sidecarCount, views, least, optional } = ctx;
  const blocked = views.find((v) => v.sidecarsReady < sidecarCount);
  if (sidecarCount === 0) return verdict('True', Reason.NoSidecars, 'there are no sidecars');
  if (!least) return verdict('False', Reason.PodsPending, 'no Pod exists yet');
  if (!blocked) {
    const sidecars = sidecarCount === 1 ? 'the sidecar is' : `all ${sidecarCount} sidecars are`;
    const where = views.length > 1 ? ` in all ${views.length} Pods` : '';
    return verdict('True', Reason.SidecarsStarted, `${sidecars} ready${where}`);
  }
  const notReady = views.flatMap((v) => v.sidecars.filter((h) => !h.ready).map((h) => ({ v, h })));
  const { v: blockedView, h: s } = notReady.find(({ h }) => !optional.has(h.name)) ?? notReady[0];
  const looping = isHelperFailing(s);
  const isOptional = optional.has(s.name);
  const gates = ctx.mode === 'Native' && ctx.spec.sidecars!.some((c) => c.name === s.name && c.waitUntilReady);
  const reason = !looping
    ? Reason.SidecarsNotReady
    : isOptional
      ? Reason.OptionalSidecarCrashLooping
      : Reason.SidecarCrashLooping;
  return verdict(
    'False',
    reason,
    `${blockedView.sidecarsReady}/${sidecarCount} sidecars ready; ${describeHelper(isOptional ? 'optional sidecar' : 'sidecar', s)}` +
      (gates && !looping ? '; the containers after it wait until it is ready (waitUntilReady)' : '') +
      howMany(ctx, (v) => v.sidecars.some((h) => h.name === s.name && !h.ready)),
  );
}

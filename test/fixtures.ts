/** Short builders for table tests: anApp().withSidecar('log'), aPod().initDone(1). */
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import type { AppSpecInput } from '../src/api/spec';
import type { AppWithHelpers } from '../src/api/status';
import { parseSpec } from '../src/api/validation/parse-spec';
import { renderPodTemplate, renderPod } from '../src/core/render';

export const NOW = new Date('2026-11-25T12:00:00Z');
export const options = { helperImage: 'busybox:1.36', serverVersion: { major: 1, minor: 36 } };

export class AppBuilder {
  spec: AppSpecInput = { app: { name: 'web', image: 'nginx:1.25.3' } };
  withStep(name: string, extra: Record<string, unknown> = {}): this {
    this.spec.initSteps = [...(this.spec.initSteps ?? []), { name, image: 'busybox:1.36', ...extra }];
    return this;
  }
  withWait(name: string, waitFor: Record<string, unknown>): this {
    this.spec.initSteps = [...(this.spec.initSteps ?? []), { name, waitFor } as never];
    return this;
  }
  withSidecar(name: string, extra: Record<string, unknown> = {}): this {
    this.spec.sidecars = [...(this.spec.sidecars ?? []), { name, image: 'busybox:1.36', ...extra }];
    return this;
  }
  with(fields: Partial<AppSpecInput>): this {
    this.spec = { ...this.spec, ...fields };
    return this;
  }
  parsed() {
    const p = parseSpec(this.spec);
    if (!p.ok) throw new Error(p.errors.join('; '));
    return p.spec;
  }
  object(status?: AppWithHelpers['status']): AppWithHelpers {
    return {
      apiVersion: 'helpers.dev/v1alpha1',
      kind: 'AppWithHelpers',
      metadata: { name: 'shop', namespace: 'ns', uid: 'uid-1', generation: 1, resourceVersion: '1' },
      spec: this.spec,
      status,
    };
  }
  template() {
    return renderPodTemplate({ name: 'shop', namespace: 'ns', uid: 'uid-1' }, this.parsed(), options, this.spec);
  }
}

export const anApp = () => new AppBuilder();

const waiting = (name: string, reason = 'PodInitializing'): V1ContainerStatus => ({
  name,
  image: 'x',
  imageID: '',
  ready: false,
  restartCount: 0,
  started: false,
  state: { waiting: { reason } },
});
const running = (name: string, ready = true): V1ContainerStatus => ({
  name,
  image: 'x',
  imageID: '',
  ready,
  restartCount: 0,
  started: true,
  state: { running: { startedAt: NOW } },
});
const completed = (name: string): V1ContainerStatus => ({
  name,
  image: 'x',
  imageID: '',
  ready: false,
  restartCount: 0,
  started: false,
  state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: NOW, finishedAt: NOW } },
});

/** PodBuilder makes a Pod of an app's template in a given state of its life. */
export class PodBuilder {
  pod: V1Pod;
  constructor(app: AppBuilder, slot = 0) {
    const { pod, hash } = app.template();
    this.pod = JSON.parse(JSON.stringify(renderPod(pod, 'shop', hash, slot)));
    this.pod.metadata!.uid = `pod-${slot}`;
    this.pod.spec!.nodeName = 'kwok-node-0';
    this.created();
  }
  private inits() {
    return this.pod.spec!.initContainers ?? [];
  }
  private set(
    phase: string,
    init: V1ContainerStatus[],
    main: V1ContainerStatus[],
    initialized: boolean,
    ready: boolean,
  ): this {
    this.pod.status = {
      phase,
      conditions: [
        { type: 'Initialized', status: initialized ? 'True' : 'False' },
        { type: 'Ready', status: ready ? 'True' : 'False' },
        { type: 'ContainersReady', status: ready ? 'True' : 'False' },
      ],
      ...(init.length ? { initContainerStatuses: init } : {}),
      containerStatuses: main,
    };
    return this;
  }
  created(): this {
    return this.set(
      'Pending',
      this.inits().map((c) => waiting(c.name)),
      this.pod.spec!.containers.map((c) =>
        waiting(c.name, this.inits().length ? 'PodInitializing' : 'ContainerCreating'),
      ),
      !this.inits().length,
      false,
    );
  }
  /** initDone(n): the first n init containers finished (sidecars started), the next one runs. */
  initDone(n: number): this {
    const init = this.inits().map((c, i) =>
      i < n
        ? (c as { restartPolicy?: string }).restartPolicy === 'Always'
          ? running(c.name)
          : completed(c.name)
        : i === n
          ? running(c.name, false)
          : waiting(c.name),
    );
    if (n < init.length && (this.inits()[n] as { restartPolicy?: string }).restartPolicy !== 'Always')
      init[n] = { ...init[n], started: false };
    return this.set(
      'Pending',
      init,
      this.pod.spec!.containers.map((c) => waiting(c.name)),
      n >= init.length,
      false,
    );
  }
  /**
   * crashLooping(step): the step failed `restarts` times so far and is, as a kubelet shows it in
   * turn, waiting in CrashLoopBackOff, running again, or just exited (Error) once more.
   */
  crashLooping(
    step: string,
    exitCode = 3,
    restarts = 2,
    message = 'connection refused',
    now: 'waiting' | 'running' | 'error' = 'waiting',
  ): this {
    const failure = { exitCode, reason: 'Error', message, startedAt: NOW, finishedAt: NOW };
    const state =
      now === 'waiting'
        ? { waiting: { reason: 'CrashLoopBackOff', message: `back-off 20s restarting failed container=${step}` } }
        : now === 'running'
          ? { running: { startedAt: NOW } }
          : { terminated: failure };
    const init = this.inits().map((c) =>
      c.name === step
        ? {
            name: c.name,
            image: 'x',
            imageID: '',
            ready: false,
            restartCount: restarts,
            started: now === 'running',
            ...(restarts > 0 ? { lastState: { terminated: failure } } : {}),
            state,
          }
        : (c as { restartPolicy?: string }).restartPolicy === 'Always'
          ? running(c.name)
          : completed(c.name),
    );
    const idx = this.inits().findIndex((c) => c.name === step);
    this.inits().forEach((c, i) => {
      if (i > idx) init[i] = waiting(c.name);
    });
    return this.set(
      'Pending',
      init,
      this.pod.spec!.containers.map((c) => waiting(c.name)),
      false,
      false,
    );
  }
  ready(): this {
    return this.set(
      'Running',
      this.inits().map((c) =>
        (c as { restartPolicy?: string }).restartPolicy === 'Always' ? running(c.name) : completed(c.name),
      ),
      this.pod.spec!.containers.map((c) => running(c.name)),
      true,
      true,
    );
  }
  failed(): this {
    this.pod.status = { ...this.pod.status, phase: 'Failed' };
    return this;
  }
  /** stepFailed(step): the step (container restartPolicy Never) exited with an error and failed the Pod. */
  stepFailed(step: string, exitCode = 3, message = 'connection refused', at = NOW): this {
    this.crashLooping(step, exitCode, 0, message, 'error');
    const cs = this.pod.status!.initContainerStatuses!.find((c) => c.name === step)!;
    cs.state = { terminated: { exitCode, reason: 'Error', message, startedAt: at, finishedAt: at } };
    return this.failed();
  }
  /** stepRunningFor(step, seconds): the step has been running for that long (before NOW). */
  stepRunningFor(step: string, seconds: number): this {
    const idx = this.inits().findIndex((c) => c.name === step);
    this.initDone(idx);
    const cs = this.pod.status!.initContainerStatuses![idx];
    cs.state = { running: { startedAt: new Date(NOW.getTime() - seconds * 1000) } };
    return this;
  }
  /** withStepFailures('migrate=1'): the Pod replaced earlier attempts of its slot that failed so. */
  withStepFailures(value: string): this {
    this.pod.metadata!.annotations = { ...this.pod.metadata!.annotations, 'helpers.dev/step-failures': value };
    return this;
  }
  named(name: string): this {
    this.pod.metadata!.name = name;
    return this;
  }
  terminating(): this {
    this.pod.metadata!.deletionTimestamp = NOW;
    return this;
  }
  withHash(hash: string): this {
    this.pod.metadata!.labels!['helpers.dev/template-hash'] = hash;
    this.pod.metadata!.name = `shop-${hash.slice(0, 5)}-${this.pod.metadata!.annotations!['helpers.dev/slot']}`;
    return this;
  }
  build(): V1Pod {
    return this.pod;
  }
}

export const aPod = (app: AppBuilder, slot = 0) => new PodBuilder(app, slot);

export interface ControllerRun {
  /** Until every object said Ready in its own status, for its current generation. */
  seconds: number;
  /** Until every Pod was Running and Ready. */
  podsSeconds: number;
  writesPerObject: number;
  /** Writes per object other than Events: what goes through the rate limit before an object is done. */
  criticalWritesPerObject: number;
  writes: Record<string, number>;
  /** N × critical writes per object ÷ QPS: the fastest the rate limit allows. */
  boundSeconds: number;
  /** boundSeconds ÷ seconds: 1 is as fast as the rate limit allows. */
  boundShare: number;
  cpuSeconds: number;
  cpuPer1000: number;
  /** Last Pod Ready → the object's status says Ready. */
  lagP50Ms: number;
  lagP99Ms: number;
}

export interface P1Run {
  n: number;
  qps: number;
  burst: number;
  replicaSet: ControllerRun;
  operator: ControllerRun;
}

export interface Results {
  machine: {
    cpus: number;
    cpu: string;
    memoryGiB: number;
    node: string;
    kernel: string;
    date: string;
    loadAverage: { start: number; end: number };
  };
  settings: {
    rates: Array<{ qps: number; burst: number }>;
    /** Reconciles at once, of both (--concurrency, --concurrent-replicaset-syncs). */
    workers: number;
    quick: boolean;
    kubernetes: string;
    kwokStages: string;
    nodes: number;
  };
  p1: P1Run[];
  /** Steady lag on n Pods; the burst lags are those of the P1 runs of burstN objects. */
  p2?: { n: number; p50Ms: number; p99Ms: number; burstN: number };
  p4?: { seconds: number; writes: number };
  p5?: {
    pods: number;
    heapBytes: number;
    emptyHeapBytes: number;
    bytesPerPod: number;
    marginalBytesPerPod: number;
    rssBytes: number;
    emptyRssBytes: number;
    /** The RSS of the process that ran the P1 bursts, before P5 restarts it. */
    rssAfterBurstsBytes?: number;
    convergeSeconds: number;
  };
  p6?: {
    replicas: number;
    qps: number;
    small: { pods: number; seconds: number; heapBytes: number; rssBytes: number };
    large: { pods: number; seconds: number; heapBytes: number; rssBytes: number };
    growth: number;
  };
  p7?: { pods: number; writes: number; secondsToReady: number };
  chart?: {
    n: number;
    qps: number;
    replicaSet: number[];
    replicaSetOwners: number[];
    operator: number[];
    operatorOwners: number[];
  };
}

const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const pc = (x: number) => `${(x * 100).toFixed(0)}%`;
const s2 = (x: number) => `${x.toFixed(2)} s`;
const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');

export function renderMarkdown(r: Results): string {
  const rows: string[][] = [];
  for (const p of r.p1) {
    const { operator: o, replicaSet: rs } = p;
    const ratio = o.seconds / rs.seconds;
    rows.push([
      `P1 converge, N=${p.n}, QPS ${p.qps}/${p.burst}`,
      `status says Ready: ours ${s2(o.seconds)} ÷ ReplicaSet ${s2(rs.seconds)} = **${ratio.toFixed(2)}**; ` +
        `all Pods Ready: ${s2(o.podsSeconds)} ÷ ${s2(rs.podsSeconds)} = ${(o.podsSeconds / rs.podsSeconds).toFixed(2)}; ` +
        `share of the rate-limit bound: ours **${pc(o.boundShare)}** (${p.n} × ${o.criticalWritesPerObject.toFixed(2)} ÷ ${p.qps} = ${s2(o.boundSeconds)}), ` +
        `ReplicaSet ${pc(rs.boundShare)} (${p.n} × ${rs.criticalWritesPerObject.toFixed(2)} ÷ ${p.qps} = ${s2(rs.boundSeconds)})`,
      '≤ 0.9; ≥ 95% of the bound',
      verdict(ratio <= 0.9 && o.boundShare >= 0.95),
    ]);
  }
  for (const p of r.p1.filter((p) => p.qps === r.p1[r.p1.length - 1].qps))
    rows.push([
      `P3 writes per object, N=${p.n}, QPS ${p.qps}`,
      `ours **${p.operator.writesPerObject.toFixed(2)}** (${fmt(p.operator.writes)}); ReplicaSet controller ${p.replicaSet.writesPerObject.toFixed(2)} (${fmt(p.replicaSet.writes)})`,
      '≤ 4',
      verdict(p.operator.writesPerObject <= 4),
    ]);
  if (r.p2) {
    const bursts = r.p1.filter((p) => p.n === r.p2!.burstN);
    const worst = Math.max(r.p2.p99Ms, ...bursts.map((b) => b.operator.lagP99Ms));
    rows.push([
      `P2 status lag`,
      `steady (a converged Pod marked not Ready → its AppWithHelpers says so, ${r.p2.n} Pods): p50 ${r.p2.p50Ms} ms, p99 **${r.p2.p99Ms} ms**; ` +
        bursts
          .map(
            (b) =>
              `during the ${b.n}-object burst at QPS ${b.qps} (Pod Ready → Ready): p50 ${b.operator.lagP50Ms} ms, p99 **${b.operator.lagP99Ms} ms** (ReplicaSet's status: p99 ${b.replicaSet.lagP99Ms} ms)`,
          )
          .join('; '),
      'p99 ≤ 1 s',
      verdict(worst <= 1000),
    ]);
  }
  if (r.p4)
    rows.push([`P4 writes while idle`, `**${r.p4.writes}** in ${r.p4.seconds} s`, '0', verdict(r.p4.writes === 0)]);
  if (r.p5)
    rows.push([
      `P5 memory, ${r.p5.pods} Pods`,
      `**${kb(r.p5.marginalBytesPerPod)}** heap per Pod above the empty heap (heap after GC ${mib(r.p5.heapBytes)}, empty ${mib(r.p5.emptyHeapBytes)}); ` +
        `RSS **${mib(r.p5.rssBytes)}** (empty ${mib(r.p5.emptyRssBytes)}` +
        (r.p5.rssAfterBurstsBytes
          ? `; the process that ran the P1 bursts held ${mib(r.p5.rssAfterBurstsBytes)} with no Pods)`
          : ')'),
      '≤ 4 KB per Pod; RSS ≤ 100 MiB',
      verdict(r.p5.marginalBytesPerPod <= 4 * 1024 && r.p5.rssBytes <= 100 * 2 ** 20),
    ]);
  if (r.p6)
    rows.push([
      `P6 scale, ${r.p6.small.pods} → ${r.p6.large.pods} Pods (${r.p6.replicas} per AppWithHelpers, QPS ${r.p6.qps})`,
      `${s2(r.p6.small.seconds)} → ${s2(r.p6.large.seconds)}: **${r.p6.growth.toFixed(2)}×** linear; ` +
        `heap ${mib(r.p6.small.heapBytes)} → ${mib(r.p6.large.heapBytes)}, RSS ${mib(r.p6.small.rssBytes)} → **${mib(r.p6.large.rssBytes)}**`,
      'near 1×; RSS ≤ 250 MiB',
      verdict(r.p6.growth <= 1.5 && r.p6.large.rssBytes <= 250 * 2 ** 20),
    ]);
  if (r.p7)
    rows.push([
      `P7 restart with ${r.p7.pods} Pods`,
      `**${r.p7.writes}** writes; ready again in ${r.p7.secondsToReady.toFixed(1)} s`,
      '0',
      verdict(r.p7.writes === 0),
    ]);
  for (const p of r.p1) {
    const ratio = p.operator.cpuPer1000 / p.replicaSet.cpuPer1000;
    rows.push([
      `P8 CPU per 1,000 objects, N=${p.n}, QPS ${p.qps}`,
      `ours ${s2(p.operator.cpuPer1000)} ÷ ReplicaSet controller ${s2(p.replicaSet.cpuPer1000)} = **${ratio.toFixed(2)}**`,
      '≤ 1.0',
      verdict(ratio <= 1),
    ]);
  }
  const m = r.machine;
  return [
    `# Benchmark: appwithhelpers-operator vs the ReplicaSet controller${r.settings.quick ? ' (quick run: checks the benchmark, not the goals)' : ''}`,
    '',
    `Kubernetes ${r.settings.kubernetes}, KWOK ${r.settings.kwokStages} stages, ${r.settings.nodes} nodes; both controllers at the same client rate limit (QPS/burst ${r.settings.rates.map((x) => `${x.qps}/${x.burst}`).join(' and ')}) with ${r.settings.workers} workers each, replicaset-controller in a kube-controller-manager of its own.`,
    `Machine: ${m.cpus} × ${m.cpu}, ${m.memoryGiB} GiB, Node ${m.node}, Linux ${m.kernel}; ${m.date}; shared with other work (load average ${m.loadAverage.start.toFixed(1)} at the start, ${m.loadAverage.end.toFixed(1)} at the end).`,
    "Each object is one Pod with an init container, a native sidecar and the app. Writes are counted by the API server's audit log, per user; CPU is user + system time from /proc/<pid>/stat of the operator and of that kube-controller-manager, from the first create until the controller's writes settle.",
    '',
    '| figure | measured | goal | |',
    '|---|---|---|---|',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
    '',
  ].join('\n');
}

function fmt(writes: Record<string, number>): string {
  return Object.entries(writes)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

/** renderSvg draws, for both controllers, Pods Ready (solid) and objects whose status says Ready (dashed) over time. */
export function renderSvg(chart: NonNullable<Results['chart']>): string {
  const w = 640,
    h = 360,
    pad = 50;
  const all = [...chart.replicaSet, ...chart.operator, ...chart.replicaSetOwners, ...chart.operatorOwners];
  const maxT = Math.max(...all, 0.001);
  const x = (t: number) => pad + (t / maxT) * (w - 2 * pad);
  const y = (k: number) => h - pad - (k / chart.n) * (h - 2 * pad);
  const line = (times: number[]) =>
    ['M', x(0), y(0), ...times.flatMap((t, i) => ['L', x(t).toFixed(1), y(i + 1).toFixed(1)])].join(' ');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="12">
<rect width="${w}" height="${h}" fill="white"/>
<text x="${w / 2}" y="20" text-anchor="middle" font-size="14">Ready over time, N=${chart.n}, QPS ${chart.qps}</text>
<line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" stroke="black"/>
<line x1="${pad}" y1="${pad}" x2="${pad}" y2="${h - pad}" stroke="black"/>
<text x="${w / 2}" y="${h - 15}" text-anchor="middle">seconds (0 – ${maxT.toFixed(1)})</text>
<text x="15" y="${h / 2}" transform="rotate(-90 15 ${h / 2})" text-anchor="middle">Ready (0 – ${chart.n})</text>
<path d="${line(chart.replicaSet)}" fill="none" stroke="#888" stroke-width="2"/>
<path d="${line(chart.replicaSetOwners)}" fill="none" stroke="#888" stroke-width="2" stroke-dasharray="6 4"/>
<path d="${line(chart.operator)}" fill="none" stroke="#1f6feb" stroke-width="2"/>
<path d="${line(chart.operatorOwners)}" fill="none" stroke="#1f6feb" stroke-width="2" stroke-dasharray="6 4"/>
<text x="${pad + 10}" y="${pad + 0}" fill="#888">ReplicaSet controller</text>
<text x="${pad + 10}" y="${pad + 16}" fill="#1f6feb">appwithhelpers-operator</text>
<text x="${pad + 10}" y="${pad + 32}">solid: Pods Ready; dashed: status says Ready</text>
</svg>
`;
}

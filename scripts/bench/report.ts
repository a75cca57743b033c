export interface Results {
  machine: { cpus: number; cpu: string; memoryGiB: number; node: string; kernel: string; date: string };
  settings: { qps: number; burst: number; quick: boolean; kubernetes: string; kwokStages: string; nodes: number };
  p1: Array<{
    n: number;
    replicaSetSeconds: number;
    operatorSeconds: number;
    ratio: number;
    operatorWritesPerObject: number;
    replicaSetWritesPerObject: number;
    operatorWrites: Record<string, number>;
    replicaSetWrites: Record<string, number>;
  }>;
  p2?: { n: number; p50Ms: number; p99Ms: number; burstP50Ms: number; burstP99Ms: number };
  p4?: { seconds: number; writes: number };
  p5?: {
    pods: number;
    heapBytes: number;
    emptyHeapBytes: number;
    bytesPerPod: number;
    marginalBytesPerPod: number;
    rssBytes: number;
    convergeSeconds: number;
  };
  p6?: { small: number; large: number; smallSeconds: number; largeSeconds: number; growth: number };
  p7?: { pods: number; writes: number; secondsToReady: number };
  chart?: { n: number; replicaSet: number[]; operator: number[] };
}

const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');

export function renderMarkdown(r: Results): string {
  const rows: string[][] = [];
  for (const p of r.p1) {
    rows.push([
      `P1 converge, N=${p.n}`,
      `ours ${p.operatorSeconds.toFixed(2)} s ÷ ReplicaSet ${p.replicaSetSeconds.toFixed(2)} s = **${p.ratio.toFixed(2)}**`,
      '≤ 1.0',
      verdict(p.ratio <= 1),
    ]);
    rows.push([
      `P3 writes per object, N=${p.n}`,
      `ours **${p.operatorWritesPerObject.toFixed(2)}** (${fmt(p.operatorWrites)}); ReplicaSet controller ${p.replicaSetWritesPerObject.toFixed(2)} (${fmt(p.replicaSetWrites)})`,
      // Pod, first status (kstatus reads none as Current), final status, Event (issue 12).
      '≤ 4',
      verdict(p.operatorWritesPerObject <= 4),
    ]);
  }
  if (r.p2)
    rows.push([
      `P2 status lag, ${r.p2.n} Pods`,
      `p50 ${r.p2.p50Ms} ms, p99 **${r.p2.p99Ms} ms** (a converged Pod marked not Ready → its AppWithHelpers says so; during the P1 burst, Pod Ready → AppWithHelpers Ready: p50 ${r.p2.burstP50Ms} ms, p99 ${r.p2.burstP99Ms} ms)`,
      'p99 ≤ 1 s',
      verdict(r.p2.p99Ms <= 1000),
    ]);
  if (r.p4)
    rows.push([`P4 writes while idle`, `**${r.p4.writes}** in ${r.p4.seconds} s`, '0', verdict(r.p4.writes === 0)]);
  if (r.p5)
    rows.push([
      `P5 heap per Pod, ${r.p5.pods} Pods`,
      `**${kb(r.p5.bytesPerPod)}** (heap after GC ${(r.p5.heapBytes / 2 ** 20).toFixed(1)} MiB ÷ Pods; ${kb(r.p5.marginalBytesPerPod)} above the empty heap; RSS ${(r.p5.rssBytes / 2 ** 20).toFixed(0)} MiB)`,
      '≤ 10 KB',
      verdict(r.p5.bytesPerPod <= 10 * 1024),
    ]);
  if (r.p6)
    rows.push([
      `P6 scaling ${r.p6.small} → ${r.p6.large}`,
      `${r.p6.smallSeconds.toFixed(2)} s → ${r.p6.largeSeconds.toFixed(2)} s: **${r.p6.growth.toFixed(2)}×** linear`,
      'near 1×',
      verdict(r.p6.growth <= 1.5),
    ]);
  if (r.p7)
    rows.push([
      `P7 restart with ${r.p7.pods} Pods`,
      `**${r.p7.writes}** writes; ready again in ${r.p7.secondsToReady.toFixed(1)} s`,
      '0',
      verdict(r.p7.writes === 0),
    ]);
  const m = r.machine;
  return [
    `# Benchmark: appwithhelpers-operator vs the ReplicaSet controller${r.settings.quick ? ' (quick run: checks the benchmark, not the goals)' : ''}`,
    '',
    `Kubernetes ${r.settings.kubernetes}, KWOK ${r.settings.kwokStages} stages, ${r.settings.nodes} nodes; both controllers at client QPS ${r.settings.qps}, burst ${r.settings.burst}.`,
    `Machine: ${m.cpus} × ${m.cpu}, ${m.memoryGiB} GiB, Node ${m.node}, Linux ${m.kernel}; ${m.date}.`,
    "Each object is one Pod with an init container, a native sidecar and the app. Writes are counted by the API server's audit log, per user.",
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

/** renderSvg draws Pods ready over time for both controllers. */
export function renderSvg(chart: { n: number; replicaSet: number[]; operator: number[] }): string {
  const w = 640,
    h = 360,
    pad = 50;
  const maxT = Math.max(...chart.replicaSet, ...chart.operator, 0.001);
  const x = (t: number) => pad + (t / maxT) * (w - 2 * pad);
  const y = (k: number) => h - pad - (k / chart.n) * (h - 2 * pad);
  const line = (times: number[]) =>
    ['M', x(0), y(0), ...times.flatMap((t, i) => ['L', x(t).toFixed(1), y(i + 1).toFixed(1)])].join(' ');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="12">
<rect width="${w}" height="${h}" fill="white"/>
<text x="${w / 2}" y="20" text-anchor="middle" font-size="14">Pods ready over time, N=${chart.n}</text>
<line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" stroke="black"/>
<line x1="${pad}" y1="${pad}" x2="${pad}" y2="${h - pad}" stroke="black"/>
<text x="${w / 2}" y="${h - 15}" text-anchor="middle">seconds (0 – ${maxT.toFixed(1)})</text>
<text x="15" y="${h / 2}" transform="rotate(-90 15 ${h / 2})" text-anchor="middle">Pods ready (0 – ${chart.n})</text>
<path d="${line(chart.replicaSet)}" fill="none" stroke="#888" stroke-width="2"/>
<path d="${line(chart.operator)}" fill="none" stroke="#1f6feb" stroke-width="2"/>
<text x="${w - pad - 150}" y="${pad + 20}" fill="#888">ReplicaSet controller</text>
<text x="${w - pad - 150}" y="${pad + 40}" fill="#1f6feb">appwithhelpers-operator</text>
</svg>
`;
}

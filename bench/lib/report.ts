import { BASELINE, type ConnectRun, OVERHEAD_VARIANTS, VARIANTS, type VariantName } from "../variants/index.js";
import { SCENARIOS, type ScenarioName } from "./scenarios.js";

/** One measured (run, trial, variant, scenario). */
export interface Sample {
  run: number;
  /** Which of the run's back-to-back measurements of the scenario. */
  trial: number;
  variant: VariantName;
  scenario: ScenarioName;
  ops: number;
  ms: number;
  /** Client CPU time (user + system), µs. */
  cpuUs: number;
  serverCpuUs: number;
  p50Us?: number;
  p99Us?: number;
}

/** Medians over runs and trials. */
export interface Summary {
  opsPerSec: number;
  clientCpuUs: number;
  serverCpuUs: number;
  p50Us: number;
  p99Us: number;
  runs: number;
}

export interface SlowReaderResult {
  mib: number;
  seconds: number;
  serverPeakMiB: number;
  clientPeakMiB: number;
}

export interface IdleResult {
  streams: number;
  rssPerStream: number;
  heapPerStream: number;
  clientRssPerStream: number;
}

export interface MemoryResult {
  variant: VariantName;
  slowReader?: SlowReaderResult;
  idle?: IdleResult;
  error?: string;
}

/** Peers the generated code is held to ≥ 1.0× of (pass-through is the transport's ceiling, not a peer). */
const PEERS: VariantName[] = ["proto-loader", "ts-proto", "connect"];
/** Generated code may cost at most 3 % over the hand-written glue. */
const GLUE_TARGET = 0.97;

/** Quantile `q` (0 to 1) of `values`, by linear interpolation. */
export function quantile(values: number[], q: number): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}

export function median(values: number[]): number {
  return quantile(values, 0.5);
}

export function summarize(samples: Sample[]): Map<string, Summary> {
  const groups = new Map<string, Sample[]>();
  for (const s of samples) {
    const key = `${s.scenario}/${s.variant}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const out = new Map<string, Summary>();
  for (const [key, group] of groups) {
    out.set(key, {
      opsPerSec: median(group.map((s) => s.ops / (s.ms / 1000))),
      clientCpuUs: median(group.map((s) => s.cpuUs / s.ops)),
      serverCpuUs: median(group.map((s) => s.serverCpuUs / s.ops)),
      p50Us: median(group.map((s) => s.p50Us ?? Number.NaN)),
      p99Us: median(group.map((s) => s.p99Us ?? Number.NaN)),
      runs: group.length,
    });
  }
  return out;
}

function fmt(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return "–";
  return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function fmtUs(n: number): string {
  return fmt(n, n < 100 ? 1 : 0);
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? "---" : "---:"))), ...rows.map(line)].join("\n");
}

/** Ops/s per scenario and variant with the ratio to the baseline (the glue), and whether rpcgen meets its targets. */
export function throughputTable(
  summary: Map<string, Summary>,
  variants: VariantName[],
  scenarios: ScenarioName[],
  baseline: VariantName = BASELINE,
) {
  // The targets are the gRPC run's; the Connect run's target is its ratio to connect-node, shown as is.
  const withTargets = variants.includes("rpcgen");
  const header = ["scenario", ...variants.map((v) => VARIANTS[v].label), ...(withTargets ? ["rpcgen targets"] : [])];
  const rows = scenarios.map((scenario) => {
    const get = (v: VariantName) => summary.get(`${scenario}/${v}`)?.opsPerSec ?? Number.NaN;
    const base = get(baseline);
    const cells = variants.map((v) => {
      const ops = get(v);
      const ratio = ops / base;
      return Number.isFinite(ratio) ? `${fmt(ops)} (${ratio.toFixed(2)}×)` : fmt(ops);
    });
    const title = `${SCENARIOS[scenario].title} (${SCENARIOS[scenario].unit})`;
    return [title, ...cells, ...(withTargets ? [targets(get, variants)] : [])];
  });
  return table(header, rows);
}

function targets(get: (v: VariantName) => number, variants: VariantName[]): string {
  const ours = get("rpcgen");
  if (!Number.isFinite(ours)) return "–";
  const misses: string[] = [];
  const glue = ours / get(BASELINE);
  if (Number.isFinite(glue) && glue < GLUE_TARGET) misses.push(`${glue.toFixed(2)}× glue`);
  for (const peer of PEERS) {
    if (!variants.includes(peer)) continue;
    const ratio = ours / get(peer);
    if (Number.isFinite(ratio) && ratio < 1) misses.push(`${ratio.toFixed(2)}× ${VARIANTS[peer].label}`);
  }
  return misses.length === 0 ? "met" : `missed: ${misses.join(", ")}`;
}

/** A list of per-trial ratios as its median (quartiles). */
function ratioCell(values: number[]): string {
  return `${quantile(values, 0.5).toFixed(3)} (${quantile(values, 0.25).toFixed(2)}–${quantile(values, 0.75).toFixed(2)})`;
}

/** Per trial, `variant` ÷ `baseline` measured beside it: throughput and total CPU per op (baseline ÷ variant). */
function pairedRatios(
  samples: Sample[],
  scenario: ScenarioName,
  variant: VariantName,
  baseline: VariantName = BASELINE,
) {
  const throughput: number[] = [];
  const cpu: number[] = [];
  const byTrial = (v: VariantName) =>
    new Map(samples.filter((s) => s.scenario === scenario && s.variant === v).map((s) => [`${s.run}/${s.trial}`, s]));
  const base = byTrial(baseline);
  for (const [key, s] of byTrial(variant)) {
    const b = base.get(key);
    if (b === undefined) continue;
    throughput.push(s.ops / s.ms / (b.ops / b.ms));
    cpu.push((b.cpuUs + b.serverCpuUs) / b.ops / ((s.cpuUs + s.serverCpuUs) / s.ops));
  }
  return { throughput, cpu };
}

/** A column pair of a ratios table: `variant ÷ base` per trial, headed by `label`. */
interface RatioColumn {
  variant: VariantName;
  base: VariantName;
  label: string;
}

/** Per trial, each column's `variant ÷ base`: throughput and CPU per op, median (quartiles). */
function ratiosTable(samples: Sample[], scenarios: ScenarioName[], title: string, columns: RatioColumn[]): string {
  const header = [title, ...columns.flatMap((c) => [`${c.label}: throughput`, `${c.label}: CPU per op`])];
  const rows = scenarios.map((scenario) => [
    SCENARIOS[scenario].title,
    ...columns.flatMap((c) => {
      const r = pairedRatios(samples, scenario, c.variant, c.base);
      return [ratioCell(r.throughput), ratioCell(r.cpu)];
    }),
  ]);
  return table(header, rows);
}

/** Columns of `variant ÷ base` pairs, headed by both labels. */
function pairColumns(pairs: readonly (readonly [VariantName, VariantName])[]): RatioColumn[] {
  return pairs.map(([variant, base]) => ({
    variant,
    base,
    label: `${VARIANTS[variant].label} ÷ ${VARIANTS[base].label}`,
  }));
}

/**
 * rpcgen ÷ glue within each trial, with the A/A column (`glue-again`) as the yardstick of noise:
 * drift (other load, CPU frequency) hits both variants of a trial alike, so the median of these
 * paired ratios is steadier than the ratio of two medians. Quartiles show the spread.
 */
export function pairedTable(samples: Sample[], variants: VariantName[], scenarios: ScenarioName[]): string {
  const compared = variants.filter((v) => v === "rpcgen" || v === "glue-again" || v === "glue-2.13");
  const columns = compared.map((v) => ({ variant: v, base: BASELINE, label: VARIANTS[v].label }));
  return ratiosTable(samples, scenarios, "per-trial ratio to the glue, median (quartiles)", columns);
}

/**
 * What @rpcgen/runtime/otel costs: each OpenTelemetry variant ÷ rpcgen without interceptors, per trial,
 * beside rpcgen measured again (A/A); as 1 − throughput ratio, the overhead the targets speak of.
 */
export function overheadTable(samples: Sample[], variants: VariantName[], scenarios: ScenarioName[]): string {
  const compared = OVERHEAD_VARIANTS.filter((v) => variants.includes(v));
  const columns = compared.map((v) => ({ variant: v, base: "rpcgen" as const, label: VARIANTS[v].label }));
  return ratiosTable(samples, scenarios, "per-trial ratio to rpcgen, median (quartiles)", columns);
}

/**
 * rpcgen ÷ each Node peer in the run (proto-loader, ts-proto), per trial, beside rpcgen measured
 * again ÷ the same peer and ÷ rpcgen (`rpcgen-again`, A/A): the target is at least 1.0 on every
 * scenario, and only a distance larger than the A/A column's from 1 is a difference.
 */
export function peerTable(samples: Sample[], variants: VariantName[], scenarios: ScenarioName[]): string {
  const peers = (["proto-loader", "ts-proto"] as const).filter((p) => variants.includes(p));
  const again = variants.includes("rpcgen-again");
  const pairs = [
    ...peers.flatMap((p) => [["rpcgen", p] as const, ...(again ? [["rpcgen-again", p] as const] : [])]),
    ...(again ? [["rpcgen-again", "rpcgen"] as const] : []),
  ];
  return ratiosTable(samples, scenarios, "per-trial ratio, median (quartiles)", pairColumns(pairs));
}

/**
 * The Connect protocol (`--protocol connect` or `connect-h2`): rpcgen's listen() ÷ connect-node's server per
 * trial, beside rpcgen measured again ÷ connect-node and ÷ rpcgen (A/A): the spread between
 * the first two columns and the distance of the third from 1 are this run's noise.
 */
export function connectTable(
  samples: Sample[],
  variants: VariantName[],
  scenarios: ScenarioName[],
  run: ConnectRun,
): string {
  const pairs = (
    [
      [run.ours, run.baseline],
      [run.again, run.baseline],
      [run.again, run.ours],
    ] as const
  ).filter(([v, base]) => variants.includes(v) && variants.includes(base));
  return ratiosTable(samples, scenarios, "per-trial ratio, median (quartiles)", pairColumns(pairs));
}

/** p50 / p99 latency of the unary scenarios, µs. */
export function latencyTable(summary: Map<string, Summary>, variants: VariantName[], scenarios: ScenarioName[]) {
  const header = ["p50 / p99 (µs)", ...variants.map((v) => VARIANTS[v].label)];
  const rows = scenarios
    .filter((s) => s.startsWith("unary"))
    .map((scenario) => [
      SCENARIOS[scenario].title,
      ...variants.map((v) => {
        const s = summary.get(`${scenario}/${v}`);
        return s ? `${fmtUs(s.p50Us)} / ${fmtUs(s.p99Us)}` : "–";
      }),
    ]);
  return table(header, rows);
}

/** CPU time per operation on each side, µs. */
export function cpuTable(summary: Map<string, Summary>, variants: VariantName[], scenarios: ScenarioName[]) {
  const header = ["client / server CPU per op (µs)", ...variants.map((v) => VARIANTS[v].label)];
  const rows = scenarios.map((scenario) => [
    SCENARIOS[scenario].title,
    ...variants.map((v) => {
      const s = summary.get(`${scenario}/${v}`);
      return s ? `${fmtUs(s.clientCpuUs)} / ${fmtUs(s.serverCpuUs)}` : "–";
    }),
  ]);
  return table(header, rows);
}

export function memoryTable(results: MemoryResult[]): string {
  const header = ["memory", ...results.map((r) => VARIANTS[r.variant].label)];
  const cell = (r: MemoryResult, f: (r: MemoryResult) => string | undefined) => (r.error ? "error" : (f(r) ?? "–"));
  const first = results.find((r) => r.slowReader)?.slowReader;
  const streams = results.find((r) => r.idle)?.idle?.streams;
  const rows = [
    [
      `slow reader, ${fmt(first?.mib ?? Number.NaN)} MiB of 16 KiB messages: server peak RSS growth (MiB)`,
      ...results.map((r) => cell(r, (x) => x.slowReader && fmt(x.slowReader.serverPeakMiB, 1))),
    ],
    [
      "slow reader: client peak RSS growth (MiB)",
      ...results.map((r) => cell(r, (x) => x.slowReader && fmt(x.slowReader.clientPeakMiB, 1))),
    ],
    [
      "slow reader: MiB/s delivered",
      ...results.map((r) => cell(r, (x) => x.slowReader && fmt(x.slowReader.mib / x.slowReader.seconds, 0))),
    ],
    [
      `${fmt(streams ?? Number.NaN)} idle server streams: server RSS per stream (KiB)`,
      ...results.map((r) => cell(r, (x) => x.idle && fmt(x.idle.rssPerStream / 1024, 1))),
    ],
    [
      "idle streams: server JS heap per stream (KiB)",
      ...results.map((r) => cell(r, (x) => x.idle && fmt(x.idle.heapPerStream / 1024, 1))),
    ],
    [
      "idle streams: client RSS per stream (KiB)",
      ...results.map((r) => cell(r, (x) => x.idle && fmt(x.idle.clientRssPerStream / 1024, 1))),
    ],
  ];
  return table(header, rows);
}

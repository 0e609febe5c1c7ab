// The demo profile's catalog: five hosts, each in one service and region, and five metrics whose
// values follow the time of day in the host's region, with deterministic noise.
import type { FieldType } from '../protocol/messages';
import type { DimensionValue } from './conditions';
import { type Availability, alwaysOnline, DAY_MILLIS, dailyOutage } from './grid';

export interface HostSpec {
  host: string;
  service: string;
  region: string;
  cores: number;
  /** Takes a share of new releases first. */
  canary: boolean;
  /** Share of the traffic, relative to web-1: scales request rates and CPU. */
  traffic: number;
  availability: Availability;
}

const HOUR = 3_600_000;

/**
 * `a-host` is the component StackState's push-integration tutorial creates, so a stream can be
 * attached to it straight away. `web-2` reboots for maintenance every night, 03:00–03:30 UTC,
 * and has no samples then: that is where EVENT_COUNT shows 0 and the _NO_ZEROS methods show nothing.
 */
export const HOSTS: readonly HostSpec[] = [
  host('a-host', 'app', 'eu-west-1', 2, false, 0.6),
  host('web-1', 'web', 'eu-west-1', 4, false, 1),
  host('web-2', 'web', 'us-east-1', 4, true, 0.8, dailyOutage(3 * HOUR, HOUR / 2)),
  host('db-1', 'database', 'eu-west-1', 8, false, 0.7),
  host('cache-1', 'cache', 'us-east-1', 2, false, 1.2),
];

function host(
  name: string,
  service: string,
  region: string,
  cores: number,
  canary: boolean,
  traffic: number,
  availability: Availability = alwaysOnline,
): HostSpec {
  return { host: name, service, region, cores, canary, traffic, availability };
}

/** A field that picks series, with its protocol type. */
export interface Dimension {
  name: string;
  fieldType: FieldType;
  of: (h: HostSpec) => DimensionValue;
}

export const DIMENSIONS: readonly Dimension[] = [
  { name: 'host', fieldType: 'STRING', of: (h) => h.host },
  { name: 'service', fieldType: 'STRING', of: (h) => h.service },
  { name: 'region', fieldType: 'STRING', of: (h) => h.region },
  { name: 'cores', fieldType: 'NUMBER', of: (h) => h.cores },
  { name: 'canary', fieldType: 'BOOLEAN', of: (h) => h.canary },
];

export function dimensionsOf(spec: HostSpec): Record<string, DimensionValue> {
  return Object.fromEntries(DIMENSIONS.map((d) => [d.name, d.of(spec)]));
}

/** Busiest hour of the day (UTC) per region: early afternoon local time. */
const PEAK_HOUR_UTC: Readonly<Record<string, number>> = { 'eu-west-1': 13, 'us-east-1': 18 };

/** 1 at the region's busiest hour, 0 twelve hours later, a cosine in between. */
export function dailyLoad(t: number, region: string): number {
  const dayFraction = (t % DAY_MILLIS) / DAY_MILLIS;
  const peakFraction = (PEAK_HOUR_UTC[region] ?? 12) / 24;
  return 0.5 + 0.5 * Math.cos(2 * Math.PI * (dayFraction - peakFraction));
}

export interface MetricSpec {
  name: string;
  unit: string;
  /** Percentages are clamped to 100, even during an incident. */
  isPercentage: boolean;
  /** How a raw query combines several series at one timestamp: rates add up, levels average. */
  combine: 'sum' | 'mean';
  /** Relative noise: a sample is `level × (1 ± noise)`. */
  noise: number;
  /** The noise-free value for a daily load in [0, 1]. */
  level: (load: number, host: HostSpec) => number;
}

export const METRICS: readonly MetricSpec[] = [
  {
    name: 'cpu.usage',
    unit: '%',
    isPercentage: true,
    combine: 'mean',
    noise: 0.08,
    level: (load, h) => 8 + 60 * h.traffic * load,
  },
  {
    name: 'memory.usage',
    unit: '%',
    isPercentage: true,
    combine: 'mean',
    noise: 0.02,
    level: (load, h) => 45 + 10 * h.traffic + 15 * load,
  },
  {
    name: 'requests.rate',
    unit: 'req/s',
    isPercentage: false,
    combine: 'sum',
    noise: 0.06,
    level: (load, h) => 150 * h.traffic * (0.15 + 0.85 * load),
  },
  {
    name: 'latency.p95',
    unit: 'ms',
    isPercentage: false,
    combine: 'mean',
    noise: 0.1,
    level: (load, h) => 40 + 110 * h.traffic * load * load,
  },
  {
    name: 'errors.rate',
    unit: '%',
    isPercentage: true,
    combine: 'mean',
    noise: 0.25,
    level: (load) => 0.2 + 1.8 * load ** 3,
  },
];

/** The metric a query without `metricField` gets. */
export const DEFAULT_METRIC = 'cpu.usage';

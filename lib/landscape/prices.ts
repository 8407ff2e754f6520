/**
 * What GPU hours cost in dollars: published rental prices per GPU-hour, each with its source and
 * date, and the dollar range a training run's published GPU hours come to at those prices.
 *
 * These are list prices for **renting** the hardware. The models costed in notebook 04 were trained
 * on their makers' own clusters, whose cost (purchase, power, staff, failed runs, experiments) is
 * not published; renting the same GPU hours is the price an outsider would pay for the final run.
 * Prices move quickly (the H100's fell by more than half between its launch and 2026), so every
 * figure says when it was published.
 */
import { costChecks, type CostCheck } from "./cost";

export type PricedGpu = "A100-80GB" | "H100-80GB";
export type PriceTerms = "on-demand" | "reserved";

export interface GpuPrice {
  gpu: PricedGpu;
  terms: PriceTerms;
  /** US dollars per GPU-hour (low and high end of the published range; equal for a single price). */
  low: number;
  high: number;
  /** Who charges it, and for what. */
  offer: string;
  /** Where it is published, and when. */
  source: string;
  date: string;
}

/** Published per-GPU-hour prices (US dollars). An 8-GPU instance's hourly price is divided by 8. */
export const GPU_PRICES: readonly GpuPrice[] = [
  {
    gpu: "H100-80GB",
    terms: "on-demand",
    low: 98.32 / 8,
    high: 98.32 / 8,
    offer: "AWS p5.48xlarge (8 × H100), on demand, US East: $98.32 per instance-hour",
    source: "AWS list price at launch, reported by The Next Platform, \"H100 GPU Instance Pricing On AWS: Grin And Bear It\"",
    date: "July 2023",
  },
  {
    gpu: "H100-80GB",
    terms: "on-demand",
    low: 2.49,
    high: 3.99,
    offer: "GPU clouds (CoreWeave, Lambda, Crusoe, RunPod), H100 SXM 80GB, on demand",
    source: "pricegpu.pages.dev, \"H100 vs A100 Cloud Pricing: When the Upgrade Pays Off\" (typical list prices)",
    date: "early 2026",
  },
  {
    gpu: "H100-80GB",
    terms: "reserved",
    low: 4.916,
    high: 4.916,
    offer: "AWS EC2 Capacity Blocks for ML (capacity reserved in advance), p5.48xlarge, US East: $39.33 per instance-hour",
    source: "AWS, \"Amazon EC2 Capacity Blocks for ML Pricing\" (rates in force until 1 January 2025)",
    date: "late 2024",
  },
  {
    gpu: "A100-80GB",
    terms: "on-demand",
    low: 1.49,
    high: 2.49,
    offer: "GPU clouds (Lambda, CoreWeave, vast.ai, RunPod), A100 SXM 80GB, on demand",
    source: "pricegpu.pages.dev, \"H100 vs A100 Cloud Pricing: When the Upgrade Pays Off\" (typical list prices)",
    date: "early 2026",
  },
  {
    gpu: "A100-80GB",
    terms: "on-demand",
    low: 32.77 / 8,
    high: 32.77 / 8,
    offer: "AWS p4d.24xlarge (8 × A100 40GB, the 80 GB part's smaller sibling), on demand, US East: $32.77 per instance-hour",
    source: "xither.com, \"GPU Compute Costs: On-Prem vs. Cloud vs. Spot Instances\" (AWS list price)",
    date: "Q2 2024",
  },
  {
    gpu: "A100-80GB",
    terms: "reserved",
    low: 1.844,
    high: 1.844,
    offer: "AWS EC2 Capacity Blocks for ML, p4d.24xlarge (8 × A100 40GB), US: $14.75 per instance-hour",
    source: "AWS, \"Amazon EC2 Capacity Blocks for ML Pricing\" (rates in force until 1 January 2025)",
    date: "late 2024",
  },
];

/** The lowest and highest published price per GPU-hour for a GPU and terms. */
export function priceRange(gpu: PricedGpu, terms: PriceTerms, prices: readonly GpuPrice[] = GPU_PRICES): { low: number; high: number; quotes: GpuPrice[] } {
  const quotes = prices.filter((p) => p.gpu === gpu && p.terms === terms);
  if (!quotes.length) throw new Error(`no published ${terms} price for ${gpu}; known: ${[...new Set(prices.map((p) => `${p.gpu} ${p.terms}`))].join(", ")}`);
  return { low: Math.min(...quotes.map((q) => q.low)), high: Math.max(...quotes.map((q) => q.high)), quotes };
}

export interface DollarCost {
  id: string;
  name: string;
  gpu: PricedGpu;
  gpuHours: number;
  petaflopDays: number;
  /** GPU hours × the on-demand range and the reserved range, in dollars. */
  onDemand: { low: number; high: number };
  reserved: { low: number; high: number };
}

/** Published GPU hours × published prices, for every model with published GPU hours. */
export function trainingDollars(checks: readonly CostCheck[] = costChecks(), prices: readonly GpuPrice[] = GPU_PRICES): DollarCost[] {
  return checks
    .filter((c) => c.gpuHours && c.gpu)
    .map((c) => {
      const gpu = c.gpu as PricedGpu;
      const od = priceRange(gpu, "on-demand", prices);
      const rs = priceRange(gpu, "reserved", prices);
      const h = c.gpuHours!;
      return { id: c.id, name: c.name, gpu, gpuHours: h, petaflopDays: c.petaflopDays, onDemand: { low: h * od.low, high: h * od.high }, reserved: { low: h * rs.low, high: h * rs.high } };
    });
}

/** "$1.2M", "$340k", "$5.10": dollars at a readable scale. */
export function formatDollars(x: number): string {
  const a = Math.abs(x);
  if (a >= 1e9) return `$${(x / 1e9).toFixed(a >= 1e10 ? 0 : 1)}B`;
  if (a >= 1e6) return `$${(x / 1e6).toFixed(a >= 1e7 ? 0 : 1)}M`;
  if (a >= 1e3) return `$${(x / 1e3).toFixed(a >= 1e4 ? 0 : 1)}k`;
  if (a >= 1) return `$${x.toFixed(2)}`;
  return `$${x.toFixed(4)}`;
}

/** A small cloud CPU machine, to price the course's own CPU runs the same way (2 vCPUs, like the machine the course BERT trained on). */
export const CPU_PRICE = {
  usdPerHour: 0.0816,
  offer: "AWS m7g.large (2 vCPUs, 8 GiB), Linux, on demand, us-east-1: $0.0816 per hour",
  source: "FactualMinds, \"Amazon EC2 On-Demand Pricing: Instance Families, Regional Multipliers, and the Graviton Crossover (2026)\"",
  date: "June 2026",
} as const;

/** The LLaMA-65B run the lecture slide costs (not in MODELS: no released config in the course's table). */
export const LLAMA_65B_RUN = {
  name: "LLaMA-65B",
  params: 65.2e9,
  tokens: 1.4e12,
  gpuHours: 1_022_362,
  gpu: "A100-80GB" as PricedGpu,
  source: "LLaMA paper (Touvron et al. 2023a): 65.2B parameters (Table 2), 1.4T tokens (§2), 1,022,362 A100-80GB GPU hours (Table 15)",
};

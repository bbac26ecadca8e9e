// requests-preaggregated (Flux, 2.x): telemetry already stored as a Prometheus-style histogram
// (cumulative count per `le` bucket per interval). Sums the per-interval counts per timeline interval.
// Returns one table per (service, endpoint, le, interval); columns _start, <serviceTag>, <endpointTag>, <leTag>, _value.
// groupColumns / keepColumns: the series tags (plus the cohort tag under a cohort baseline), and the columns kept.
from(bucket: ${bucket})
  |> range(start: ${start}, stop: ${stop})
  |> filter(fn: (r) => r._measurement == ${measurement} and r._field == ${countField})
  |> filter(fn: (r) => ${filter})
  |> group(columns: ${groupColumns})
  |> window(every: ${interval}, offset: ${offset})
  |> sum()
  |> keep(columns: ${keepColumns})

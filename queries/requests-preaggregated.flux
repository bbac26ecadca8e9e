// requests-preaggregated (Flux, 2.x): telemetry already stored as a Prometheus-style histogram
// (cumulative count per `le` bucket per interval). Sums the per-interval counts per timeline interval.
// Returns one table per (service, endpoint, le, interval); columns _start, <serviceTag>, <endpointTag>, <leTag>, _value.
from(bucket: ${bucket})
  |> range(start: ${start}, stop: ${stop})
  |> filter(fn: (r) => r._measurement == ${measurement} and r._field == ${countField})
  |> filter(fn: (r) => ${filter})
  |> group(columns: [${serviceTag}, ${endpointTag}, ${leTag}])
  |> window(every: ${interval}, offset: ${offset})
  |> sum()
  |> keep(columns: ["_start", ${serviceTag}, ${endpointTag}, ${leTag}, "_value"])

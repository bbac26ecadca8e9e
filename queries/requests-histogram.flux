// requests-histogram (Flux, 2.x): aggregated push-down. Per (service, endpoint) and per interval, the
// CUMULATIVE count of durations <= each fixed log-spaced bin edge (`histogram()`; last bin +Inf).
// Returns one table per (service, endpoint, interval); columns _start, <serviceTag>, <endpointTag>, le, _value.
// The source turns the cumulative counts into per-bucket counts.
// groupColumns / keepColumns: the series tags (plus the cohort tag under a cohort baseline), and the columns kept.
from(bucket: ${bucket})
  |> range(start: ${start}, stop: ${stop})
  |> filter(fn: (r) => r._measurement == ${measurement} and r._field == ${durationField})
  |> filter(fn: (r) => ${filter})
  |> group(columns: ${groupColumns})
  |> window(every: ${interval}, offset: ${offset})
  |> histogram(bins: ${bins})
  |> keep(columns: ${keepColumns})

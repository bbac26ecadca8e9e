// upstreams-preaggregated (Flux, 2.x): per-interval counters users already keep (calls, retries,
// exhausted), summed per timeline interval. Not pivoted: one row per counter.
// Returns one table per (service, upstream, _field, interval); columns _start, <serviceTag>, <upstreamTag>, _field, _value.
// groupColumns / keepColumns: the series tags (plus the cohort tag under a cohort baseline), and the columns kept.
from(bucket: ${bucket})
  |> range(start: ${start}, stop: ${stop})
  |> filter(fn: (r) => r._measurement == ${measurement} and (r._field == ${callsField} or r._field == ${retriesField} or r._field == ${exhaustedField}))
  |> filter(fn: (r) => ${filter})
  |> group(columns: ${groupColumns})
  |> window(every: ${interval}, offset: ${offset})
  |> sum()
  |> keep(columns: ${keepColumns})

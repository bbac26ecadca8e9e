// backoff-histogram (Flux, 2.x): aggregated push-down of the backoff of retried calls (attempts > 1):
// CUMULATIVE count per fixed log-spaced bin edge per (service, upstream, interval), like requests-histogram.
// Returns one table per (service, upstream, interval); columns _start, <serviceTag>, <upstreamTag>, le, _value.
// groupColumns / keepColumns: the series tags (plus the cohort tag under a cohort baseline), and the columns kept.
from(bucket: ${bucket})
  |> range(start: ${start}, stop: ${stop})
  |> filter(fn: (r) => r._measurement == ${measurement} and (r._field == ${attemptsField} or r._field == ${backoffField}))
  |> filter(fn: (r) => ${filter})
  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
  |> filter(fn: (r) => r[${attemptsField}] > 1)
  |> map(fn: (r) => ({r with _value: float(v: r[${backoffField}])}))
  |> group(columns: ${groupColumns})
  |> window(every: ${interval}, offset: ${offset})
  |> histogram(bins: ${bins})
  |> keep(columns: ${keepColumns})

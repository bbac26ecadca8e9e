// upstreams-counters (Flux, 2.x): aggregated push-down of upstream calls per (service, upstream, interval):
// calls, total attempts (retries = attempts - calls) and calls that finally failed (ok = false).
// Returns one table per (service, upstream, interval); columns _start, <serviceTag>, <upstreamTag>, calls, attempts, exhausted.
// groupColumns / keepColumns: the series tags (plus the cohort tag under a cohort baseline), and the columns kept.
from(bucket: ${bucket})
  |> range(start: ${start}, stop: ${stop})
  |> filter(fn: (r) => r._measurement == ${measurement} and (r._field == ${attemptsField} or r._field == ${okField}))
  |> filter(fn: (r) => ${filter})
  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
  |> group(columns: ${groupColumns})
  |> window(every: ${interval}, offset: ${offset})
  |> reduce(
      identity: {calls: 0, attempts: 0, exhausted: 0},
      fn: (r, accumulator) => ({
        calls: accumulator.calls + 1,
        attempts: accumulator.attempts + int(v: r[${attemptsField}]),
        exhausted: accumulator.exhausted + (if r[${okField}] then 0 else 1),
      }),
  )
  |> keep(columns: ${keepColumns})

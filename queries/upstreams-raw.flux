// upstreams-raw (Flux, 2.x): every upstream call of one window, exact; the three fields pivoted into one row.
// Returns one table per (service, upstream); columns _time, <serviceTag>, <upstreamTag>, <attemptsField>, <backoffField>, <okField>.
// groupColumns / keepColumns: the series tags (plus the cohort tag under a cohort baseline), and the columns kept.
from(bucket: ${bucket})
  |> range(start: ${start}, stop: ${stop})
  |> filter(fn: (r) => r._measurement == ${measurement} and (r._field == ${attemptsField} or r._field == ${backoffField} or r._field == ${okField}))
  |> filter(fn: (r) => ${filter})
  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
  |> keep(columns: ${keepColumns})

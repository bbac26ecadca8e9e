// requests-raw (Flux, 2.x): every request latency of one window, exact.
// Returns one table per (service, endpoint) series; columns _time, _value (duration), <serviceTag>, <endpointTag>.
// groupColumns / keepColumns: the series tags (plus the cohort tag under a cohort baseline), and the columns kept.
from(bucket: ${bucket})
  |> range(start: ${start}, stop: ${stop})
  |> filter(fn: (r) => r._measurement == ${measurement} and r._field == ${durationField})
  |> filter(fn: (r) => ${filter})
  |> keep(columns: ${keepColumns})

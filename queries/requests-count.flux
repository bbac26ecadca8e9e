// requests-count (Flux, 2.x): the cheap estimate behind `mode: auto`.
// Returns one table with one row; column _value = number of request points in the window.
from(bucket: ${bucket})
  |> range(start: ${start}, stop: ${stop})
  |> filter(fn: (r) => r._measurement == ${measurement} and r._field == ${durationField})
  |> filter(fn: (r) => ${filter})
  |> group()
  |> count()
  |> keep(columns: ["_value"])

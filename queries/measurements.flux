// measurements (Flux, 2.x): the measurement names present in the bucket (also fails with 404 for an unknown bucket).
// Returns one table; column _value = measurement name.
import "influxdata/influxdb/schema"

schema.measurements(bucket: ${bucket})

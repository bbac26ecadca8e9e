/**
 * Turns a `--source` argument into a MetricSource: a configured source name, `demo`, a line-protocol
 * file path, or (issue 3) an influx1+http:// / influx2+http(s):// URL.
 */
import { AppError } from '../errors.ts';
import type { Config } from '../config.ts';
import type { MetricSource } from './metric-source.ts';

export function createSource(spec: string, config: Config): MetricSource {
  void config;
  throw new AppError('BAD_INPUT', `source "${spec}": no source implementation is wired yet`);
}

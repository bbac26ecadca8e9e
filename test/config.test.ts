import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'aftershock-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function load(yaml: string) {
  const file = path.join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  return () => loadConfig({ file });
}

describe('loadConfig: mistakes that would otherwise be silent', () => {
  it('refuses a misspelt schema key instead of ignoring it (the mapping would silently stay the default)', () => {
    expect(load('schema:\n  request: { measurment: api_req }\n')).toThrow(/schema\.request\.measurment/);
  });

  it('refuses two schema forms on one measurement name (points would all go to the first form)', () => {
    expect(load('schema:\n  histogram: { measurement: http_request }\n')).toThrow(
      /schema\.histogram\.measurement "http_request" is also schema\.request\.measurement/,
    );
  });

  it('refuses repeated quantiles (each would be a duplicate finding and count twice in the FDR step)', () => {
    expect(load('analysis:\n  quantiles: [0.99, 0.5, 0.99]\n')).toThrow(/analysis\.quantiles lists 0\.99 twice/);
  });

  it('still accepts a full custom schema mapping', () => {
    const c = load(
      'schema:\n  request: { measurement: api_req, serviceTag: svc, endpointTag: route, durationField: lat }\n' +
        '  upstream: { measurement: dep_call, serviceTag: svc, upstreamTag: dep, attemptsField: tries, backoffField: wait, okField: success }\n',
    )();
    expect(c.schema.request.durationField).toBe('lat');
    expect(c.schema.upstream.okField).toBe('success');
  });
});

describe('loadConfig: messages (issue 14, item 19)', () => {
  it('refuses a misspelt top-level section naming it and the known ones (nested typos were caught, top-level ones ignored)', () => {
    expect(load('analyis:\n  fdr: 0.01\n')).toThrow(/unknown top-level section "analyis"; known sections: analysis, baseline, input, schema, sources, server, store, auth, pool, unleash, actions/);
    expect(load('analysis:\n  fdr: 0.01\nservr: {}\nstorage: {}\n')).toThrow(/unknown top-level sections "servr", "storage"/);
    expect(load('analysis:\n  fdr: 0.01\n')().analysis.fdr).toBe(0.01);
  });

  it('names the allowed words of a choice (was TypeBox\'s "Expected union value")', () => {
    expect(load('analysis:\n  seasonal:\n    periodVariance: maybe\n')).toThrow(/invalid value at "analysis\.seasonal\.periodVariance": must be one of between, auto \(got "maybe"\)/);
    expect(load('baseline:\n  kind: weekly\n')).toThrow(/invalid value at "baseline\.kind": must be one of before, seasonal, cohort \(got "weekly"\)/);
    expect(load('analysis:\n  seasonal:\n    periodVariance: auto\n')().analysis.seasonal).toEqual({ periodVariance: 'auto' });
  });

  it('says "no such file" for a missing config file, not ENOENT', () => {
    const missing = path.join(dir, 'missing.yaml');
    expect(() => loadConfig({ file: missing })).toThrow(`cannot read config file ${missing}: no such file`);
  });
});

/**
 * Tokens from the environment have a minimum length: a short token is guessable, and the log filter that hides
 * tokens by value would cut a one-character token out of every log line. The refusal names the variable and the
 * token's position, never the token.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { loadTokens, MIN_TOKEN_LENGTH, tokenSecrets } from '../../src/http/auth.ts';
import { createService } from '../../src/http/service.ts';

const auth = { tokens: [], openReads: 'auto' as const };

describe('tokens from the environment', () => {
  it('accepts tokens of the minimum length and refuses shorter ones by variable and position', () => {
    const ok = 'k'.repeat(MIN_TOKEN_LENGTH);
    expect(loadTokens(auth, { AFTERSHOCK_READ_TOKENS: ok })).toHaveLength(1);
    const short = 'q7z';
    const env = { AFTERSHOCK_WRITE_TOKENS: `${ok}, ${short}` };
    for (const read of [() => loadTokens(auth, env), () => tokenSecrets(auth, env)]) {
      expect(read).toThrow(/^AFTERSHOCK_WRITE_TOKENS: token 2 has 3 character\(s\); a token needs at least 8/);
      expect(read).not.toThrow(new RegExp(short));
    }
  });

  it('a service given a one-character token does not start, and says why', async () => {
    await expect(
      createService({ config: loadConfig(), env: { AFTERSHOCK_DATA_DIR: 'memory://', AFTERSHOCK_READ_TOKENS: 'x' }, logDestination: { write: () => undefined }, adjust: (s) => void (s.server.demoOnFirstStart = false) }),
    ).rejects.toThrow(/AFTERSHOCK_READ_TOKENS: token 1 has 1 character/);
  });
});

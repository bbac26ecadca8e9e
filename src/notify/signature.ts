/**
 * Webhook signatures: `X-Aftershock-Signature: sha256=<hex>` is HMAC-SHA256 with the target's secret over the raw
 * request body (the bytes as sent, before any JSON parsing), as GitHub's `X-Hub-Signature-256`. The body carries
 * `sentAt`, equal to the `X-Aftershock-Timestamp` header, so the signature covers the send time and a receiver
 * can refuse replays of old deliveries (README "Notifications": accept within 5 minutes, deduplicate on `id`).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-aftershock-signature';
export const TIMESTAMP_HEADER = 'x-aftershock-timestamp';
export const EVENT_HEADER = 'x-aftershock-event';
export const DELIVERY_HEADER = 'x-aftershock-delivery';
/** How old a delivery a receiver should still accept (the README's receiver example uses it). */
export const DEFAULT_REPLAY_WINDOW_MS = 5 * 60_000;

export function signBody(secret: string, body: string | Uint8Array): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Constant-time check of a signature header against the raw body. */
export function verifySignature(secret: string, body: string | Uint8Array, header: string | undefined | null): boolean {
  if (!header) return false;
  const expected = Buffer.from(signBody(secret, body));
  const given = Buffer.from(header.trim());
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * A receiver's whole check: the signature over the raw body, then the signed timestamp within `windowMs` of `nowMs`.
 * Returns null when the delivery is good, else why not.
 */
export function checkDelivery(o: { secret: string; body: string | Uint8Array; signature: string | undefined | null; timestamp: string | undefined | null; nowMs: number; windowMs?: number }): string | null {
  if (!verifySignature(o.secret, o.body, o.signature)) return 'bad signature';
  const sentAt = (JSON.parse(Buffer.from(o.body).toString('utf8')) as { sentAt?: unknown }).sentAt;
  const seconds = Number(o.timestamp);
  if (typeof sentAt !== 'string' || !Number.isFinite(seconds) || Math.floor(Date.parse(sentAt) / 1000) !== seconds) return 'timestamp header does not match the signed sentAt';
  if (Math.abs(o.nowMs - seconds * 1000) > (o.windowMs ?? DEFAULT_REPLAY_WINDOW_MS)) return 'too old (possible replay)';
  return null;
}

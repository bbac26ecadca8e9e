/**
 * What goes over the wire for an event, per target kind: the generic webhook's signed JSON request, and the
 * Slack-compatible incoming-webhook message (`text` for notifications and clients without blocks, e.g.
 * Mattermost and Rocket.Chat, plus `blocks` for Slack). Pure: the send time and ids come in as parameters.
 */
import type { NotifyTarget } from './notify-config.ts';
import type { NotificationEvent } from './events.ts';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signBody } from './signature.ts';

export const USER_AGENT = 'aftershock-notifications/1';

export interface OutgoingRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** The webhook body: the event with its send time, which the signature then covers. */
export function webhookBody(event: NotificationEvent, sentAt: Date): string {
  return JSON.stringify({ ...event, sentAt: sentAt.toISOString() });
}

export function webhookRequest(target: NotifyTarget, event: NotificationEvent, o: { sentAt: Date; deliveryId: number }): OutgoingRequest {
  const body = webhookBody(event, o.sentAt);
  return {
    url: target.url,
    body,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': USER_AGENT,
      [EVENT_HEADER]: event.type,
      [DELIVERY_HEADER]: String(o.deliveryId),
      [TIMESTAMP_HEADER]: String(Math.floor(o.sentAt.getTime() / 1000)),
      [SIGNATURE_HEADER]: signBody(target.secret ?? '', body),
    },
  };
}

/** Slack mrkdwn needs only these three escaped (https://api.slack.com/reference/surfaces/formatting#escaping). */
export function escapeSlack(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const VERDICT_WORD = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' } as const;
const VERDICT_EMOJI = { pass: ':white_check_mark:', warn: ':warning:', fail: ':x:' } as const;

function link(url: string | null, label: string): string | null {
  return url ? `<${url}|${label}>` : null;
}

/** The message lines (mrkdwn) for an event. */
export function slackLines(event: NotificationEvent): string[] {
  if (event.type === 'verdict.changed') {
    const was = event.previousVerdict ? ` (was ${event.previousVerdict})` : ' (first verdict)';
    const lines = [`${VERDICT_EMOJI[event.verdict]} *aftershock: ${escapeSlack(event.service)} is ${VERDICT_WORD[event.verdict]}*${was}`, escapeSlack(event.sentence)];
    if (event.regressions.length > 0) {
      const more = event.counts.regressions - event.regressions.length;
      lines.push(`Top regressions:${event.regressions.map((r) => `\n• ${escapeSlack(r.text)}`).join('')}${more > 0 ? `\n• and ${more} more` : ''}`);
    }
    const open = link(event.links.report, 'Open the report');
    lines.push([open, `upgrade at ${event.upgradeAt}`].filter(Boolean).join(' · '));
    return lines;
  }
  if (event.type === 'guard.action') {
    const g = event.guard;
    const what = g.step === 'tune' ? 'tune the backoff constants' : 'switch the new strategy off (kill switch)';
    const head = g.outcome === 'acted' ? `:robot_face: *aftershock guard acted on ${escapeSlack(g.target)}*: ${what}` : g.outcome === 'dry_run' ? `:robot_face: *aftershock guard (dry run) would ${what}* for ${escapeSlack(g.target)}` : `:robot_face: *aftershock guard tried to ${what}* for ${escapeSlack(g.target)}, not applied`;
    return [head, escapeSlack(g.reason), ...[link(event.links.report, 'Open the report that triggered it')].filter((l): l is string => l !== null)];
  }
  // Event types added later (issue 15's upgrade.status) bring their own text.
  const text = (event as { text?: { markdown?: string } }).text?.markdown;
  return [escapeSlack(text ?? `aftershock event ${(event as { type: string }).type}`)];
}

export function slackRequest(target: NotifyTarget, event: NotificationEvent): OutgoingRequest {
  const lines = slackLines(event);
  const body = JSON.stringify({
    text: lines.join('\n'),
    blocks: lines.map((text) => ({ type: 'section', text: { type: 'mrkdwn', text } })),
  });
  return { url: target.url, body, headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': USER_AGENT } };
}

export function outgoingRequest(target: NotifyTarget, event: NotificationEvent, o: { sentAt: Date; deliveryId: number }): OutgoingRequest {
  return target.kind === 'slack' ? slackRequest(target, event) : webhookRequest(target, event, o);
}

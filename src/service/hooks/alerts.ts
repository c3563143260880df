/**
 * Hook payloads → Alerts (dsl/triggers.ts), one per alert, whatever sent them. Pure: the body is
 * already parsed JSON; a payload that is not of its format is a reason string, never a throw.
 *
 * - Alertmanager webhook, version 4 (notify/webhook: template.Data + version, groupKey,
 *   truncatedAlerts): one Alert per `alerts[]` entry, each with its own status.
 * - PagerDuty v3: one event per webhook. `incident.triggered` and `incident.reopened` are
 *   firing, `incident.resolved` resolved; other event types start nothing.
 * - Generic: `{"alerts": [{"status", "name"?, "labels"?, "annotations"?, "fingerprint"?}]}`.
 */
import { createHash } from 'node:crypto'
import type { Alert } from '../../dsl/triggers.ts'

const EMPTY_INCIDENT: Alert['incident'] = {
  id: '',
  number: 0,
  title: '',
  status: '',
  urgency: '',
  html_url: '',
  service: '',
  priority: '',
  incident_key: '',
  event_type: '',
}

const isObj = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x)
const str = (x: unknown) => (typeof x === 'string' ? x : '')
/** Labels and annotations: string values only (others are dropped, never coerced into a host). */
function strings(x: unknown): Record<string, string> {
  if (!isObj(x)) return {}
  return Object.fromEntries(Object.entries(x).filter((e): e is [string, string] => typeof e[1] === 'string'))
}

function base(over: Partial<Alert> & Pick<Alert, 'source' | 'status'>): Alert {
  return {
    name: '',
    labels: {},
    annotations: {},
    fingerprint: '',
    startsAt: '',
    endsAt: '',
    generatorURL: '',
    receiver: '',
    groupKey: '',
    externalURL: '',
    incident: EMPTY_INCIDENT,
    ...over,
  }
}

/** Alertmanager's own fingerprint is a hash of the label set: the same when it is missing here. */
export function labelsFingerprint(labels: Record<string, string>): string {
  const sorted = Object.keys(labels)
    .sort()
    .map((k) => [k, labels[k]])
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16)
}

export interface AlertmanagerBatch {
  alerts: Alert[]
  groupKey: string
  /** Alerts Alertmanager left out (max_alerts): said in the reply, never dropped silently. */
  truncatedAlerts: number
}

export function fromAlertmanager(body: unknown): AlertmanagerBatch | string {
  if (!isObj(body)) return 'the body must be a JSON object (Alertmanager webhook payload, version 4)'
  if (body.version !== '4') return `unsupported Alertmanager webhook version ${JSON.stringify(body.version)}: expected "4"`
  if (!Array.isArray(body.alerts)) return 'alerts must be a list'
  const common = { receiver: str(body.receiver), groupKey: str(body.groupKey), externalURL: str(body.externalURL) }
  const alerts: Alert[] = []
  for (const [i, a] of body.alerts.entries()) {
    if (!isObj(a)) return `alerts[${i}] must be an object`
    if (a.status !== 'firing' && a.status !== 'resolved') return `alerts[${i}].status must be "firing" or "resolved"`
    const labels = strings(a.labels)
    alerts.push(
      base({
        source: 'alertmanager',
        status: a.status,
        name: labels.alertname ?? '',
        labels,
        annotations: strings(a.annotations),
        fingerprint: str(a.fingerprint) || labelsFingerprint(labels),
        startsAt: str(a.startsAt),
        endsAt: str(a.endsAt),
        generatorURL: str(a.generatorURL),
        ...common,
      }),
    )
  }
  const truncated = typeof body.truncatedAlerts === 'number' && body.truncatedAlerts > 0 ? body.truncatedAlerts : 0
  return { alerts, groupKey: common.groupKey, truncatedAlerts: truncated }
}

export interface PagerDutyEvent {
  id: string
  eventType: string
  occurredAt: string
  /** Null for events that start nothing (acknowledged, annotated, service.*, ...). */
  alert: Alert | null
}

const PD_STATUS: Record<string, Alert['status']> = {
  'incident.triggered': 'firing',
  'incident.reopened': 'firing',
  'incident.resolved': 'resolved',
}

export function fromPagerDuty(body: unknown): PagerDutyEvent | string {
  if (!isObj(body) || !isObj(body.event)) return 'the body must be a PagerDuty v3 webhook: {"event": {...}}'
  const e = body.event
  if (typeof e.id !== 'string' || e.id === '') return 'event.id must be a non-empty string'
  if (typeof e.event_type !== 'string') return 'event.event_type must be a string'
  const event = { id: e.id, eventType: e.event_type, occurredAt: str(e.occurred_at) }
  const status = PD_STATUS[e.event_type]
  if (!status || e.resource_type !== 'incident' || !isObj(e.data)) return { ...event, alert: null }
  const d = e.data
  if (typeof d.id !== 'string' || d.id === '') return 'event.data.id (the incident id) must be a non-empty string'
  const service = isObj(d.service) ? str(d.service.summary) : ''
  const priority = isObj(d.priority) ? str(d.priority.summary) : ''
  const incident: Alert['incident'] = {
    id: d.id,
    number: typeof d.number === 'number' && Number.isSafeInteger(d.number) ? d.number : 0,
    title: str(d.title),
    status: str(d.status),
    urgency: str(d.urgency),
    html_url: str(d.html_url),
    service,
    priority,
    incident_key: str(d.incident_key),
    event_type: e.event_type,
  }
  return {
    ...event,
    alert: base({
      source: 'pagerduty',
      status,
      name: incident.title,
      labels: Object.fromEntries(Object.entries({ service, urgency: incident.urgency, priority }).filter(([, v]) => v !== '')),
      // The incident, not the event: its resolution annotates the run its trigger started.
      fingerprint: d.id,
      startsAt: str(d.created_at),
      generatorURL: incident.html_url,
      incident,
    }),
  }
}

export function fromGeneric(body: unknown): Alert[] | string {
  if (!isObj(body) || !Array.isArray(body.alerts))
    return 'the body must be {"alerts": [{"status": "firing"|"resolved", "name", "labels", "annotations", "fingerprint"}]}'
  const alerts: Alert[] = []
  for (const [i, a] of body.alerts.entries()) {
    if (!isObj(a)) return `alerts[${i}] must be an object`
    if (a.status !== 'firing' && a.status !== 'resolved') return `alerts[${i}].status must be "firing" or "resolved"`
    const labels = strings(a.labels)
    alerts.push(
      base({
        source: 'generic',
        status: a.status,
        name: str(a.name) || (labels.alertname ?? ''),
        labels,
        annotations: strings(a.annotations),
        fingerprint: str(a.fingerprint) || labelsFingerprint(labels),
        startsAt: str(a.startsAt),
        endsAt: str(a.endsAt),
      }),
    )
  }
  return alerts
}

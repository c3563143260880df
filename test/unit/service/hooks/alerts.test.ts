/** Hook payloads → alerts: each format's real shape, and what is refused or ignored. */
import { describe, expect, it } from 'vitest'
import { fromAlertmanager, fromGeneric, fromPagerDuty, labelsFingerprint } from '../../../../src/service/hooks/alerts.ts'

describe('Alertmanager (webhook version 4)', () => {
  it('one alert per entry, each with its own status; group fields copied; truncatedAlerts kept', () => {
    const batch = fromAlertmanager({
      version: '4',
      groupKey: 'g',
      truncatedAlerts: 3,
      status: 'firing',
      receiver: 'rb',
      externalURL: 'http://am',
      groupLabels: {},
      commonLabels: {},
      commonAnnotations: {},
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'A', instance: 'web1:9100', bad: 7 },
          annotations: { summary: 's' },
          startsAt: 't0',
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'u',
          fingerprint: 'f1',
        },
        {
          status: 'resolved',
          labels: { alertname: 'B' },
          annotations: {},
          startsAt: 't1',
          endsAt: 't2',
          generatorURL: '',
          fingerprint: '',
        },
      ],
    })
    if (typeof batch === 'string') throw new Error(batch)
    expect(batch.truncatedAlerts).toBe(3)
    expect(batch.alerts[0]).toMatchObject({
      source: 'alertmanager',
      status: 'firing',
      name: 'A',
      labels: { alertname: 'A', instance: 'web1:9100' },
      fingerprint: 'f1',
      receiver: 'rb',
      groupKey: 'g',
      externalURL: 'http://am',
      incident: { id: '' },
    })
    // Only string label values: a number is dropped, never turned into a host.
    expect(batch.alerts[0]!.labels).not.toHaveProperty('bad')
    // No fingerprint: a hash of the labels, stable across deliveries.
    expect(batch.alerts[1]).toMatchObject({ status: 'resolved', fingerprint: labelsFingerprint({ alertname: 'B' }) })
    expect(labelsFingerprint({ b: '2', a: '1' })).toBe(labelsFingerprint({ a: '1', b: '2' }))
  })

  it.each([
    [[], /JSON object/],
    [{ version: '3', alerts: [] }, /version "3": expected "4"/],
    [{ version: '4' }, /alerts must be a list/],
    [{ version: '4', alerts: [{ status: 'pending' }] }, /alerts\[0\]\.status must be "firing" or "resolved"/],
  ])('refuses %j', (body, message) => {
    expect(fromAlertmanager(body)).toMatch(message)
  })
})

describe('PagerDuty v3', () => {
  const event = (
    type: string,
    data: unknown = {
      id: 'Q1',
      type: 'incident',
      number: 7,
      title: 'web1 down',
      status: 'triggered',
      urgency: 'high',
      html_url: 'h',
      incident_key: 'k',
      created_at: 'c',
      service: { summary: 'Web' },
      priority: { summary: 'P1' },
    },
  ) => ({
    event: { id: 'E1', event_type: type, resource_type: 'incident', occurred_at: '2026-11-27T07:00:00Z', data },
  })
  it('triggered and reopened fire, resolved resolves; the incident id is the fingerprint', () => {
    for (const [type, status] of [
      ['incident.triggered', 'firing'],
      ['incident.reopened', 'firing'],
      ['incident.resolved', 'resolved'],
    ] as const) {
      const e = fromPagerDuty(event(type))
      if (typeof e === 'string') throw new Error(e)
      expect(e).toMatchObject({
        id: 'E1',
        eventType: type,
        alert: {
          source: 'pagerduty',
          status,
          name: 'web1 down',
          fingerprint: 'Q1',
          labels: { service: 'Web', urgency: 'high', priority: 'P1' },
          incident: { id: 'Q1', number: 7, service: 'Web', priority: 'P1', event_type: type },
        },
      })
    }
  })
  it('other event types start nothing; malformed events are refused', () => {
    expect(fromPagerDuty(event('incident.acknowledged'))).toMatchObject({ id: 'E1', alert: null })
    expect(fromPagerDuty({ event: { id: 'E2', event_type: 'service.updated', resource_type: 'service', data: {} } })).toMatchObject({
      alert: null,
    })
    expect(fromPagerDuty({})).toMatch(/PagerDuty v3 webhook/)
    expect(fromPagerDuty({ event: { event_type: 'incident.triggered' } })).toMatch(/event\.id/)
    expect(fromPagerDuty(event('incident.triggered', { title: 'no id' }))).toMatch(/event\.data\.id/)
  })
})

describe('generic', () => {
  it('takes status, name, labels, annotations and an optional fingerprint', () => {
    expect(fromGeneric({ alerts: [{ status: 'firing', labels: { alertname: 'X' } }] })).toEqual([
      expect.objectContaining({ source: 'generic', status: 'firing', name: 'X', fingerprint: labelsFingerprint({ alertname: 'X' }) }),
    ])
    expect(fromGeneric({ alerts: [{ status: 'resolved', name: 'Y', fingerprint: 'fp' }] })).toEqual([
      expect.objectContaining({ name: 'Y', fingerprint: 'fp', status: 'resolved' }),
    ])
    expect(fromGeneric({ alerts: [{ status: 'maybe' }] })).toMatch(/must be "firing" or "resolved"/)
    expect(fromGeneric({ alert: {} })).toMatch(/\{"alerts": \[/)
  })
})

// FHIR over fetch with the session's bearer token. Every refusal becomes an Error carrying the OperationOutcome's
// words, so a page can say what went wrong.

import { currentSession, signOut } from './auth.js'

export class FhirError extends Error {
  constructor(status, message) {
    super(message)
    this.status = status
  }
}

export async function fhir(path, options = {}) {
  const session = currentSession()
  if (!session) {
    throw new FhirError(401, 'Your session has ended: please sign in again.')
  }
  const response = await fetch(`/fhir/${path}`, {
    ...options,
    headers: {
      Accept: 'application/fhir+json', Authorization: `Bearer ${session.accessToken}`,
      ...(options.body ? { 'Content-Type': 'application/fhir+json' } : {}), ...(options.headers || {}),
    },
  })
  const text = await response.text()
  const body = text ? JSON.parse(text) : null
  if (response.status === 401) {
    // The token expired or was refused: the person signs in again (the authorization server still knows them).
    signOut()
    throw new FhirError(401, 'Your session has ended: please sign in again.')
  }
  if (!response.ok) {
    const words = body?.issue?.map((issue) => issue.diagnostics || issue.details?.text).filter(Boolean).join('; ')
    throw new FhirError(response.status, words || `${response.status} ${response.statusText}`)
  }
  return body
}

/** Every resource of a search, following the next links (bounded: a timeline is a page, not an export). */
export async function searchAll(path, limit = 1000) {
  const resources = []
  let bundle = await fhir(path)
  while (bundle) {
    for (const entry of bundle.entry || []) {
      if (entry.search?.mode !== 'include' && entry.resource) resources.push(entry.resource)
    }
    const next = bundle.link?.find((link) => link.relation === 'next')
    if (!next || resources.length >= limit) break
    // HAPI's next page is [base]?_getpages=...: the path after /fhir, whatever the host the server named.
    const url = new URL(next.url, window.location.origin)
    bundle = await fhir(url.pathname.replace(/^\/fhir\/?/, '') + url.search)
  }
  return resources
}

/**
 * A Parameters parameter's value, whatever its type (valueString, valueInteger, ...): a primitive as it is; a Coding,
 * Reference or Money as what a person reads (display, code, reference, amount). Undefined when it has none.
 */
export function parameterValue(parameter) {
  const key = Object.keys(parameter).find((k) => k.startsWith('value'))
  const value = key ? parameter[key] : undefined
  if (value && typeof value === 'object') return value.display || value.code || value.reference || (value.value ?? '')
  return value
}

/** A Parameters group's parts by name (an operation's rows: a node, a day, a hospital). */
export function partsOf(parameter) {
  return Object.fromEntries((parameter.part || []).map((part) => [part.name, parameterValue(part)]))
}

/** The hospital that keeps a resource: its owner tag (hospital key), else null. */
export function ownerOf(resource) {
  return resource.meta?.tag?.find((tag) => tag.system === 'urn:onetrip:owner')?.code || null
}

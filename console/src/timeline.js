// One person's history across hospitals, as timeline items: what happened, when, and at which hospital.

import { ownerOf, searchAll } from './fhir.js'

/** The resource types a timeline shows, each with the search parameter of its date and how to read an item from it. */
const KINDS = {
  // label: what the item is, in words; a consult's request and its opinion are named as such.
  Encounter: { label: 'Visit', date: (r) => r.period?.start, title: (r) => text(r.type?.[0]) || r.class?.display || r.class?.code },
  DiagnosticReport: { label: (r) => (isConsultation(r) ? 'Consultation opinion · 会诊意见' : 'Report'), date: (r) => r.effectiveDateTime || r.effectivePeriod?.start || r.issued,
    title: (r) => text(r.code), detail: (r) => r.conclusion },
  ImagingStudy: { label: 'Imaging', date: (r) => r.started,
    title: (r) => r.description || (r.modality || []).map((m) => m.code).join(', '), detail: (r) => `${r.numberOfInstances ?? '?'} images` },
  Appointment: { label: 'Appointment', date: (r) => r.start, title: (r) => r.description || text(r.serviceType?.[0]) || 'Appointment',
    detail: (r) => r.status },
  ServiceRequest: { label: (r) => (isConsultation(r) ? 'Consultation · 会诊' : 'Referral / order'), date: (r) => r.authoredOn, title: (r) => text(r.code), detail: (r) => r.status },
}

/** A consultation request, or a consultant's opinion: category SNOMED CT 11429006 (Consultation). */
function isConsultation(resource) {
  return (resource.category || []).some((c) => (c.coding || []).some((x) => x.system === 'http://snomed.info/sct' && x.code === '11429006'))
}

function text(concept) {
  return concept?.text || concept?.coding?.[0]?.display || concept?.coding?.[0]?.code || ''
}

/**
 * Every item of these Patient records (one person at several hospitals), newest first. An item's hospital is the one
 * that keeps it (owner tag), else the hospital of the record it is filed under (an ImagingStudy a PACS sent).
 */
export async function loadTimeline(patientIds, hospitalOfPatient = {}) {
  const patients = patientIds.map((id) => `Patient/${id}`).join(',')
  // One page per type when it holds up to 500 (the server's largest page): a second round trip per type costs more
  // than the bigger answer.
  const lists = await Promise.all(Object.keys(KINDS).map((type) =>
    searchAll(`${type}?patient=${encodeURIComponent(patients)}&_count=500`, 1000)))
  const items = lists.flat().map((resource) => {
    const kind = KINDS[resource.resourceType]
    return {
      key: `${resource.resourceType}/${resource.id}`, type: resource.resourceType,
      label: typeof kind.label === 'function' ? kind.label(resource) : kind.label, consultation: isConsultation(resource),
      date: kind.date(resource) || resource.meta?.lastUpdated || '', title: kind.title(resource) || resource.resourceType,
      detail: kind.detail ? kind.detail(resource) : '', resource,
      hospital: ownerOf(resource) || hospitalOfPatient[(resource.subject?.reference || '').replace('Patient/', '')] || null,
    }
  })
  return items.sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0))
}

let hospitals = null

/** The region's hospitals by key (their Organization ids), for naming the hospital of each item; read once per page. */
export function loadHospitals() {
  hospitals ??= searchAll('Organization?_count=200').then((organizations) => Object.fromEntries(organizations.map((o) => [o.id, o.name])))
    .catch((error) => { hospitals = null; throw error })
  return hospitals
}

#!/usr/bin/env bash
# How h2-data.zip was made: OneTrip at commit 7907cb6 (the last version before the person ledger), open mode, these
# writes as the old rule allowed them, then stopped. Kept for the record; the test uses the zip, not this script.
#   git worktree add /tmp/prev 7907cb6 && (cd /tmp/prev && mvn -o -q install -DskipTests)
#   cd /tmp/prev && java -jar fhir-server/target/onetrip-fhir-server-0.1.0-SNAPSHOT.jar \
#     --spring.config.additional-location=optional:file:config/ --onetrip.data-dir=/tmp/fixture/data \
#     --server.port=18090 --onetrip.dicom.port=0 --onetrip.security.open=true &
#   ./make-fixture.sh http://127.0.0.1:18090/fhir ; stop the server; zip the data directory's h2/ (and keys/)
set -euo pipefail
F="$1"
put() { curl -sf -X PUT "$F/Patient/$1" -H 'Content-Type: application/fhir+json' -d "$2" >/dev/null; }
# The old rule: one Patient per citizen ID in the whole region, carrying every hospital's MRN.
put old-1 '{"resourceType":"Patient","id":"old-1","identifier":[
  {"system":"urn:onetrip:citizen-id","value":"330100195001010011"},{"system":"urn:onetrip:health-card","value":"HC-OLD-1"},
  {"system":"urn:onetrip:mrn:hospital-a","value":"OLD-A1"},{"system":"urn:onetrip:mrn:hospital-b","value":"OLD-B1"}],
  "name":[{"family":"Qian","given":["Old"]}]}'
# Two hospitals' records of one person without a shared identifier, linked by an operator with Patient.link.
put old-2 '{"resourceType":"Patient","id":"old-2","identifier":[{"system":"urn:onetrip:mrn:hospital-a","value":"OLD-A2"}],
  "name":[{"family":"Sun","given":["Linked"]}],"birthDate":"1962-02-02"}'
put old-3 '{"resourceType":"Patient","id":"old-3","identifier":[{"system":"urn:onetrip:mrn:clinic-c","value":"OLD-C3"}],
  "name":[{"family":"Sun","given":["Linked"]}],"birthDate":"1962-02-02",
  "link":[{"other":{"reference":"Patient/old-2"},"type":"seealso"}]}'
# A person hospital A knows by citizen ID; under the old rule hospital B could not register them at all.
put old-4 '{"resourceType":"Patient","id":"old-4","identifier":[
  {"system":"urn:onetrip:citizen-id","value":"330100195001010044"},{"system":"urn:onetrip:mrn:hospital-a","value":"OLD-A4"}],
  "managingOrganization":{"reference":"Organization/hospital-a"},"name":[{"family":"Zhao","given":["Waiting"]}]}'
# Proof that the old rule holds in this database: a second Patient with old-4's citizen ID is refused.
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$F/Patient" -H 'Content-Type: application/fhir+json' -d '{"resourceType":"Patient",
  "identifier":[{"system":"urn:onetrip:citizen-id","value":"330100195001010044"},{"system":"urn:onetrip:mrn:hospital-b","value":"OLD-B4"}]}')
[ "$code" = 409 ] || { echo "expected the old rule's 409, got $code" >&2; exit 1; }
echo "fixture written"

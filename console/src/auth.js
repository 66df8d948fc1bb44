// Signing in: the SMART App Launch standalone flow against OneTrip's own authorization server (authorization code
// with PKCE S256). The token lives in this tab's sessionStorage only; when it expires the next sign-in is a redirect
// round trip, since the authorization server still knows the person.

const CLIENT_ID = 'onetrip-console'
const STORAGE = 'onetrip.session'

/** What each kind of person asks for. A patient's app holds only patient/ scopes; staff work with user/ scopes. */
export const ROLES = {
  patient: { scope: 'openid fhirUser launch/patient patient/*.rs patient/Appointment.cruds', home: '/app/patient' },
  doctor: { scope: 'openid fhirUser user/*.cruds', home: '/app/doctor' },
  operator: { scope: 'openid fhirUser user/*.rs', home: '/app/console' },
}

const origin = () => window.location.origin
const redirectUri = () => `${origin()}/app/callback`

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function randomText(size = 32) {
  return base64url(crypto.getRandomValues(new Uint8Array(size)))
}

/** Sends the browser to the authorization server; it comes back to /app/callback. */
export async function signIn(role) {
  const verifier = randomText()
  const state = randomText(16)
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)))
  sessionStorage.setItem('onetrip.pending', JSON.stringify({ verifier, state, role }))
  const query = new URLSearchParams({
    response_type: 'code', client_id: CLIENT_ID, redirect_uri: redirectUri(), scope: ROLES[role].scope, state,
    aud: `${origin()}/fhir`, code_challenge: challenge, code_challenge_method: 'S256',
  })
  window.location.assign(`/oauth2/authorize?${query}`)
}

/** The authorization server's answer: the code is exchanged for a token, or its error is shown. */
export async function finishSignIn(search) {
  const answer = new URLSearchParams(search)
  const pending = JSON.parse(sessionStorage.getItem('onetrip.pending') || 'null')
  sessionStorage.removeItem('onetrip.pending')
  if (answer.get('error')) {
    throw new Error(`Sign-in refused: ${answer.get('error_description') || answer.get('error')}`)
  }
  if (!pending || pending.state !== answer.get('state')) {
    throw new Error('This sign-in answer does not belong to this tab (it may be stale): please sign in again.')
  }
  const response = await fetch('/oauth2/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code', code: answer.get('code'), redirect_uri: redirectUri(), client_id: CLIENT_ID,
      code_verifier: pending.verifier,
    }),
  })
  const token = await response.json()
  if (!response.ok) {
    throw new Error(`The token was refused: ${token.error_description || token.error}`)
  }
  const identity = token.id_token ? claims(token.id_token) : {}
  const session = {
    role: pending.role, accessToken: token.access_token, patient: token.patient || null, scope: token.scope,
    fhirUser: identity.fhirUser || null, name: identity.name || null, hospital: claims(token.access_token).hospital || null,
    expiresAt: Date.now() + (token.expires_in || 0) * 1000,
  }
  sessionStorage.setItem(STORAGE, JSON.stringify(session))
  return session
}

/** A JWT's claims, read (not verified: the server verifies; the page only shows who is signed in). */
function claims(jwt) {
  const payload = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(payload), (c) => c.charCodeAt(0))))
}

/** The signed-in session of this tab, or null when there is none or it has expired. */
export function currentSession() {
  const session = JSON.parse(sessionStorage.getItem(STORAGE) || 'null')
  return session && session.expiresAt > Date.now() ? session : null
}

export function signOut() {
  sessionStorage.removeItem(STORAGE)
}

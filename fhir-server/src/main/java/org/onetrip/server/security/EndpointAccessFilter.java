package org.onetrip.server.security;

import ca.uhn.fhir.context.FhirContext;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Instant;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Optional;
import org.onetrip.server.audit.AuditRecord;
import org.onetrip.server.audit.AuditTrail;
import org.onetrip.server.region.RegionDirectory;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The FHIR rules for OneTrip's two other HTTP doors. DICOMweb: reading studies needs the read scope on
 * ImagingStudy, storing (STOW-RS) the create scope; CDS Hooks: a call needs the read scope on DiagnosticReport
 * (the hook reads the person's prior exams). A hospital's token speaks for its hospital: the
 * {@value #HOSPITAL_HEADER} header the endpoints read is set from it (a different value is refused); only a
 * region-level caller may name a hospital itself. A patient's token reads its own person's studies over DICOMweb, by
 * their Study Instance UID (the ImagingStudy ids it finds over FHIR), and nothing else; it never opens CDS Hooks.
 * Every call is audited when it is over; endpoints add the
 * patients and records they touched as request attributes {@link #AUDIT_PATIENTS} and {@link #AUDIT_ENTITIES}.
 */
public class EndpointAccessFilter extends OncePerRequestFilter {

	public static final String HOSPITAL_HEADER = "X-OneTrip-Hospital";
	public static final String AUDIT_PATIENTS = "onetrip.audit.patients";
	public static final String AUDIT_ENTITIES = "onetrip.audit.entities";

	private final FhirContext fhirContext;
	private final RegionDirectory directory;
	private final AuditTrail audit;
	private final boolean openAccess;
	/** The study a patient's token asks for must be of its person: its ImagingStudy's subject, through the ledger. */
	private final java.util.function.Function<String, java.util.Optional<String>> subjectOfStudy;
	private final org.onetrip.server.identity.PersonResolver persons;
	private final CareRelationships care;
	/** The consult a practitioner read a study under (request attribute), for the audit. */
	private static final String CONSULT_ACCESS = "onetrip.audit.consult-access";

	public EndpointAccessFilter(FhirContext fhirContext, RegionDirectory directory, AuditTrail audit, boolean openAccess,
			java.util.function.Function<String, java.util.Optional<String>> subjectOfStudy,
			org.onetrip.server.identity.PersonResolver persons, CareRelationships care) {
		this.care = care;
		this.subjectOfStudy = subjectOfStudy;
		this.persons = persons;
		this.fhirContext = fhirContext;
		this.directory = directory;
		this.audit = audit;
		this.openAccess = openAccess;
	}

	@Override
	protected boolean shouldNotFilter(HttpServletRequest request) {
		String path = request.getRequestURI().substring(request.getContextPath().length());
		boolean discovery = "GET".equals(request.getMethod()) && path.equals("/cds-services");
		return discovery || !(path.startsWith("/dicomweb") || path.startsWith("/cds-services"));
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		String path = request.getRequestURI().substring(request.getContextPath().length());
		boolean cds = path.startsWith("/cds-services");
		Optional<Caller> found = Callers.current();
		String asked = request.getHeader(HOSPITAL_HEADER);
		if (found.isEmpty()) {
			if (!openAccess) {
				SecurityConfiguration.writeOutcome(fhirContext, response, 401, "A bearer token is needed");
				return;
			}
			found = Optional.of(Caller.openAccess(asked));
		}
		Caller caller = found.get();
		Interaction needed = cds || "GET".equals(request.getMethod()) || "HEAD".equals(request.getMethod())
				? Interaction.READ : Interaction.CREATE;
		String type = cds ? "DiagnosticReport" : "ImagingStudy";
		String refusal = null;
		if (caller.isPatient()) {
			refusal = cds ? "patient tokens do not open CDS Hooks" : patientStudyRefusal(caller, path, needed);
		} else if (!caller.permits(needed, type)) {
			refusal = "the token's scopes do not allow " + needed.name().toLowerCase(java.util.Locale.ROOT) + " on " + type;
		} else if (caller.hospital() != null && asked != null && !asked.trim().equalsIgnoreCase(caller.hospital())) {
			refusal = "a token of " + caller.hospital() + " cannot act for " + asked.trim();
		} else if (!cds && caller.practitionerId() != null) {
			refusal = practitionerStudyRefusal(caller, request, path);
		}
		if (refusal != null) {
			SecurityConfiguration.writeOutcome(fhirContext, response, 403, "Not allowed: " + refusal);
			record(caller, request, cds, 403, refusal);
			return;
		}
		HttpServletRequest effective = caller.hospital() == null ? request : withHospital(request, caller.hospital());
		try {
			chain.doFilter(effective, response);
		} finally {
			record(caller, request, cds, response.getStatus(), response.getStatus() >= 400 ? "HTTP " + response.getStatus() : null);
		}
	}

	/** Null when a patient's token may read this DICOMweb path: a study of its own person, by UID, reading only. */
	private String patientStudyRefusal(Caller caller, String path, Interaction needed) {
		if (needed != Interaction.READ || !caller.permits(Interaction.READ, "ImagingStudy")) {
			return "a patient's token reads its own studies (read scope on ImagingStudy) and stores none";
		}
		java.util.regex.Matcher study = STUDY_PATH.matcher(path);
		if (!study.matches()) {
			return "a patient's token reads its own studies by their UID (/dicomweb/studies/{uid}/...): its ImagingStudies name them";
		}
		java.util.Set<String> person = persons.byPatientId(caller.patientId());
		boolean own = subjectOfStudy.apply(study.group(1)).map(person::contains).orElse(false);
		return own ? null : "this study is not one of the token's person";
	}

	/**
	 * Null when a practitioner's own sign-in may open this DICOMweb path: a study (by UID) of a person in their hospital's
	 * care or of an open consult they took, as for FHIR ({@link CareRelationships}); a search by their hospital's PatientID
	 * (QIDO-RS answers those under the hospital's own issuer: its own patients). Searches by anything else would list
	 * other hospitals' patients' studies.
	 */
	private String practitionerStudyRefusal(Caller caller, HttpServletRequest request, String path) {
		java.util.regex.Matcher study = STUDY_PATH.matcher(path);
		if (!study.matches()) {
			String patientId = request.getParameter("PatientID") != null ? request.getParameter("PatientID") : request.getParameter("00100020");
			boolean exact = patientId != null && !patientId.isBlank() && patientId.chars().noneMatch(c -> c == '*' || c == '?');
			boolean ownIssuer = request.getParameter("IssuerOfPatientID") == null && request.getParameter("00100021") == null;
			return exact && ownIssuer ? null : "a practitioner searches studies by one exact PatientID of their own hospital (no "
					+ "wildcard, no other issuer), or opens a study by its UID";
		}
		java.util.Optional<String> subject = subjectOfStudy.apply(study.group(1));
		if (subject.isEmpty()) {
			return "study " + study.group(1) + " is not in the region's record yet (its ImagingStudy): try again in a moment";
		}
		CareRelationships.Basis basis = care.of(caller, subject.get());
		if (basis.kind() == CareRelationships.Basis.Kind.CONSULT) {
			request.setAttribute(CONSULT_ACCESS, "ServiceRequest/" + basis.consult());
		}
		return basis.allows() ? null : "Practitioner/" + caller.practitionerId() + " has no part in this person's care "
				+ "(a record, visit, referral or consult at their hospital, or an open consult they took)";
	}

	private static final java.util.regex.Pattern STUDY_PATH = java.util.regex.Pattern.compile("/dicomweb/studies/([0-9.]{1,64})(/.*)?");

	@SuppressWarnings("unchecked")
	private void record(Caller caller, HttpServletRequest request, boolean cds, int status, String failure) {
		Object patients = request.getAttribute(AUDIT_PATIENTS);
		Object entities = request.getAttribute(AUDIT_ENTITIES);
		String path = request.getRequestURI().substring(request.getContextPath().length());
		Object consult = request.getAttribute(CONSULT_ACCESS);
		List<String> audited = entities instanceof List<?> e ? (List<String>) e : List.of();
		if (consult instanceof String reference) {
			audited = new java.util.ArrayList<>(audited);
			audited.add(0, reference);
		}
		audit.record(new AuditRecord(Instant.now(), cds ? "cds-hook" : "dicomweb",
				"GET".equals(request.getMethod()) || cds ? "R" : "C", cds ? path.replaceFirst("^/cds-services/?", "") : request.getMethod() + " dicomweb",
				caller.subject(), caller.hospital(), request.getRemoteAddr(),
				request.getMethod() + " " + FhirAuditInterceptor.withoutSecrets(path + (request.getQueryString() == null ? "" : "?" + request.getQueryString())),
				audited, patients instanceof List<?> p ? (List<String>) p : List.of(),
				status, failure, false, consult != null && status < 400 ? AuditRecord.CONSULT_ACCESS : null));
	}

	/** The request as the endpoints see it: the hospital header says the caller's own hospital. */
	private static HttpServletRequest withHospital(HttpServletRequest request, String hospital) {
		return new HttpServletRequestWrapper(request) {
			@Override
			public String getHeader(String name) {
				return HOSPITAL_HEADER.equalsIgnoreCase(name) ? hospital : super.getHeader(name);
			}

			@Override
			public Enumeration<String> getHeaders(String name) {
				return HOSPITAL_HEADER.equalsIgnoreCase(name) ? Collections.enumeration(List.of(hospital)) : super.getHeaders(name);
			}
		};
	}
}

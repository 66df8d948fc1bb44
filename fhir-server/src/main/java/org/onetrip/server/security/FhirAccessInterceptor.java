package org.onetrip.server.security;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.IPreResourceShowDetails;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Patient;
import org.onetrip.server.identity.PersonResolver;
import org.onetrip.server.region.RegionDirectory;

/**
 * Who may do what through the FHIR API, applied to every request and to every entry of a transaction:
 * the token's scopes allow the interaction on the resource type; a hospital changes only resources it keeps
 * ({@link Ownership}); a patient token sees and writes only that person's compartment; nobody writes
 * AuditEvents but OneTrip. What a hospital reads of another hospital's clinical data is noted for the audit.
 * OneTrip's own writes inside a request (SystemRequestDetails) are not callers' and pass.
 */
@Interceptor
public class FhirAccessInterceptor {

	static final String CALLER = "onetrip.caller";
	static final String PERSON = "onetrip.caller.person";
	/** References of other hospitals' clinical resources shown to the caller, for the audit. */
	static final String CROSS_HOSPITAL_READS = "onetrip.audit.cross-hospital-reads";
	/** The consults (ServiceRequest references) a practitioner read another hospital's records under, for the audit. */
	static final String CONSULT_ACCESS = "onetrip.audit.consult-access";
	/** The grounds a practitioner's reads of each person's records rest on, by Patient id, worked out once per request. */
	private static final String CARE_BASIS = "onetrip.caller.care-basis";
	/** References of resources this request wrote, for the audit. */
	static final String WRITTEN = "onetrip.audit.written";
	/** The patients of what was written or read across hospitals, for the audit. */
	static final String PATIENTS = "onetrip.audit.patients";

	/** What a patient may read besides their own records: the region's directory and terminology. */
	private static final Set<String> DIRECTORY_TYPES = Set.of("Organization", "Practitioner", "PractitionerRole",
			"HealthcareService", "Location", "Endpoint", "Schedule", "Slot", "CodeSystem", "ValueSet", "ConceptMap",
			"NamingSystem", "StructureDefinition", "SearchParameter", "OperationDefinition", "CapabilityStatement");
	/**
	 * What a patient's app may do for its own person with read scopes: show the person's health card (a new card token
	 * for the QR code; the operation checks the record is theirs) and settle its own visits (pay once; the operation checks
	 * the Account is theirs).
	 */
	static final Set<String> PATIENT_SELF_SERVICE = Set.of("$health-card", "$settle");
	/**
	 * Look-ups across the region's people (a hospital's identifier to the person's others, who looks like a given
	 * patient, the operators' possible matches): for hospital systems and the region's operators. A patient's app has no
	 * use for them, and through them a patient token would read other people's identifiers and names.
	 */
	static final Set<String> LOOK_UPS_ACROSS_PEOPLE = Set.of("$ihe-pix", "$match", "$person-matches");
	/** Operations that only read, whatever their HTTP method: they need the read scope of their type. */
	static final Set<String> READING_OPERATIONS = Set.of("$everything", "$find", "$prior-exams", "$duplicate-check",
			"$translate", "$lookup", "$validate-code", "$expand", "$health-card-resolve", "$duplicate-exam-statistics", "$appointment-statistics",
			"$ihe-pix", "$match", "$settlement-report", "$follow-up-adherence", "$consultation-statistics", "$dicom-nodes", "$region-trends", "$background-work", "$referral-statistics", "$smart-launch", "$person", "$person-matches", "$person-relink-status", "$meta", "$validate", "$subsumes", "$closure");

	/**
	 * Bulk Data export (kick-off, status, cancel): they need the read scope of their type, and each is audited (an export
	 * takes many records at once). What goes into an export and who may poll it: export/ExportAccess.
	 */
	static final Set<String> BULK_EXPORT_OPERATIONS = Set.of("$export", "$export-poll-status");
	/**
	 * Set on a Binary read by a caller without a Binary scope: only an export file of its own may be shown to it
	 * (export/ExportFiles); the Bulk Data IG has clients fetch their files with the token that asked for them.
	 */
	public static final String EXPORT_FILES_ONLY = "onetrip.binary.export-files-only";

	private final FhirContext fhirContext;
	private final Ownership ownership;
	private final RegionDirectory directory;
	private final PersonResolver persons;
	private final CareRelationships care;
	private final boolean openAccess;

	public FhirAccessInterceptor(FhirContext fhirContext, Ownership ownership, RegionDirectory directory, PersonResolver persons,
			CareRelationships care, boolean openAccess) {
		this.care = care;
		this.fhirContext = fhirContext;
		this.ownership = ownership;
		this.directory = directory;
		this.persons = persons;
		this.openAccess = openAccess;
	}

	@Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
	public void requestArrived(RequestDetails request, RestOperationTypeEnum operation) {
		if (operation == RestOperationTypeEnum.METADATA) {
			return; // the CapabilityStatement is public (SMART clients read it before they have a token)
		}
		Caller caller = callerOf(request).orElseThrow(() -> new ForbiddenOperationException("No caller: a bearer token is needed"));
		String type = request.getResourceName() == null ? "*" : request.getResourceName();
		if (Set.of(RestOperationTypeEnum.CREATE, RestOperationTypeEnum.UPDATE, RestOperationTypeEnum.PATCH,
				RestOperationTypeEnum.DELETE).contains(operation)) {
			refuseAuditEventWrites(type);
		}
		switch (operation) {
			case READ, VREAD -> {
				if ("Binary".equals(type) && !caller.isPatient() && !caller.permits(Interaction.READ, type)) {
					request.getUserData().put(EXPORT_FILES_ONLY, Boolean.TRUE);
				} else {
					require(caller, Interaction.READ, type);
				}
			}
			case HISTORY_INSTANCE, GET_TAGS, META -> require(caller, Interaction.READ, type);
			case SEARCH_TYPE, HISTORY_TYPE -> require(caller, Interaction.SEARCH, type);
			case SEARCH_SYSTEM, HISTORY_SYSTEM, GRAPHQL_REQUEST -> require(caller, Interaction.SEARCH, "*");
			case CREATE -> require(caller, Interaction.CREATE, type);
			case UPDATE, PATCH, ADD_TAGS, DELETE_TAGS, META_ADD, META_DELETE, UPDATE_REWRITE_HISTORY -> require(caller, Interaction.UPDATE, type);
			case DELETE -> require(caller, Interaction.DELETE, type);
			// A system-level export is checked type by type when it starts, its status by who started it (ExportAccess).
			case EXTENDED_OPERATION_SERVER, EXTENDED_OPERATION_TYPE, EXTENDED_OPERATION_INSTANCE -> {
				if (caller.isPatient() && LOOK_UPS_ACROSS_PEOPLE.contains(request.getOperation())) {
					throw new ForbiddenOperationException("A patient token may not use " + request.getOperation()
							+ ": it looks up other people's records, which is for hospital systems and the region's operators");
				}
				if (!("*".equals(type) && BULK_EXPORT_OPERATIONS.contains(request.getOperation()))) {
					boolean reads = READING_OPERATIONS.contains(request.getOperation())
							|| BULK_EXPORT_OPERATIONS.contains(request.getOperation())
							|| caller.isPatient() && PATIENT_SELF_SERVICE.contains(request.getOperation());
					require(caller, reads ? Interaction.READ : Interaction.UPDATE, type);
				}
			}
			default -> { } // transaction, batch, paging: each entry and each page is checked where it is stored or shown
		}
	}

	@Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
	public void creating(IBaseResource resource, RequestDetails request) {
		Optional<Caller> caller = callerOf(request);
		if (caller.isEmpty()) {
			return;
		}
		Caller who = caller.get();
		refuseCreation(who, request, resource);
		if (isSubscription(resource)) {
			// A patient's app subscribes to its own person's records (the delivery keeps to them); only a patient's own
			// token makes a subscription a patient's.
			Ownership.stampSubscriberPatient(resource, who.isPatient() ? who.patientId() : null);
		}
		if (!who.isPatient() && !who.isRegion()) {
			Ownership.stamp(resource, who.hospital());
		}
		// The region may create on any hospital's behalf, and say so with the owner tag.
	}

	/**
	 * Refuses (403) a resource the request's caller may not create, as the create's storage hook will; for a check made
	 * before HAPI stores anything (a booking refused at the door must not tell a caller who may not make it that the
	 * slot is full). OneTrip's own requests pass.
	 */
	public void refuseCreationByCaller(RequestDetails request, IBaseResource resource) {
		callerOf(request).ifPresent(who -> refuseCreation(who, request, resource));
	}

	private void refuseCreation(Caller who, RequestDetails request, IBaseResource resource) {
		String type = resource.fhirType();
		require(who, Interaction.CREATE, type);
		refuseAuditEventWrites(type);
		if (who.isPatient()) {
			refuseTaskWritesByPatients(type);
			if (!isSubscription(resource)) {
				requireInCompartment(who, request, resource, "create");
			}
			return;
		}
		if (who.isRegion()) {
			return;
		}
		refuseLinkChangesByHospitals(who, null, resource);
		Set<String> authors = ownership.authors(resource);
		if (!authors.isEmpty() && !authors.contains(who.hospital())) {
			throw new ForbiddenOperationException(directory.hospitalName(who.hospital()) + " cannot create a " + type
					+ " that belongs to " + String.join(", ", authors.stream().map(directory::hospitalName).toList())
					+ ": a hospital writes only its own records");
		}
	}

	@Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
	public void updating(IBaseResource previous, IBaseResource resource, RequestDetails request) {
		Optional<Caller> caller = callerOf(request);
		if (caller.isEmpty()) {
			return;
		}
		require(caller.get(), Interaction.UPDATE, resource.fhirType());
		refuseAuditEventWrites(resource.fhirType());
		if (caller.get().isPatient()) {
			refuseTaskWritesByPatients(resource.fhirType());
		}
		requireKeeper(caller.get(), request, previous, "update");
		refuseLinkChangesByHospitals(caller.get(), previous, resource);
		// A patient's subscription stays that patient's, and nobody else makes a subscription a patient's.
		if (isSubscription(resource)) {
			Ownership.stampSubscriberPatient(resource, Ownership.subscriberPatient(previous).orElse(null));
		}
		// The creator stays the creator: whatever owner tag the client sends is replaced by the stored one.
		Optional<String> owner = Ownership.tagged(previous);
		if (owner.isPresent()) {
			Ownership.stamp(resource, owner.get());
		} else if (!caller.get().isRegion()) {
			((org.hl7.fhir.r4.model.Resource) resource).getMeta().getTag().removeIf(t -> Ownership.OWNER_SYSTEM.equals(t.getSystem()));
		}
	}

	@Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_DELETED)
	public void deleting(IBaseResource resource, RequestDetails request) {
		Optional<Caller> caller = callerOf(request);
		if (caller.isEmpty()) {
			return;
		}
		require(caller.get(), Interaction.DELETE, resource.fhirType());
		refuseAuditEventWrites(resource.fhirType());
		if (caller.get().isPatient()) {
			refuseTaskWritesByPatients(resource.fhirType());
		}
		requireKeeper(caller.get(), request, resource, "delete");
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
	public void created(IBaseResource resource, RequestDetails request) {
		noteWritten(resource, request);
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
	public void updated(IBaseResource previous, IBaseResource resource, RequestDetails request) {
		noteWritten(resource, request);
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
	public void deleted(IBaseResource resource, RequestDetails request) {
		noteWritten(resource, request);
	}

	/** Filters what a patient sees to their own records; notes other hospitals' clinical records a hospital sees. */
	@Hook(Pointcut.STORAGE_PRESHOW_RESOURCES)
	public void showing(IPreResourceShowDetails shown, RequestDetails request) {
		Optional<Caller> caller = callerOf(request);
		if (caller.isEmpty()) {
			return;
		}
		Caller who = caller.get();
		for (int i = 0; i < shown.size(); i++) {
			IBaseResource resource = shown.getResource(i);
			if (resource == null) {
				continue;
			}
			if (who.isPatient()) {
				boolean ownSubscription = isSubscription(resource)
						&& who.patientId().equals(Ownership.subscriberPatient(resource).orElse(null));
				if (!DIRECTORY_TYPES.contains(resource.fhirType()) && !ownSubscription && !inCompartment(who, request, resource)) {
					if (request.getRestOperationType() == RestOperationTypeEnum.READ
							|| request.getRestOperationType() == RestOperationTypeEnum.VREAD) {
						throw new ForbiddenOperationException("This patient token opens only its own person's records");
					}
					shown.setResource(i, null);
				}
			} else if (who.hospital() != null && isClinical(resource)) {
				Set<String> keepers = ownership.keepers(resource);
				if (keepers.isEmpty() && who.practitionerId() != null) {
					// Kept by no hospital (an ImagingStudy the DICOM sync wrote): a practitioner reads it on the same grounds.
					CareRelationships.Basis basis = careBasis(who, request, resource);
					if (!basis.allows()) {
						refuseOrWithhold(who, request, shown, i);
					} else if (basis.kind() == CareRelationships.Basis.Kind.CONSULT) {
						listIn(request, CONSULT_ACCESS).add("ServiceRequest/" + basis.consult());
						listIn(request, CROSS_HOSPITAL_READS).add(reference(resource));
						notePatients(resource, request);
					}
				} else if (!keepers.isEmpty() && !keepers.contains(who.hospital())) {
					if (who.practitionerId() != null) {
						CareRelationships.Basis basis = careBasis(who, request, resource);
						if (!basis.allows()) {
							refuseOrWithhold(who, request, shown, i);
							continue;
						}
						if (basis.kind() == CareRelationships.Basis.Kind.CONSULT) {
							listIn(request, CONSULT_ACCESS).add("ServiceRequest/" + basis.consult());
						}
					}
					listIn(request, CROSS_HOSPITAL_READS).add(reference(resource));
					notePatients(resource, request);
				}
			}
		}
	}

	/** A read of one record without grounds is refused (403, audited); a search leaves the record out. */
	private void refuseOrWithhold(Caller who, RequestDetails request, IPreResourceShowDetails shown, int i) {
		if (request.getRestOperationType() == RestOperationTypeEnum.READ || request.getRestOperationType() == RestOperationTypeEnum.VREAD) {
			throw new ForbiddenOperationException("Practitioner/" + who.practitionerId() + " of " + directory.hospitalName(who.hospital())
					+ " has no part in this person's care: other hospitals' records open to a practitioner whose hospital keeps a "
					+ "record of the person, registered their visit or received their referral, or who took an open consult about them");
		}
		shown.setResource(i, null);
	}

	/** The best grounds among the resource's patients (usually one), each person's worked out once per request. */
	@SuppressWarnings("unchecked")
	private CareRelationships.Basis careBasis(Caller caller, RequestDetails request, IBaseResource resource) {
		java.util.Map<String, CareRelationships.Basis> known = (java.util.Map<String, CareRelationships.Basis>) request.getUserData()
				.computeIfAbsent(CARE_BASIS, k -> new java.util.HashMap<String, CareRelationships.Basis>());
		CareRelationships.Basis best = CareRelationships.Basis.NONE;
		for (String patientId : PatientCompartment.patientIds(fhirContext, resource)) {
			CareRelationships.Basis basis = known.computeIfAbsent(patientId, id -> care.of(caller, id));
			if (basis.kind() == CareRelationships.Basis.Kind.CARE) {
				return basis;
			}
			if (basis.allows()) {
				best = basis;
			}
		}
		return best;
	}

	/** For figures over many people (trends, statistics): staff of the region or a hospital, never a patient's app. */
	public static void refusePatients(RequestDetails request, String operation) {
		if (judgedCaller(request).map(Caller::isPatient).orElse(false)) {
			throw new ForbiddenOperationException(operation + " is for the region's and hospitals' staff");
		}
	}

	/** For the region operators' views (every hospital's exports, every PACS's address): region-level callers only. */
	public static void requireRegion(RequestDetails request, String operation, String why) {
		if (judgedCaller(request).map(c -> !c.isRegion()).orElse(false)) {
			throw new ForbiddenOperationException(operation + " is the region operators' view (" + why + ")");
		}
	}

	/** The caller this request was judged as (set when it arrived); empty for OneTrip's own requests. */
	public static Optional<Caller> judgedCaller(RequestDetails request) {
		return request == null ? Optional.empty()
				: Optional.ofNullable(request.getUserData().get(CALLER)).filter(Caller.class::isInstance).map(Caller.class::cast);
	}

	/** The caller of a REST request; empty for OneTrip's own writes. */
	Optional<Caller> callerOf(RequestDetails request) {
		if (request == null || request instanceof SystemRequestDetails) {
			return Optional.empty();
		}
		Object known = request.getUserData().get(CALLER);
		if (known instanceof Caller caller) {
			return Optional.of(caller);
		}
		Optional<Caller> caller = Callers.current();
		if (caller.isEmpty() && openAccess) {
			String hospital = request.getHeader("X-OneTrip-Hospital");
			caller = Optional.of(Caller.openAccess(hospital != null && directory.region().hospital(hospital).isPresent() ? hospital : null));
		}
		caller.ifPresent(c -> {
			if (c.hospital() != null && directory.region().hospital(c.hospital()).isEmpty()) {
				throw new ForbiddenOperationException("The token names hospital '" + c.hospital() + "', which is not in the region");
			}
			request.getUserData().put(CALLER, c);
		});
		return caller;
	}

	private static void require(Caller caller, Interaction interaction, String type) {
		if (!caller.permits(interaction, type)) {
			throw new ForbiddenOperationException("The token's scopes do not allow " + interaction.name().toLowerCase(java.util.Locale.ROOT)
					+ " on " + ("*".equals(type) ? "all resource types" : type) + " (needs e.g. "
					+ (caller.isPatient() ? "patient/" : caller.context() == SmartScope.Context.SYSTEM ? "system/" : "user/")
					+ ("*".equals(type) ? "*" : type) + "." + interaction.letter() + ")");
		}
	}

	/**
	 * Who is the same person across hospitals is the region's to say: Patient.link is set and removed by region-level
	 * callers (identity operators), never by one hospital for itself.
	 */
	private static void refuseLinkChangesByHospitals(Caller caller, IBaseResource previous, IBaseResource resource) {
		if (caller.isRegion() || !(resource instanceof Patient patient)) {
			return;
		}
		Set<String> before = previous instanceof Patient old ? links(old) : Set.of();
		if (!links(patient).equals(before)) {
			throw new ForbiddenOperationException("Patient.link says who is the same person across hospitals: only the region's "
					+ "identity operators (a region-level token) set or remove it");
		}
	}

	private static Set<String> links(Patient patient) {
		Set<String> links = new java.util.TreeSet<>();
		patient.getLink().forEach(l -> links.add(l.getType() + " " + l.getOther().getReference()));
		return links;
	}

	private static void refuseAuditEventWrites(String type) {
		if ("AuditEvent".equals(type)) {
			throw new ForbiddenOperationException("AuditEvents are written by OneTrip only and never changed");
		}
	}

	private void requireKeeper(Caller caller, RequestDetails request, IBaseResource stored, String what) {
		if (caller.isRegion()) {
			return;
		}
		if (caller.isPatient()) {
			if (isSubscription(stored)) {
				if (!caller.patientId().equals(Ownership.subscriberPatient(stored).orElse(null))) {
					throw new ForbiddenOperationException("A patient token may " + what + " only its own subscriptions");
				}
				return;
			}
			requireInCompartment(caller, request, stored, what);
			return;
		}
		Set<String> keepers = ownership.keepers(stored);
		if (!keepers.contains(caller.hospital())) {
			throw new ForbiddenOperationException(directory.hospitalName(caller.hospital()) + " cannot " + what + " "
					+ reference(stored) + ": it belongs to " + (keepers.isEmpty() ? "the region"
							: String.join(", ", keepers.stream().map(directory::hospitalName).toList())));
		}
	}

	private void requireInCompartment(Caller caller, RequestDetails request, IBaseResource resource, String what) {
		if (!inCompartment(caller, request, resource)) {
			throw new ForbiddenOperationException("A patient token may " + what + " only its own person's records");
		}
	}

	@SuppressWarnings("unchecked")
	private boolean inCompartment(Caller caller, RequestDetails request, IBaseResource resource) {
		Set<String> person = (Set<String>) request.getUserData().computeIfAbsent(PERSON, k -> {
			Set<String> ids = new LinkedHashSet<>(persons.byPatientId(caller.patientId()));
			ids.add(caller.patientId());
			return ids;
		});
		return PatientCompartment.patientIds(fhirContext, resource).stream().anyMatch(person::contains);
	}

	/**
	 * A Task for a patient is in their compartment to read (their referral, their follow-ups), not to write: a Task moves
	 * a hospital's workflow (a referral's step, a follow-up done), which only hospitals take.
	 */
	private static void refuseTaskWritesByPatients(String type) {
		if ("Task".equals(type)) {
			throw new ForbiddenOperationException("A patient's app reads its Tasks (referrals, follow-ups); hospitals write them");
		}
	}

	private static boolean isSubscription(IBaseResource resource) {
		return "Subscription".equals(resource.fhirType());
	}

	/** Clinical data: a Patient, or anything in a Patient's compartment. */
	private boolean isClinical(IBaseResource resource) {
		return !PatientCompartment.patientIds(fhirContext, resource).isEmpty();
	}

	private void noteWritten(IBaseResource resource, RequestDetails request) {
		if (callerOf(request).isPresent()) {
			listIn(request, WRITTEN).add(reference(resource));
			notePatients(resource, request);
		}
	}

	private void notePatients(IBaseResource resource, RequestDetails request) {
		// Only Patient references: an AuditEvent naming a HealthcareService as Patient/... is refused.
		List<String> patients = listIn(request, PATIENTS);
		PatientCompartment.patientIds(fhirContext, resource).forEach(id -> patients.add("Patient/" + id));
	}

	@SuppressWarnings("unchecked")
	static List<String> listIn(RequestDetails request, String key) {
		return (List<String>) request.getUserData().computeIfAbsent(key, k -> new ArrayList<String>());
	}

	private static String reference(IBaseResource resource) {
		return resource.fhirType() + "/" + resource.getIdElement().getIdPart();
	}
}

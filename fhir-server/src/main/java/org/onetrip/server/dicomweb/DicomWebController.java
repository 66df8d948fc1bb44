package org.onetrip.server.dicomweb;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.pixelmed.dicom.DicomException;
import jakarta.servlet.http.HttpServletRequest;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.onetrip.dicom.query.ImagingQuery;
import org.onetrip.dicom.query.QueryKey;
import org.onetrip.dicom.query.QueryLevel;
import org.onetrip.dicom.query.RegionalQuery;
import org.onetrip.dicom.store.DicomFileStore;
import org.onetrip.dicom.store.ImagingIndex;
import org.onetrip.dicom.store.ImagingIndex.StoredInstance;
import org.onetrip.dicom.store.IndexUnavailableException;
import org.onetrip.dicom.store.StorageService;
import org.onetrip.server.security.EndpointAccessFilter;
import org.onetrip.terminology.region.Region;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.MultiValueMap;
import org.springframework.web.bind.annotation.CrossOrigin;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * DICOMweb at {@code /dicomweb} over the same regional index and store as the DIMSE gateway:
 * <ul>
 * <li>QIDO-RS: {@code /studies}, {@code /series}, {@code /instances} (and under a study or series), matching keys by
 * keyword or tag, {@code limit}/{@code offset}; answers {@code application/dicom+json}, 200 with {@code []} when nothing
 * matches (PS3.18 CP-2473);</li>
 * <li>WADO-RS: a study, series or instance as {@code multipart/related; type="application/dicom"} (the Part 10 files as
 * stored, each part naming its transfer syntax), and their {@code /metadata} as DICOM JSON without bulk data;</li>
 * <li>STOW-RS: {@code POST /studies} with {@code multipart/related; type="application/dicom"}, each part stored through
 * the same path as a C-STORE (on disk, synced, indexed, then acknowledged); 200 all stored, 202 some, 409 none.</li>
 * </ul>
 * This class holds the URLs and the order of the steps: query parameters are read by {@link QidoRequest}, the Accept
 * header by {@link DicomAccept}, a STOW-RS body by {@link StowParts}; answers are written by {@link DicomJson} and
 * {@link MultipartRelated.Writer}. Which hospital asks (it decides whose PatientID a query means, and whose patients a
 * STOW sends) comes from the {@code X-OneTrip-Hospital} header until bearer tokens carry it (issue 6).
 */
@RestController
@RequestMapping("/dicomweb")
@CrossOrigin(origins = "*")
@ConditionalOnProperty(name = "onetrip.dicom.enabled", havingValue = "true", matchIfMissing = true)
public class DicomWebController {

	static final String HOSPITAL_HEADER = EndpointAccessFilter.HOSPITAL_HEADER;
	static final String DICOM_JSON = "application/dicom+json";
	private static final Logger log = LoggerFactory.getLogger(DicomWebController.class);
	private static final int MAX_RETRIEVE_INSTANCES = 20_000;
	private static final String INDEX_UNAVAILABLE = "the imaging index is unavailable; try again";

	private final RegionalQuery query;
	private final ImagingIndex index;
	private final StorageService storage;
	private final Region region;
	private final DicomJson dicomJson;
	private final StowParts stowParts;
	private final FhirContext fhirContext;

	public DicomWebController(RegionalQuery query, ImagingIndex index, StorageService storage, Region region,
			ObjectMapper json, FhirContext fhirContext) {
		this.query = query;
		this.index = index;
		this.storage = storage;
		this.region = region;
		this.dicomJson = new DicomJson(json);
		this.stowParts = new StowParts(storage, dicomJson);
		this.fhirContext = fhirContext;
	}

	// ---------------------------------------------------------------- QIDO-RS

	@GetMapping("/studies")
	public ResponseEntity<Object> searchStudies(@RequestParam MultiValueMap<String, String> params,
			@RequestHeader(name = HOSPITAL_HEADER, required = false) String hospital) {
		return search(QueryLevel.STUDY, Map.of(), params, hospital);
	}

	@GetMapping("/series")
	public ResponseEntity<Object> searchSeries(@RequestParam MultiValueMap<String, String> params,
			@RequestHeader(name = HOSPITAL_HEADER, required = false) String hospital) {
		return search(QueryLevel.SERIES, Map.of(), params, hospital);
	}

	@GetMapping("/instances")
	public ResponseEntity<Object> searchInstances(@RequestParam MultiValueMap<String, String> params,
			@RequestHeader(name = HOSPITAL_HEADER, required = false) String hospital) {
		return search(QueryLevel.IMAGE, Map.of(), params, hospital);
	}

	@GetMapping("/studies/{study}/series")
	public ResponseEntity<Object> searchSeriesOfStudy(@PathVariable String study,
			@RequestParam MultiValueMap<String, String> params,
			@RequestHeader(name = HOSPITAL_HEADER, required = false) String hospital) {
		return search(QueryLevel.SERIES, Map.of(QueryKey.StudyInstanceUID, study), params, hospital);
	}

	@GetMapping("/studies/{study}/instances")
	public ResponseEntity<Object> searchInstancesOfStudy(@PathVariable String study,
			@RequestParam MultiValueMap<String, String> params,
			@RequestHeader(name = HOSPITAL_HEADER, required = false) String hospital) {
		return search(QueryLevel.IMAGE, Map.of(QueryKey.StudyInstanceUID, study), params, hospital);
	}

	@GetMapping("/studies/{study}/series/{series}/instances")
	public ResponseEntity<Object> searchInstancesOfSeries(@PathVariable String study, @PathVariable String series,
			@RequestParam MultiValueMap<String, String> params,
			@RequestHeader(name = HOSPITAL_HEADER, required = false) String hospital) {
		return search(QueryLevel.IMAGE, Map.of(QueryKey.StudyInstanceUID, study, QueryKey.SeriesInstanceUID, series),
				params, hospital);
	}

	private ResponseEntity<Object> search(QueryLevel level, Map<QueryKey, String> fromPath,
			MultiValueMap<String, String> params, String hospitalHeader) {
		RegionalQuery.Result result;
		QidoRequest request;
		try {
			Optional<String> hospital = hospital(hospitalHeader);
			request = QidoRequest.parse(level, fromPath, params);
			result = query.find(level, request.keys(), hospital.orElse(null));
		} catch (DicomWebRefusal refusal) {
			return error(refusal.status(), refusal.getMessage());
		} catch (IndexUnavailableException e) {
			return error(HttpStatus.SERVICE_UNAVAILABLE, INDEX_UNAVAILABLE);
		}
		RetrieveUrls urls = RetrieveUrls.ofCurrentRequest();
		ArrayNode matches = dicomJson.newArray();
		result.matches().stream().skip(request.offset()).limit(request.limit()).forEach(match ->
				matches.add(dicomJson.match(match, match.values().keySet(), urls.of(level, match))));
		ResponseEntity.BodyBuilder response = ResponseEntity.ok().contentType(MediaType.parseMediaType(DICOM_JSON));
		if (result.truncated()) {
			// PS3.18: a response cut short says so in a Warning header.
			response.header("Warning", "299 OneTrip: \"The number of results exceeded the maximum supported by the server. "
					+ "Additional results can be requested.\"");
		}
		return response.body(matches);
	}

	// ---------------------------------------------------------------- WADO-RS

	@GetMapping("/studies/{study}")
	public ResponseEntity<StreamingResponseBody> retrieveStudy(@PathVariable String study,
			@RequestHeader(name = "Accept", required = false) String accept) {
		return retrieve(uids(study, null, null), accept);
	}

	@GetMapping("/studies/{study}/series/{series}")
	public ResponseEntity<StreamingResponseBody> retrieveSeries(@PathVariable String study, @PathVariable String series,
			@RequestHeader(name = "Accept", required = false) String accept) {
		return retrieve(uids(study, series, null), accept);
	}

	@GetMapping("/studies/{study}/series/{series}/instances/{instance}")
	public ResponseEntity<StreamingResponseBody> retrieveInstance(@PathVariable String study, @PathVariable String series,
			@PathVariable String instance, @RequestHeader(name = "Accept", required = false) String accept) {
		return retrieve(uids(study, series, instance), accept);
	}

	@GetMapping("/studies/{study}/metadata")
	public ResponseEntity<Object> studyMetadata(@PathVariable String study) {
		return metadata(uids(study, null, null));
	}

	@GetMapping("/studies/{study}/series/{series}/metadata")
	public ResponseEntity<Object> seriesMetadata(@PathVariable String study, @PathVariable String series) {
		return metadata(uids(study, series, null));
	}

	@GetMapping("/studies/{study}/series/{series}/instances/{instance}/metadata")
	public ResponseEntity<Object> instanceMetadata(@PathVariable String study, @PathVariable String series,
			@PathVariable String instance) {
		return metadata(uids(study, series, instance));
	}

	// ---------------------------------------------------------------- WADO-RS for viewers: pixels and pictures

	@GetMapping("/studies/{study}/series/{series}/instances/{instance}/frames/{frames}")
	public ResponseEntity<StreamingResponseBody> frames(@PathVariable String study, @PathVariable String series,
			@PathVariable String instance, @PathVariable String frames) {
		try {
			List<Integer> numbers = RenderedFrames.frameNumbers(frames);
			StoredInstance stored = locate(uids(study, series, instance)).get(0);
			List<byte[]> pixels = RenderedFrames.frames(storage.files().resolve(stored.relativePath()), stored.transferSyntaxUid(), numbers);
			String boundary = MultipartRelated.newBoundary();
			StreamingResponseBody body = out -> {
				MultipartRelated.Writer parts = new MultipartRelated.Writer(new BufferedOutputStream(out, 256 * 1024), boundary);
				for (byte[] frame : pixels) {
					parts.part("application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1", frame);
				}
				parts.finish();
			};
			return ResponseEntity.ok().header("Content-Type", "multipart/related; type=\"application/octet-stream\"; boundary=" + boundary)
					.body(body);
		} catch (DicomWebRefusal refusal) {
			return streamedError(refusal.status(), refusal.getMessage());
		} catch (IndexUnavailableException e) {
			return streamedError(HttpStatus.SERVICE_UNAVAILABLE, INDEX_UNAVAILABLE);
		} catch (IOException e) {
			log.warn("frames of {} could not be read: {}", instance, e.getMessage());
			return streamedError(HttpStatus.INTERNAL_SERVER_ERROR, "instance " + instance + " could not be read");
		}
	}

	@GetMapping("/studies/{study}/series/{series}/instances/{instance}/rendered")
	public ResponseEntity<Object> renderedInstance(@PathVariable String study, @PathVariable String series,
			@PathVariable String instance, @RequestHeader(name = "Accept", required = false) String accept) {
		return rendered(uids(study, series, instance), 1, accept, 0);
	}

	@GetMapping("/studies/{study}/series/{series}/instances/{instance}/frames/{frame}/rendered")
	public ResponseEntity<Object> renderedFrame(@PathVariable String study, @PathVariable String series, @PathVariable String instance,
			@PathVariable String frame, @RequestHeader(name = "Accept", required = false) String accept) {
		try {
			List<Integer> numbers = RenderedFrames.frameNumbers(frame);
			if (numbers.size() != 1) {
				return error(HttpStatus.BAD_REQUEST, "one frame is rendered at a time");
			}
			return rendered(uids(study, series, instance), numbers.get(0), accept, 0);
		} catch (DicomWebRefusal refusal) {
			return error(refusal.status(), refusal.getMessage());
		}
	}

	@GetMapping("/studies/{study}/series/{series}/instances/{instance}/thumbnail")
	public ResponseEntity<Object> thumbnail(@PathVariable String study, @PathVariable String series, @PathVariable String instance,
			@RequestHeader(name = "Accept", required = false) String accept) {
		return rendered(uids(study, series, instance), 1, accept, RenderedFrames.THUMBNAIL_SIDE);
	}

	private ResponseEntity<Object> rendered(Map<QueryKey, String> uids, int frame, String accept, int maxSide) {
		try {
			StoredInstance stored = locate(uids).get(0);
			String type = RenderedFrames.renderedType(accept);
			byte[] image = RenderedFrames.render(storage.files().resolve(stored.relativePath()), frame, type, maxSide);
			// A stored instance never changes: its pictures may be kept by the browser.
			return ResponseEntity.ok().contentType(MediaType.parseMediaType(type))
					.cacheControl(org.springframework.http.CacheControl.maxAge(java.time.Duration.ofDays(1)).cachePrivate()).body(image);
		} catch (DicomWebRefusal refusal) {
			return error(refusal.status(), refusal.getMessage());
		} catch (IndexUnavailableException e) {
			return error(HttpStatus.SERVICE_UNAVAILABLE, INDEX_UNAVAILABLE);
		} catch (IOException e) {
			log.warn("instance could not be rendered: {}", e.getMessage());
			return error(HttpStatus.INTERNAL_SERVER_ERROR, "the instance could not be read");
		}
	}

	private static Map<QueryKey, String> uids(String study, String series, String instance) {
		Map<QueryKey, String> keys = new EnumMap<>(QueryKey.class);
		keys.put(QueryKey.StudyInstanceUID, study);
		if (series != null) {
			keys.put(QueryKey.SeriesInstanceUID, series);
		}
		if (instance != null) {
			keys.put(QueryKey.SOPInstanceUID, instance);
		}
		return keys;
	}

	/**
	 * The stored instances the URL names.
	 *
	 * @throws DicomWebRefusal 400 for a path segment that is not a UID, 404 when nothing is stored under them
	 */
	private List<StoredInstance> locate(Map<QueryKey, String> uids) throws DicomWebRefusal {
		for (String uid : uids.values()) {
			if (!DicomFileStore.isValidUid(uid)) {
				throw DicomWebRefusal.badRequest("'" + uid + "' is not a DICOM UID");
			}
		}
		List<StoredInstance> instances = index.locate(new ImagingQuery(QueryLevel.IMAGE, uids), MAX_RETRIEVE_INSTANCES + 1);
		if (instances.isEmpty()) {
			throw new DicomWebRefusal(HttpStatus.NOT_FOUND, "nothing stored under " + uids.values());
		}
		return instances;
	}

	private ResponseEntity<StreamingResponseBody> retrieve(Map<QueryKey, String> uids, String accept) {
		List<StoredInstance> instances;
		try {
			instances = locate(uids);
			if (instances.size() > MAX_RETRIEVE_INSTANCES) {
				return streamedError(HttpStatus.PAYLOAD_TOO_LARGE, "more than " + MAX_RETRIEVE_INSTANCES + " instances; retrieve by series");
			}
			DicomAccept.check(accept, instances);
		} catch (DicomWebRefusal refusal) {
			return streamedError(refusal.status(), refusal.getMessage());
		} catch (IndexUnavailableException e) {
			return streamedError(HttpStatus.SERVICE_UNAVAILABLE, INDEX_UNAVAILABLE);
		}
		String boundary = MultipartRelated.newBoundary();
		StreamingResponseBody body = out -> {
			MultipartRelated.Writer parts = new MultipartRelated.Writer(new BufferedOutputStream(out, 256 * 1024), boundary);
			for (StoredInstance instance : instances) {
				parts.part(MultipartRelated.DICOM + "; transfer-syntax=" + instance.transferSyntaxUid(),
						storage.files().resolve(instance.relativePath()));
			}
			parts.finish();
		};
		return ResponseEntity.ok().header("Content-Type", MultipartRelated.dicomContentType(boundary)).body(body);
	}

	private ResponseEntity<Object> metadata(Map<QueryKey, String> uids) {
		List<StoredInstance> instances;
		try {
			instances = locate(uids);
		} catch (DicomWebRefusal refusal) {
			return error(refusal.status(), refusal.getMessage());
		} catch (IndexUnavailableException e) {
			return error(HttpStatus.SERVICE_UNAVAILABLE, INDEX_UNAVAILABLE);
		}
		ArrayNode array = dicomJson.newArray();
		for (StoredInstance instance : instances) {
			try {
				array.add(dicomJson.withAvailableTransferSyntax(dicomJson.metadata(storage.files().resolve(instance.relativePath())),
						instance.transferSyntaxUid()));
			} catch (IOException | DicomException e) {
				log.warn("stored instance {} could not be read: {}", instance.sopInstanceUid(), e.getMessage());
				return error(HttpStatus.INTERNAL_SERVER_ERROR, "instance " + instance.sopInstanceUid() + " could not be read");
			}
		}
		return ResponseEntity.ok().contentType(MediaType.parseMediaType(DICOM_JSON)).body(array);
	}

	// ---------------------------------------------------------------- STOW-RS

	@PostMapping("/studies")
	public ResponseEntity<Object> store(HttpServletRequest request,
			@RequestHeader(name = HOSPITAL_HEADER, required = false) String hospital) throws IOException {
		return stow(request, hospital, null);
	}

	@PostMapping("/studies/{study}")
	public ResponseEntity<Object> storeIntoStudy(@PathVariable String study, HttpServletRequest request,
			@RequestHeader(name = HOSPITAL_HEADER, required = false) String hospital) throws IOException {
		return stow(request, hospital, study);
	}

	private ResponseEntity<Object> stow(HttpServletRequest request, String hospitalHeader, String study) throws IOException {
		RetrieveUrls urls = RetrieveUrls.ofCurrentRequest();
		StowParts.Outcome outcome;
		try {
			String sender = hospital(hospitalHeader).orElseThrow(() -> DicomWebRefusal.badRequest(
					"say which hospital sends in the " + HOSPITAL_HEADER + " header (its region key): it decides whose "
							+ "PatientIDs these are"));
			String boundary = StowParts.boundary(request.getContentType());
			outcome = stowParts.store(request.getInputStream(), boundary, sender, study, urls);
		} catch (DicomWebRefusal refusal) {
			return error(refusal.status(), refusal.getMessage());
		}
		return ResponseEntity.status(outcome.status()).contentType(MediaType.parseMediaType(DICOM_JSON))
				.body(dicomJson.stowResponse(study == null ? null : urls.study(study), outcome.failed(), outcome.referenced()));
	}

	// ---------------------------------------------------------------- common

	/** @throws DicomWebRefusal 400 when the header names no hospital of the region */
	private Optional<String> hospital(String header) throws DicomWebRefusal {
		if (header == null || header.isBlank()) {
			return Optional.empty();
		}
		String key = header.trim().toLowerCase(Locale.ROOT);
		if (region.hospital(key).isEmpty()) {
			throw DicomWebRefusal.badRequest(HOSPITAL_HEADER + " '" + header + "' is not a hospital of the region");
		}
		return Optional.of(key);
	}

	/** The same OperationOutcome for handlers whose success is a stream (Spring picks the handler by declared type). */
	private ResponseEntity<StreamingResponseBody> streamedError(HttpStatus status, String message) {
		ResponseEntity<Object> error = error(status, message);
		byte[] bytes = ((String) error.getBody()).getBytes(StandardCharsets.UTF_8);
		return ResponseEntity.status(status).headers(error.getHeaders()).body(out -> out.write(bytes));
	}

	private ResponseEntity<Object> error(HttpStatus status, String message) {
		OperationOutcome outcome = new OperationOutcome();
		outcome.addIssue()
				.setSeverity(OperationOutcome.IssueSeverity.ERROR)
				.setCode(status == HttpStatus.NOT_FOUND ? OperationOutcome.IssueType.NOTFOUND
						: status.is5xxServerError() ? OperationOutcome.IssueType.EXCEPTION : OperationOutcome.IssueType.INVALID)
				.setDiagnostics(message);
		return ResponseEntity.status(status).contentType(MediaType.parseMediaType("application/fhir+json"))
				.body(fhirContext.newJsonParser().encodeResourceToString(outcome));
	}
}

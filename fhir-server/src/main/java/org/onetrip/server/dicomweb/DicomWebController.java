package org.onetrip.server.dicomweb;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.TagFromName;
import jakarta.servlet.http.HttpServletRequest;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.onetrip.dicom.DimseStatus;
import org.onetrip.dicom.query.ImagingQuery;
import org.onetrip.dicom.query.QueryKey;
import org.onetrip.dicom.query.QueryLevel;
import org.onetrip.dicom.query.QueryMatch;
import org.onetrip.dicom.query.RegionalQuery;
import org.onetrip.dicom.store.ImagingIndex;
import org.onetrip.dicom.store.ImagingIndex.StoredInstance;
import org.onetrip.dicom.store.IndexUnavailableException;
import org.onetrip.dicom.store.StorageService;
import org.onetrip.dicom.store.StoreRefusedException;
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
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

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
 * Which hospital asks (it decides whose PatientID a query means, and whose patients a STOW sends) comes from the
 * {@code X-OneTrip-Hospital} header until bearer tokens carry it (issue 6).
 */
@RestController
@RequestMapping("/dicomweb")
@CrossOrigin(origins = "*")
@ConditionalOnProperty(name = "onetrip.dicom.enabled", havingValue = "true", matchIfMissing = true)
public class DicomWebController {

	static final String HOSPITAL_HEADER = org.onetrip.server.security.EndpointAccessFilter.HOSPITAL_HEADER;
	static final String DICOM_JSON = "application/dicom+json";
	private static final Logger log = LoggerFactory.getLogger(DicomWebController.class);
	private static final int MAX_RETRIEVE_INSTANCES = 20_000;

	private final RegionalQuery query;
	private final ImagingIndex index;
	private final StorageService storage;
	private final Region region;
	private final DicomJson dicomJson;
	private final ObjectMapper json;
	private final FhirContext fhirContext;

	public DicomWebController(RegionalQuery query, ImagingIndex index, StorageService storage, Region region,
			ObjectMapper json, FhirContext fhirContext) {
		this.query = query;
		this.index = index;
		this.storage = storage;
		this.region = region;
		this.json = json;
		this.dicomJson = new DicomJson(json);
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
		Optional<String> hospital;
		try {
			hospital = hospital(hospitalHeader);
		} catch (IllegalArgumentException e) {
			return error(HttpStatus.BAD_REQUEST, e.getMessage());
		}
		Map<QueryKey, String> keys = new EnumMap<>(QueryKey.class);
		keys.putAll(fromPath);
		int limit = Integer.MAX_VALUE;
		int offset = 0;
		for (Map.Entry<String, List<String>> param : params.entrySet()) {
			String name = param.getKey();
			String value = String.join(",", param.getValue());
			switch (name.toLowerCase(Locale.ROOT)) {
				case "includefield", "fuzzymatching" -> {
					continue; // every attribute the index keeps is returned; matching is exact or wildcard
				}
				case "limit", "offset" -> {
					try {
						int number = Integer.parseInt(value.trim());
						if (number < 0) {
							throw new NumberFormatException();
						}
						if (name.equalsIgnoreCase("limit")) {
							limit = number;
						} else {
							offset = number;
						}
					} catch (NumberFormatException e) {
						return error(HttpStatus.BAD_REQUEST, name + " must be a whole number >= 0, was '" + value + "'");
					}
					continue;
				}
				default -> {
				}
			}
			Optional<QueryKey> key = queryKey(name);
			if (key.isEmpty()) {
				return error(HttpStatus.BAD_REQUEST, "'" + name + "' is not a matching key OneTrip supports; keys: "
						+ java.util.Arrays.toString(QueryKey.values()));
			}
			if (key.get().level().ordinal() > level.ordinal()) {
				return error(HttpStatus.BAD_REQUEST, key.get() + " is below the " + level + " level of this query");
			}
			boolean list = key.get().match() == QueryKey.Match.UID_LIST || key.get().match() == QueryKey.Match.MODALITY_LIST;
			keys.put(key.get(), list ? value.replace(',', '\\') : value);
		}
		RegionalQuery.Result result;
		try {
			result = query.find(level, keys, hospital.orElse(null));
		} catch (IndexUnavailableException e) {
			return error(HttpStatus.SERVICE_UNAVAILABLE, "the imaging index is unavailable; try again");
		}
		String base = base();
		ArrayNode matches = json.createArrayNode();
		result.matches().stream().skip(offset).limit(limit).forEach(match ->
				matches.add(dicomJson.match(match, match.values().keySet(), retrieveUrl(base, level, match))));
		ResponseEntity.BodyBuilder response = ResponseEntity.ok().contentType(MediaType.parseMediaType(DICOM_JSON));
		if (result.truncated()) {
			// PS3.18: a response cut short says so in a Warning header.
			response.header("Warning", "299 OneTrip: \"The number of results exceeded the maximum supported by the server. "
					+ "Additional results can be requested.\"");
		}
		return response.body(matches);
	}

	private static Optional<QueryKey> queryKey(String name) {
		String keyword = name;
		if (name.matches("[0-9A-Fa-f]{8}")) {
			AttributeTag tag = new AttributeTag(Integer.parseInt(name.substring(0, 4), 16),
					Integer.parseInt(name.substring(4), 16));
			keyword = AttributeList.getDictionary().getNameFromTag(tag);
			if (keyword == null) {
				return Optional.empty();
			}
		}
		return QueryKey.byKeyword(keyword);
	}

	private static String retrieveUrl(String base, QueryLevel level, QueryMatch match) {
		String study = base + "/studies/" + match.get(QueryKey.StudyInstanceUID);
		return switch (level) {
			case PATIENT -> null;
			case STUDY -> study;
			case SERIES -> study + "/series/" + match.get(QueryKey.SeriesInstanceUID);
			case IMAGE -> study + "/series/" + match.get(QueryKey.SeriesInstanceUID) + "/instances/"
					+ match.get(QueryKey.SOPInstanceUID);
		};
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

	private List<StoredInstance> locate(Map<QueryKey, String> uids) {
		for (String uid : uids.values()) {
			if (!org.onetrip.dicom.store.DicomFileStore.isValidUid(uid)) {
				throw new IllegalArgumentException("'" + uid + "' is not a DICOM UID");
			}
		}
		return index.locate(new ImagingQuery(QueryLevel.IMAGE, uids), MAX_RETRIEVE_INSTANCES + 1);
	}

	private ResponseEntity<StreamingResponseBody> retrieve(Map<QueryKey, String> uids, String accept) {
		List<StoredInstance> instances;
		try {
			instances = locate(uids);
		} catch (IllegalArgumentException e) {
			return streamedError(HttpStatus.BAD_REQUEST, e.getMessage());
		} catch (IndexUnavailableException e) {
			return streamedError(HttpStatus.SERVICE_UNAVAILABLE, "the imaging index is unavailable; try again");
		}
		if (instances.isEmpty()) {
			return streamedError(HttpStatus.NOT_FOUND, "nothing stored under " + uids.values());
		}
		if (instances.size() > MAX_RETRIEVE_INSTANCES) {
			return streamedError(HttpStatus.PAYLOAD_TOO_LARGE, "more than " + MAX_RETRIEVE_INSTANCES + " instances; retrieve by series");
		}
		String wanted = acceptedTransferSyntax(accept);
		if (wanted == null) {
			return streamedError(HttpStatus.NOT_ACCEPTABLE, "this resource is served as multipart/related; type=\"application/dicom\"");
		}
		if (!wanted.equals("*")) {
			for (StoredInstance instance : instances) {
				if (!instance.transferSyntaxUid().equals(wanted)) {
					return streamedError(HttpStatus.NOT_ACCEPTABLE, "instance " + instance.sopInstanceUid() + " is stored as "
							+ instance.transferSyntaxUid() + " and OneTrip does not transcode; ask for transfer-syntax=*");
				}
			}
		}
		String boundary = "onetrip-" + UUID.randomUUID();
		StreamingResponseBody body = out -> {
			OutputStream buffered = new BufferedOutputStream(out, 256 * 1024);
			for (StoredInstance instance : instances) {
				buffered.write(("--" + boundary + "\r\nContent-Type: application/dicom; transfer-syntax="
						+ instance.transferSyntaxUid() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
				Files.copy(storage.files().resolve(instance.relativePath()), buffered);
				buffered.write("\r\n".getBytes(StandardCharsets.US_ASCII));
			}
			buffered.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
			buffered.flush();
		};
		return ResponseEntity.ok()
				.header("Content-Type", "multipart/related; type=\"application/dicom\"; boundary=" + boundary)
				.body(body);
	}

	/**
	 * The transfer syntax asked for: {@code *} for any (also when the Accept header allows anything), a UID, or null
	 * when the Accept header admits no DICOM media type at all.
	 */
	static String acceptedTransferSyntax(String accept) {
		if (accept == null || accept.isBlank()) {
			return "*";
		}
		for (String range : accept.split(",")) {
			String mediaType = range.split(";")[0].trim().toLowerCase(Locale.ROOT);
			if (mediaType.equals("*/*") || mediaType.equals("multipart/*")) {
				return "*";
			}
			if (mediaType.equals("multipart/related") || mediaType.equals("application/dicom")) {
				String type = MultipartRelated.parameter(range, "type");
				if (mediaType.equals("multipart/related") && type != null && !type.equalsIgnoreCase("application/dicom")) {
					continue;
				}
				String syntax = MultipartRelated.parameter(range, "transfer-syntax");
				return syntax == null ? "*" : syntax.trim();
			}
		}
		return null;
	}

	private ResponseEntity<Object> metadata(Map<QueryKey, String> uids) {
		List<StoredInstance> instances;
		try {
			instances = locate(uids);
		} catch (IllegalArgumentException e) {
			return error(HttpStatus.BAD_REQUEST, e.getMessage());
		} catch (IndexUnavailableException e) {
			return error(HttpStatus.SERVICE_UNAVAILABLE, "the imaging index is unavailable; try again");
		}
		if (instances.isEmpty()) {
			return error(HttpStatus.NOT_FOUND, "nothing stored under " + uids.values());
		}
		ArrayNode array = json.createArrayNode();
		for (StoredInstance instance : instances) {
			try {
				AttributeList header = new AttributeList();
				header.read(storage.files().resolve(instance.relativePath()).toFile(), TagFromName.PixelData);
				array.add(dicomJson.dataSet(header));
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
		String sender;
		try {
			sender = hospital(hospitalHeader).orElseThrow(() -> new IllegalArgumentException(
					"say which hospital sends in the " + HOSPITAL_HEADER + " header (its region key): it decides whose "
							+ "PatientIDs these are"));
		} catch (IllegalArgumentException e) {
			return error(HttpStatus.BAD_REQUEST, e.getMessage());
		}
		String contentType = request.getContentType();
		String boundary = MultipartRelated.parameter(contentType, "boundary");
		String type = MultipartRelated.parameter(contentType, "type");
		if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/related") || boundary == null
				|| (type != null && !type.equalsIgnoreCase("application/dicom"))) {
			return error(HttpStatus.UNSUPPORTED_MEDIA_TYPE,
					"STOW-RS takes multipart/related; type=\"application/dicom\"; boundary=...; got " + contentType);
		}
		ArrayNode referenced = json.createArrayNode();
		ArrayNode failed = json.createArrayNode();
		String base = base();
		MultipartRelated parts = new MultipartRelated(new BufferedInputStream(request.getInputStream(), 256 * 1024), boundary);
		int partNumber = 0;
		try {
			boolean more = parts.start();
			while (more) {
				partNumber++;
				Map<String, String> headers = parts.headers();
				Path incoming = storage.files().newIncomingFile();
				try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(incoming), 256 * 1024)) {
					more = parts.body(out);
				}
				storePart(incoming, headers, partNumber, sender, study, base, referenced, failed);
			}
		} catch (MultipartRelated.MalformedException e) {
			if (partNumber == 0) {
				return error(HttpStatus.BAD_REQUEST, "the body is not multipart/related: " + e.getMessage());
			}
			failed.add(failure(null, null, DimseStatus.CANNOT_UNDERSTAND, "part " + partNumber + ": " + e.getMessage()));
		}
		if (partNumber == 0) {
			return error(HttpStatus.BAD_REQUEST, "the body holds no part");
		}
		ObjectNode response = json.createObjectNode();
		if (study != null) {
			response.putObject("00081190").put("vr", "UR").putArray("Value").add(base + "/studies/" + study);
		}
		if (!failed.isEmpty()) {
			response.putObject("00081198").put("vr", "SQ").set("Value", failed);
		}
		if (!referenced.isEmpty()) {
			response.putObject("00081199").put("vr", "SQ").set("Value", referenced);
		}
		HttpStatus status = failed.isEmpty() ? HttpStatus.OK : referenced.isEmpty() ? HttpStatus.CONFLICT : HttpStatus.ACCEPTED;
		return ResponseEntity.status(status).contentType(MediaType.parseMediaType(DICOM_JSON)).body(response);
	}

	private void storePart(Path incoming, Map<String, String> headers, int partNumber, String sender, String study,
			String base, ArrayNode referenced, ArrayNode failed) {
		String partType = headers.getOrDefault("content-type", "application/dicom");
		if (!partType.toLowerCase(Locale.ROOT).startsWith("application/dicom")) {
			storage.files().discard(incoming);
			failed.add(failure(null, null, DimseStatus.DATA_SET_DOES_NOT_MATCH_SOP_CLASS,
					"part " + partNumber + " is " + partType + ", not application/dicom"));
			return;
		}
		AttributeList meta = new AttributeList();
		try {
			meta.read(incoming.toFile(), TagFromName.SeriesInstanceUID);
		} catch (IOException | DicomException | RuntimeException e) {
			storage.files().discard(incoming);
			failed.add(failure(null, null, DimseStatus.CANNOT_UNDERSTAND,
					"part " + partNumber + " is not a DICOM Part 10 file: " + e.getMessage()));
			return;
		}
		String transferSyntax = Attribute.getSingleStringValueOrEmptyString(meta, TagFromName.TransferSyntaxUID).trim();
		String sopClass = Attribute.getSingleStringValueOrEmptyString(meta, TagFromName.SOPClassUID).trim();
		String sopInstance = Attribute.getSingleStringValueOrEmptyString(meta, TagFromName.SOPInstanceUID).trim();
		String studyUid = Attribute.getSingleStringValueOrEmptyString(meta, TagFromName.StudyInstanceUID).trim();
		if (transferSyntax.isEmpty()) {
			storage.files().discard(incoming);
			failed.add(failure(sopClass, sopInstance, DimseStatus.CANNOT_UNDERSTAND,
					"part " + partNumber + " has no Part 10 meta header (no transfer syntax)"));
			return;
		}
		if (study != null && !study.equals(studyUid)) {
			storage.files().discard(incoming);
			// PS3.18: an instance not of the study in the URL is refused with this reason.
			failed.add(failure(sopClass, sopInstance, 0xA900, "instance of study " + studyUid + ", not " + study));
			return;
		}
		try {
			StorageService.Stored stored = storage.store(incoming, null, transferSyntax, sender);
			ObjectNode item = json.createObjectNode();
			item.putObject("00081150").put("vr", "UI").putArray("Value").add(stored.header().sopClassUid());
			item.putObject("00081155").put("vr", "UI").putArray("Value").add(stored.header().sopInstanceUid());
			item.putObject("00081190").put("vr", "UR").putArray("Value").add(base + "/studies/"
					+ stored.header().studyInstanceUid() + "/series/" + stored.header().seriesInstanceUid() + "/instances/"
					+ stored.header().sopInstanceUid());
			referenced.add(item);
		} catch (StoreRefusedException refused) {
			failed.add(failure(sopClass, sopInstance, refused.status(), refused.getMessage()));
		}
	}

	private ObjectNode failure(String sopClass, String sopInstance, int reason, String text) {
		ObjectNode item = json.createObjectNode();
		if (sopClass != null && !sopClass.isEmpty()) {
			item.putObject("00081150").put("vr", "UI").putArray("Value").add(sopClass);
		}
		if (sopInstance != null && !sopInstance.isEmpty()) {
			item.putObject("00081155").put("vr", "UI").putArray("Value").add(sopInstance);
		}
		item.putObject("00081197").put("vr", "US").putArray("Value").add(reason);
		// Error Comment is a command element in DIMSE; here it says why in words next to the code.
		item.putObject("00000902").put("vr", "LO").putArray("Value").add(text.length() <= 64 ? text : text.substring(0, 64));
		return item;
	}

	// ---------------------------------------------------------------- common

	private Optional<String> hospital(String header) {
		if (header == null || header.isBlank()) {
			return Optional.empty();
		}
		String key = header.trim().toLowerCase(Locale.ROOT);
		if (region.hospital(key).isEmpty()) {
			throw new IllegalArgumentException(HOSPITAL_HEADER + " '" + header + "' is not a hospital of the region");
		}
		return Optional.of(key);
	}

	private static String base() {
		return ServletUriComponentsBuilder.fromCurrentContextPath().path("/dicomweb").build().toUriString();
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

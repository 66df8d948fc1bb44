package ca.uhn.fhir.jpa.dao;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.model.entity.ResourceEncodingEnum;
import com.google.common.hash.HashCode;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.onetrip.server.hapi.TransactionIndexedOnce;

/**
 * HAPI's calculation of the text and content hash it stores for each resource version, with two costs taken out.
 * It lives in HAPI's package because the method it replaces is package-private; it is made in
 * {@code org.onetrip.server.hapi.HapiJpaConfiguration}.
 *
 * <ul>
 * <li>A resource that a FHIR transaction will save a second time ({@link TransactionIndexedOnce#awaitsSecondSave}) is
 * not encoded at its first save. HAPI's first pass writes no version row; it encoded the resource, placeholder
 * references and all, only to hash the text into the resource row, and the second save encodes and hashes it again
 * (OneTrip clears that first hash before it). Encoding and hashing it were 8.9 % of a Synthea load's request CPU. A
 * stand-in ({@code {"resourceType":"X"}}) is hashed instead. A resource whose second save never comes fails the
 * transaction, so the stand-in's hash is never committed.</li>
 * <li>The SHA-256 of the text is computed over the text's UTF-16LE code units in one digest call. This is the same
 * value as HAPI's Guava {@code hashUnencodedChars}, which feeds the digest two bytes at a time (4 % of the load's
 * CPU). The value must not change: it is compared with the stored hash to recognise an update that changes
 * nothing.</li>
 * </ul>
 */
public class TransactionAwareResourceHistoryCalculator extends ResourceHistoryCalculator {

	private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
		try {
			return MessageDigest.getInstance("SHA-256");
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException("This JVM has no SHA-256", e);
		}
	});

	private final FhirContext fhirContext;

	/** PostgreSQL only (OneTrip's storage): HAPI's Oracle variant stores binary text and is not covered here. */
	public TransactionAwareResourceHistoryCalculator(FhirContext fhirContext) {
		super(fhirContext, false);
		this.fhirContext = fhirContext;
	}

	@Override
	ResourceHistoryState calculateResourceHistoryState(IBaseResource resource, ResourceEncodingEnum encoding,
			List<String> excludeElements) {
		String text = TransactionIndexedOnce.awaitsSecondSave(resource)
				? "{\"resourceType\":\"" + fhirContext.getResourceType(resource) + "\"}"
				: encodeResource(resource, encoding, excludeElements);
		return new ResourceHistoryState(text, null, ResourceEncodingEnum.JSON, sha256OfUtf16LittleEndian(text));
	}

	/** Guava's {@code Hashing.sha256().hashUnencodedChars(text)}: each char's low byte, then its high byte. */
	static HashCode sha256OfUtf16LittleEndian(String text) {
		byte[] bytes = new byte[text.length() * 2];
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			bytes[2 * i] = (byte) c;
			bytes[2 * i + 1] = (byte) (c >>> 8);
		}
		MessageDigest digest = SHA_256.get();
		digest.reset();
		return HashCode.fromBytes(digest.digest(bytes));
	}
}

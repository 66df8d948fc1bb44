package org.onetrip.server.dicom;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.AttributeFactory;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.FileMetaInformation;
import com.pixelmed.dicom.OtherWordAttribute;
import com.pixelmed.dicom.SOPClass;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.TransferSyntax;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/** Synthetic CT instances written as Part 10 files with PixelMed; UIDs under the 2.25 (UUID) root. */
public final class TestInstances {

	private TestInstances() {}

	public static String uid() {
		UUID uuid = UUID.randomUUID();
		BigInteger value = new BigInteger(1, java.nio.ByteBuffer.allocate(16)
				.putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits()).array());
		return "2.25." + value;
	}

	/** What one test study looks like. Null fields are left out of the data set. */
	public record Study(String studyUid, String patientId, String issuer, String patientName, String birthDate, String sex,
			String studyDate, String studyTime, String accession, String description, String bodyPart,
			String procedureScheme, String procedureCode) {

		public static Study ct(String patientId) {
			return new Study(uid(), patientId, null, "TEST^PATIENT", "19700101", "F", "20261101", "101500",
					"ACC" + Long.toString(System.nanoTime() % 1_000_000_000L), "CT CHEST", "CHEST", null, null);
		}

		public Study withIssuer(String value) {
			return new Study(studyUid, patientId, value, patientName, birthDate, sex, studyDate, studyTime, accession,
					description, bodyPart, procedureScheme, procedureCode);
		}

		public Study withDate(String date) {
			return new Study(studyUid, patientId, issuer, patientName, birthDate, sex, date, studyTime, accession,
					description, bodyPart, procedureScheme, procedureCode);
		}
	}

	/** One CT image of {@code rows x rows} 16-bit pixels. */
	public static AttributeList ct(Study study, String seriesUid, int seriesNumber, int instanceNumber, int rows)
			throws DicomException {
		AttributeList list = new AttributeList();
		put(list, TagFromName.SOPClassUID, SOPClass.CTImageStorage);
		put(list, TagFromName.SOPInstanceUID, uid());
		put(list, TagFromName.StudyInstanceUID, study.studyUid());
		put(list, TagFromName.SeriesInstanceUID, seriesUid);
		put(list, TagFromName.PatientID, study.patientId());
		put(list, TagFromName.IssuerOfPatientID, study.issuer());
		put(list, TagFromName.PatientName, study.patientName());
		put(list, TagFromName.PatientBirthDate, study.birthDate());
		put(list, TagFromName.PatientSex, study.sex());
		put(list, TagFromName.StudyDate, study.studyDate());
		put(list, TagFromName.StudyTime, study.studyTime());
		put(list, TagFromName.SeriesDate, study.studyDate());
		put(list, TagFromName.SeriesTime, study.studyTime());
		put(list, TagFromName.AccessionNumber, study.accession());
		put(list, TagFromName.StudyDescription, study.description());
		put(list, TagFromName.StudyID, "1");
		put(list, TagFromName.ReferringPhysicianName, "REFERRER^RITA");
		put(list, TagFromName.Modality, "CT");
		put(list, TagFromName.BodyPartExamined, study.bodyPart());
		put(list, TagFromName.SeriesNumber, Integer.toString(seriesNumber));
		put(list, TagFromName.InstanceNumber, Integer.toString(instanceNumber));
		if (study.procedureCode() != null) {
			SequenceAttribute procedures = new SequenceAttribute(TagFromName.ProcedureCodeSequence);
			AttributeList item = new AttributeList();
			put(item, TagFromName.CodeValue, study.procedureCode());
			put(item, TagFromName.CodingSchemeDesignator, study.procedureScheme());
			put(item, TagFromName.CodeMeaning, study.description());
			procedures.addItem(item);
			list.put(procedures);
		}
		put(list, TagFromName.SamplesPerPixel, "1");
		put(list, TagFromName.PhotometricInterpretation, "MONOCHROME2");
		put(list, TagFromName.Rows, Integer.toString(rows));
		put(list, TagFromName.Columns, Integer.toString(rows));
		put(list, TagFromName.BitsAllocated, "16");
		put(list, TagFromName.BitsStored, "12");
		put(list, TagFromName.HighBit, "11");
		put(list, TagFromName.PixelRepresentation, "0");
		short[] pixels = new short[rows * rows];
		for (int i = 0; i < pixels.length; i++) {
			pixels[i] = (short) ((i * 7 + instanceNumber) & 0x0FFF);
		}
		OtherWordAttribute pixelData = new OtherWordAttribute(TagFromName.PixelData);
		pixelData.setValues(pixels);
		list.put(pixelData);
		return list;
	}

	public static Path write(AttributeList list, Path directory) throws IOException, DicomException {
		FileMetaInformation.addFileMetaInformation(list, TransferSyntax.ExplicitVRLittleEndian, "ONETRIPTEST");
		Files.createDirectories(directory);
		Path file = directory.resolve(Attribute.getSingleStringValueOrEmptyString(list, TagFromName.SOPInstanceUID) + ".dcm");
		list.write(file.toFile(), TransferSyntax.ExplicitVRLittleEndian, true, true);
		return file;
	}

	static void put(AttributeList list, AttributeTag tag, String value) throws DicomException {
		if (value == null) {
			return;
		}
		Attribute attribute = AttributeFactory.newAttribute(tag);
		attribute.addValue(value);
		list.put(attribute);
	}

	/** A study of {@code series x perSeries} 32x32 CT images written to a new temporary directory. */
	public static java.util.List<Path> study(Study study, int series, int perSeries) throws Exception {
		Path dir = Files.createTempDirectory("study");
		java.util.List<Path> files = new java.util.ArrayList<>();
		for (int s = 1; s <= series; s++) {
			String seriesUid = uid();
			for (int i = 1; i <= perSeries; i++) {
				files.add(write(ct(study, seriesUid, s, i, 32), dir));
			}
		}
		return files;
	}

	public static java.util.List<String> sopInstanceUids(java.util.List<Path> files) throws Exception {
		java.util.List<String> uids = new java.util.ArrayList<>();
		for (Path file : files) {
			AttributeList list = new AttributeList();
			list.read(file.toFile());
			uids.add(Attribute.getSingleStringValueOrEmptyString(list, TagFromName.SOPInstanceUID).trim());
		}
		return uids;
	}

	/** STOW-RS of these files to the server at {@code base} (http://host:port) as {@code hospital}'s PACS; 200 expected. */
	public static void stow(String base, String hospital, java.util.List<Path> files) throws Exception {
		String boundary = "stow-" + uid();
		java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
		for (Path file : files) {
			body.write(("--" + boundary + "\r\nContent-Type: application/dicom\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
			body.write(java.nio.file.Files.readAllBytes(file));
			body.write("\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
		}
		body.write(("--" + boundary + "--\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
		var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
						java.net.URI.create(base + "/dicomweb/studies"))
				.header("Authorization", "Bearer " + org.onetrip.server.TestTokens.hospital(hospital, "user/*.cruds"))
				.header("Content-Type", "multipart/related; type=\"application/dicom\"; boundary=" + boundary)
				.POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(),
				java.net.http.HttpResponse.BodyHandlers.ofString());
		if (response.statusCode() != 200) {
			throw new AssertionError("STOW-RS answered " + response.statusCode() + ": " + response.body());
		}
	}

	/** Waits (up to 30 s) for the gateway's sync to show the study in FHIR with this many instances. */
	public static org.hl7.fhir.r4.model.ImagingStudy awaitImagingStudy(org.onetrip.server.FhirHttp fhir, String studyUid,
			int instances) throws Exception {
		java.time.Instant deadline = java.time.Instant.now().plusSeconds(30);
		while (java.time.Instant.now().isBefore(deadline)) {
			var response = fhir.get("ImagingStudy/" + studyUid);
			if (response.status() == 200) {
				var study = response.as(org.hl7.fhir.r4.model.ImagingStudy.class);
				if (study.getNumberOfInstances() == instances) {
					return study;
				}
			}
			Thread.sleep(100);
		}
		throw new AssertionError("ImagingStudy/" + studyUid + " never showed " + instances + " instances");
	}

	/** One person known to hospital A and hospital B under their own MRNs (one Patient); returns its id. */
	public static String personAtHospitalsAAndB(org.onetrip.server.FhirHttp fhir, String mrnA, String mrnB, String family) {
		org.hl7.fhir.r4.model.Patient person = new org.hl7.fhir.r4.model.Patient();
		person.addIdentifier().setSystem("urn:onetrip:mrn:hospital-a").setValue(mrnA);
		person.addIdentifier().setSystem("urn:onetrip:mrn:hospital-b").setValue(mrnB);
		person.addName().setFamily(family);
		var created = fhir.post("Patient", person);
		if (created.status() != 201) {
			throw new AssertionError("Patient not created: " + created);
		}
		return created.as(org.hl7.fhir.r4.model.Patient.class).getIdElement().getIdPart();
	}
}

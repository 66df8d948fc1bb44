package org.onetrip.bench.dicom;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeFactory;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.FileMetaInformation;
import com.pixelmed.dicom.OtherWordAttribute;
import com.pixelmed.dicom.SOPClass;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.TransferSyntax;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.UUID;

/**
 * The benchmark's DICOM files, written with PixelMed as Part 10 (explicit VR little endian) under the 2.25 UID root.
 * The same files go to Orthanc and to OneTrip, so both receive identical bytes.
 */
public final class BenchInstances {

	private static final DateTimeFormatter DICOM_DATE = DateTimeFormatter.BASIC_ISO_DATE;
	/** Study dates of the C-FIND population spread over three years before this day. */
	static final LocalDate FIRST_STUDY_DATE = LocalDate.of(2024, 1, 1);
	static final int STUDY_DATE_SPAN_DAYS = 1000;

	private BenchInstances() {}

	static String uid() {
		UUID uuid = UUID.randomUUID();
		return "2.25." + new BigInteger(1, ByteBuffer.allocate(16)
				.putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits()).array());
	}

	/** Study date of the {@code index}-th C-FIND study: a fixed scatter, so a run can be repeated. */
	static LocalDate studyDate(int index) {
		return FIRST_STUDY_DATE.plusDays((index * 37L) % STUDY_DATE_SPAN_DAYS);
	}

	static String dicomDate(LocalDate date) {
		return date.format(DICOM_DATE);
	}

	/**
	 * Writes {@code studies x instancesPerStudy} CT images of {@code rows x rows} 16-bit pixels into
	 * {@code directory/part-<n>} sub-directories ({@code parts} of them, one per parallel association), patients
	 * {@code patientPrefix + study}.
	 */
	public static void writeCtStudies(Path directory, String patientPrefix, int studies, int instancesPerStudy, int rows,
			int parts, Runnable onInstance) throws IOException, DicomException {
		short[] pixels = new short[rows * rows];
		int written = 0;
		for (int s = 0; s < studies; s++) {
			String studyUid = uid();
			String seriesUid = uid();
			String date = dicomDate(studyDate(s));
			for (int i = 1; i <= instancesPerStudy; i++) {
				// A slice-like pattern that differs per image, so no two files are byte-identical.
				for (int p = 0; p < pixels.length; p++) {
					pixels[p] = (short) (((p % rows) * 3 + (p / rows) + i * 11) & 0x0FFF);
				}
				AttributeList list = ct(studyUid, seriesUid, patientPrefix + s, date, i, rows, pixels);
				write(list, directory.resolve("part-" + (written++ % parts)));
				onInstance.run();
			}
		}
	}

	/** One tiny (8 x 8) single-image CT study per call: the C-FIND population, where only the header matters. */
	static void writeFindStudy(Path directory, int index, int studiesPerPatient) throws IOException, DicomException {
		String patient = findPatientId(index / studiesPerPatient);
		AttributeList list = ct(uid(), uid(), patient, dicomDate(studyDate(index)), 1, 8, new short[64]);
		write(list, directory);
	}

	/**
	 * A birth date per patient, spread over ~70 years as a population's are: with one date for every patient, each new
	 * Patient would be compared with hundreds of others born that day as a possible match, which no region sees.
	 */
	static String birthDate(String patientId) {
		return dicomDate(LocalDate.of(1940, 1, 1).plusDays(Math.floorMod(patientId.hashCode(), 25_000)));
	}

	static String findPatientId(int patientNumber) {
		return "FIND" + patientNumber;
	}

	private static AttributeList ct(String studyUid, String seriesUid, String patientId, String date, int instance,
			int rows, short[] pixels) throws DicomException {
		AttributeList list = new AttributeList();
		put(list, TagFromName.SOPClassUID, SOPClass.CTImageStorage);
		put(list, TagFromName.SOPInstanceUID, uid());
		put(list, TagFromName.StudyInstanceUID, studyUid);
		put(list, TagFromName.SeriesInstanceUID, seriesUid);
		put(list, TagFromName.PatientID, patientId);
		put(list, TagFromName.PatientName, "BENCH^" + patientId);
		put(list, TagFromName.PatientBirthDate, birthDate(patientId));
		put(list, TagFromName.PatientSex, "O");
		put(list, TagFromName.StudyDate, date);
		put(list, TagFromName.StudyTime, "101500");
		put(list, TagFromName.SeriesDate, date);
		put(list, TagFromName.SeriesTime, "101500");
		put(list, TagFromName.AccessionNumber, "B" + Integer.toHexString(studyUid.hashCode()));
		put(list, TagFromName.StudyDescription, "CT CHEST");
		put(list, TagFromName.StudyID, "1");
		put(list, TagFromName.ReferringPhysicianName, "REFERRER^RITA");
		put(list, TagFromName.Modality, "CT");
		put(list, TagFromName.BodyPartExamined, "CHEST");
		put(list, TagFromName.SeriesNumber, "1");
		put(list, TagFromName.InstanceNumber, Integer.toString(instance));
		put(list, TagFromName.SamplesPerPixel, "1");
		put(list, TagFromName.PhotometricInterpretation, "MONOCHROME2");
		put(list, TagFromName.Rows, Integer.toString(rows));
		put(list, TagFromName.Columns, Integer.toString(rows));
		put(list, TagFromName.BitsAllocated, "16");
		put(list, TagFromName.BitsStored, "12");
		put(list, TagFromName.HighBit, "11");
		put(list, TagFromName.PixelRepresentation, "0");
		OtherWordAttribute pixelData = new OtherWordAttribute(TagFromName.PixelData);
		pixelData.setValues(pixels);
		list.put(pixelData);
		return list;
	}

	private static void write(AttributeList list, Path directory) throws IOException, DicomException {
		FileMetaInformation.addFileMetaInformation(list, TransferSyntax.ExplicitVRLittleEndian, "ONETRIPBENCH");
		Files.createDirectories(directory);
		Path file = directory.resolve(Attribute.getSingleStringValueOrEmptyString(list, TagFromName.SOPInstanceUID) + ".dcm");
		list.write(file.toFile(), TransferSyntax.ExplicitVRLittleEndian, true, true);
	}

	private static void put(AttributeList list, AttributeTag tag, String value) throws DicomException {
		Attribute attribute = AttributeFactory.newAttribute(tag);
		attribute.addValue(value);
		list.put(attribute);
	}
}

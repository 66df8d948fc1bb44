package org.onetrip.dicom;

/** DIMSE status codes OneTrip answers with (PS3.4 annexes B and C, PS3.7 annex C). */
public final class DimseStatus {
	public static final int SUCCESS = 0x0000;
	public static final int PENDING = 0xFF00;
	/** Storage: the instance could not be written or indexed (disk, database). Query: unable to process. */
	public static final int OUT_OF_RESOURCES = 0xA700;
	public static final int MOVE_OUT_OF_RESOURCES_SUBOPERATIONS = 0xA702;
	public static final int MOVE_DESTINATION_UNKNOWN = 0xA801;
	/** Storage: the data set lacks what the SOP class needs, or contradicts the request. */
	public static final int DATA_SET_DOES_NOT_MATCH_SOP_CLASS = 0xA900;
	public static final int IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS = 0xA900;
	/** The data set could not be parsed. */
	public static final int CANNOT_UNDERSTAND = 0xC000;
	public static final int UNABLE_TO_PROCESS = 0xC001;
	public static final int SUBOPERATIONS_COMPLETE_WITH_FAILURES = 0xB000;

	private DimseStatus() {}
}

package org.onetrip.terminology.region;

/** A hospital's DICOM application entity with the address where it accepts C-STORE (a C-MOVE destination). */
public record DicomNode(String aeTitle, String host, int port) {}

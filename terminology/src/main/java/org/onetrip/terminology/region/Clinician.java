package org.onetrip.terminology.region;

/** A practitioner working in one department of one hospital. */
public record Clinician(String key, String family, String given, String departmentKey) {}

package org.onetrip.terminology.region;

/** A department of a hospital; published as a FHIR HealthcareService. Specialty is a SNOMED CT code. */
public record Department(String key, String name, String specialty, String specialtyDisplay) {}

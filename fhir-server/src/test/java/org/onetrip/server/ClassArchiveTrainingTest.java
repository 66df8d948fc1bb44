package org.onetrip.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;

/**
 * The AOT cache's training workload does what its profiles are for: its images go through the DICOM port and the FHIR
 * sync like any hospital's (a workload that failed would only log a warning at build time and leave the cache
 * without them).
 */
class ClassArchiveTrainingTest extends ServerTest {

	@Autowired
	ApplicationContext context;

	@Test
	void theTrainingsImagesAreStoredAndBecomeImagingStudiesOfTheirOwnPatients() throws Exception {
		List<String> studies = ClassArchiveTraining.imagingWorkload(context, 3, 1);

		assertThat(studies).hasSize(4);
		for (String studyUid : studies.subList(0, 3)) {
			assertThat(fhir.get("/ImagingStudy/" + studyUid).as(ImagingStudy.class).getNumberOfInstances()).isEqualTo(1);
		}
		ImagingStudy series = fhir.get("/ImagingStudy/" + studies.get(3)).as(ImagingStudy.class);
		assertThat(series.getNumberOfInstances()).isEqualTo(20);
		assertThat(series.getSubject().getReference()).startsWith("Patient/");
	}
}
